import Foundation
import XCTest
import Neural

final class MLPFileTests: XCTestCase {
    var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("NeuralTests-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    func testRoundTripIsBitForBit() throws {
        let net = MLP(layerSizes: [27, 128, 128, 128, 5], seed: 7)
        net.parameters[3] = -0.0
        net.parameters[4] = .leastNonzeroMagnitude
        net.parameters[5] = .nan
        let url = directory.appendingPathComponent("q.mlp")
        try net.write(to: url)
        let size = try FileManager.default.attributesOfItem(atPath: url.path)[.size] as! Int
        XCTAssertEqual(size, 8 + 4 + 4 + 4 * 5 + 8 + 4 * net.parameterCount + 8)
        let loaded = try MLP(contentsOf: url)
        XCTAssertEqual(loaded.layerSizes, net.layerSizes)
        XCTAssertEqual(loaded.parameters.map(\.bitPattern), net.parameters.map(\.bitPattern))
    }

    func testHeaderIsLittleEndianWithMagic() throws {
        let url = directory.appendingPathComponent("small.mlp")
        try MLP(layerSizes: [2, 3], seed: 1).write(to: url)
        let bytes = [UInt8](try Data(contentsOf: url))
        XCTAssertEqual(Array(bytes[0 ..< 8]), Array("SMFG-MLP".utf8))
        XCTAssertEqual(Array(bytes[8 ..< 24]), [1, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0])
        XCTAssertEqual(Array(bytes[24 ..< 32]), [9, 0, 0, 0, 0, 0, 0, 0])
        XCTAssertEqual(bytes.count, 32 + 36 + 8)
    }

    private func expectError(_ url: URL, _ check: (MLPFileError.Problem) -> Bool,
                             file: StaticString = #filePath, line: UInt = #line) {
        do {
            _ = try MLP(contentsOf: url)
            XCTFail("loading \(url.lastPathComponent) did not throw", file: file, line: line)
        } catch let error as MLPFileError {
            XCTAssertEqual(error.url, url, file: file, line: line)
            XCTAssertTrue(String(describing: error).contains(url.path), file: file, line: line)
            XCTAssertTrue(check(error.problem), "unexpected problem: \(error)", file: file, line: line)
        } catch {
            XCTFail("unexpected error \(error)", file: file, line: line)
        }
    }

    func testTruncatedFilesThrow() throws {
        let url = directory.appendingPathComponent("full.mlp")
        try MLP(layerSizes: [4, 7, 3], seed: 2).write(to: url)
        let bytes = try Data(contentsOf: url)
        // Cut inside the magic, the sizes, the parameters, and the checksum.
        for length in [0, 5, 14, 20, 60, bytes.count - 1] {
            let cut = directory.appendingPathComponent("cut-\(length).mlp")
            try bytes.prefix(length).write(to: cut)
            expectError(cut) { if case .truncated = $0 { return true } else { return false } }
        }
        let message = String(describing: MLPFileError(url: url, problem: .truncated(field: "parameters", needed: 9, found: 5)))
        XCTAssertTrue(message.contains("truncated"))
    }

    func testWrongMagicThrows() throws {
        let url = directory.appendingPathComponent("magic.mlp")
        try MLP(layerSizes: [4, 7, 3], seed: 2).write(to: url)
        var bytes = [UInt8](try Data(contentsOf: url))
        bytes[0] = UInt8(ascii: "X")
        try Data(bytes).write(to: url)
        expectError(url) { $0 == .wrongMagic }
        XCTAssertTrue(String(describing: MLPFileError(url: url, problem: .wrongMagic)).contains("magic"))
    }

    func testCorruptFilesThrow() throws {
        let url = directory.appendingPathComponent("good.mlp")
        try MLP(layerSizes: [4, 7, 3], seed: 2).write(to: url)
        let good = [UInt8](try Data(contentsOf: url))

        func variant(_ name: String, _ edit: (inout [UInt8]) -> Void) throws -> URL {
            var bytes = good
            edit(&bytes)
            let target = directory.appendingPathComponent(name)
            try Data(bytes).write(to: target)
            return target
        }
        // A flipped bit in a parameter.
        expectError(try variant("flip.mlp") { $0[40] ^= 0x10 }) { $0 == .checksumMismatch }
        // Another version.
        expectError(try variant("version.mlp") { $0[8] = 2 }) { $0 == .unsupportedVersion(2) }
        // A zero layer size.
        expectError(try variant("size.mlp") { $0[20] = 0; $0[21] = 0 }) {
            if case .invalidLayerSizes = $0 { return true } else { return false }
        }
        // A parameter count that does not match the sizes.
        expectError(try variant("count.mlp") { $0[28] &+= 1 }) {
            if case .parameterCountMismatch = $0 { return true } else { return false }
        }
        // Bytes after the checksum.
        expectError(try variant("trailing.mlp") { $0.append(0) }) { $0 == .trailingBytes(1) }
        // A missing file.
        expectError(directory.appendingPathComponent("absent.mlp")) {
            if case .io = $0 { return true } else { return false }
        }
    }
}
