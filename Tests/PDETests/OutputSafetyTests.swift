import Foundation
import Testing
import Writers

/// Outputs never mislead or damage: whole output directories, no symlink, device or input replaced,
/// strict .npy headers, counts written as integers, plain reasons for unreadable files.
@Suite struct OutputSafetyTests {
    static func scratch() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("output-safety-\(UUID())")
        try AtomicFile.makeDirectory(dir)
        return dir
    }

    @Test func commitReplacesTheEarlierRunWholeWithTheSummaryLast() throws {
        let dir = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let outputs = ["m.npy", "u.npy", "summary.json"]
        let first = try OutputDirectory(dir.path, outputs: outputs)
        for name in outputs { try Data(name.utf8).write(to: try first.file(name)) }
        try first.commit()
        try Data("mine".utf8).write(to: dir.appendingPathComponent("notes.txt"))
        // A failed run writes only its summary: the earlier arrays go, the user's own file stays.
        let second = try OutputDirectory(dir.path, outputs: outputs)
        try Data("failure".utf8).write(to: try second.file("summary.json"))
        #expect(try second.commit() == ["summary.json"])
        let left = try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted()
        #expect(left == ["notes.txt", "summary.json"])
        #expect(try String(contentsOf: dir.appendingPathComponent("summary.json"), encoding: .utf8) == "failure")
    }

    @Test func aRunThatFailsBeforeCommitLeavesTheDirectoryAsItWas() throws {
        let dir = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        try Data("old".utf8).write(to: dir.appendingPathComponent("m.npy"))
        do {
            let out = try OutputDirectory(dir.path, outputs: ["m.npy"])
            try Data("new".utf8).write(to: try out.file("m.npy"))
        }   // never committed: the staging directory goes with it
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["m.npy"])
        #expect(try String(contentsOf: dir.appendingPathComponent("m.npy"), encoding: .utf8) == "old")
    }

    @Test func symlinksDevicesAndInputsAreRefusedBeforeAnyWork() throws {
        let dir = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let target = dir.appendingPathComponent("target.txt")
        try Data("keep".utf8).write(to: target)
        let link = dir.appendingPathComponent("link.npy")
        try FileManager.default.createSymbolicLink(at: link, withDestinationURL: target)
        #expect(throws: WriterError.self) { try AtomicFile.write(Data("x".utf8), to: link) }
        #expect(FileProblem.kind(of: link.path) == "a symbolic link")
        #expect(try String(contentsOf: target, encoding: .utf8) == "keep")
        #expect(throws: WriterError.self) { try AtomicFile.write(Data("x".utf8), to: URL(fileURLWithPath: "/dev/null")) }
        #expect(FileProblem.kind(of: "/dev/null") == "a device")
        #expect(throws: WriterError.self) { try OutputDirectory(dir.path, outputs: ["link.npy"]) }
        let linkedDirectory = dir.appendingPathComponent("linked")
        try FileManager.default.createSymbolicLink(at: linkedDirectory, withDestinationURL: dir)
        #expect(throws: WriterError.self) { try OutputDirectory(linkedDirectory.path, outputs: ["m.npy"]) }
        #expect(throws: WriterError.self) { try OutputDirectory(dir.path, outputs: ["target.txt"], inputs: [target.path]) }
        #expect(throws: WriterError.self) { try AtomicFile.checkOutput(target.path, flag: "--x", inputs: [link.path]) }
        #expect(throws: WriterError.self) { try AtomicFile.checkOutput("", flag: "--x") }
        #expect(throws: WriterError.self) { try AtomicFile.checkOutput(dir.path + "/a.npy/", flag: "--x") }
        #expect(throws: WriterError.self) { try OutputDirectory("", outputs: []) }
    }

    @Test func npyHeadersAreReadStrictly() throws {
        func file(_ header: String) -> Data {
            var h = Array(header.utf8)
            while (10 + h.count + 1) % 64 != 0 { h.append(0x20) }
            h.append(0x0A)
            return Data([0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(h.count & 0xFF), UInt8(h.count >> 8)] + h + [UInt8](repeating: 0, count: 16))
        }
        let good = "{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }"
        #expect(try NPY.decode(file(good), path: "a.npy").shape == [2])
        for bad in ["{'descr': '<f8', 'fortran_order': False, 'fortran_order': True, 'shape': (2,), }",
                    "{'descr': '<f8', 'fortran_order': True, 'shape': (2,), }",
                    "{'descr': '<f8', 'fortran_order': 0, 'shape': (2,), }",
                    "{'descr': '<f8', 'shape': (2,), }",
                    "{'descr': '<f8', 'fortran_order': False, 'shape': (2,), 'extra': 1}",
                    "{'descr': '<f8', 'fortran_order': False, 'shape': (-2,), }",
                    "'descr': '<f8', 'fortran_order': False, 'shape': (2,)"] {
            #expect(throws: WriterError.self, "\(bad)") { try NPY.decode(file(bad), path: "a.npy") }
        }
    }

    @Test func countsAreWrittenAsIntegers() {
        let text = String(decoding: CSV.encode(header: ["iteration", "value"], rows: [[0, 1], [12, 2.5]], integerColumns: 1), as: UTF8.self)
        #expect(text == "iteration,value\n0,1.0\n12,2.5\n")
    }

    @Test func unreadableFilesGetPlainReasons() {
        do {
            _ = try NPY.read(URL(fileURLWithPath: "/no/such/file.npy"))
            Issue.record("read a missing file")
        } catch {
            #expect("\(error)" == "/no/such/file.npy: cannot read it: No such file or directory")
        }
    }
}
