import Foundation
import Testing
import Writers

@Suite struct WriterTests {
    @Test func npyRoundTripAndHeaderAlignment() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("npy-\(UUID())")
        try AtomicFile.makeDirectory(dir)
        defer { try? FileManager.default.removeItem(at: dir) }
        let values = (0..<12).map { Double($0) * 0.5 - 1 }
        let url = dir.appendingPathComponent("a.npy")
        try NPY.write(values, shape: [3, 4], to: url)
        let data = try Data(contentsOf: url)
        let headerLength = Int(data[8]) | Int(data[9]) << 8
        #expect((10 + headerLength) % 64 == 0)
        #expect(data.count == 10 + headerLength + 8 * 12)
        let (read, shape) = try NPY.read(url)
        #expect(read == values && shape == [3, 4])
        // No temporary file is left behind.
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["a.npy"])
    }
}
