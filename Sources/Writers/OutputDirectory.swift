import Foundation

/// The output directory of a run, written as a whole. The run's files go to a staging directory
/// inside it (`.partial-PID`); `commit` then removes the outputs of an earlier run that this one did
/// not write and renames the new files into place, `last` (summary.json) at the end, so the directory
/// never holds one run's arrays beside another's summary, and a run that fails before `commit` leaves
/// it as it was. Checked before any work (`init`): the path is not empty, the directory (if it exists)
/// is a real directory and not a symlink, every output it may replace is a regular file, and none of
/// them is one of the run's inputs.
public final class OutputDirectory {
    public let url: URL
    /// Every file name a run of this command may write (stale ones are removed by `commit`).
    public let outputs: [String]
    let inputs: [String]
    let flag: String
    private var staging: URL?

    public init(_ path: String, flag: String = "--out", outputs: [String], inputs: [String] = []) throws {
        guard !path.isEmpty else { throw WriterError.badPath(flag: flag, reason: "an empty path; give a directory") }
        url = URL(fileURLWithPath: path, isDirectory: true).standardizedFileURL
        self.outputs = outputs
        self.inputs = inputs
        self.flag = flag
        try check()
    }

    /// The checks of `init`, run again by `commit`.
    func check() throws {
        if let kind = FileProblem.kind(of: url.path), kind != "a directory" {
            throw WriterError.cannotWrite(path: url.path, reason: "\(flag) is \(kind), not a directory; give a directory (symbolic links are not followed)")
        }
        for name in outputs {
            let target = url.appendingPathComponent(name)
            try AtomicFile.checkReplaceable(target)
            if let input = inputs.first(where: { FileProblem.sameFile($0, target.path) }) {
                throw WriterError.cannotWrite(path: target.path, reason: "it is the input \(input), which a run never overwrites; choose another \(flag)")
            }
        }
    }

    /// Where to write the output `name` (in the staging directory, created on first use).
    public func file(_ name: String) throws -> URL {
        precondition(outputs.contains(name), "\(name) is not among the declared outputs")
        return try stage().appendingPathComponent(name)
    }

    /// The staging directory, created (with the output directory) on first use.
    public func stage() throws -> URL {
        if let staging { return staging }
        try AtomicFile.makeDirectory(url)
        let s = url.appendingPathComponent(".partial-\(ProcessInfo.processInfo.processIdentifier)")
        try? FileManager.default.removeItem(at: s)
        do { try FileManager.default.createDirectory(at: s, withIntermediateDirectories: false) } catch {
            throw WriterError.cannotWrite(path: s.path, reason: FileProblem.reason(error))
        }
        staging = s
        return s
    }

    /// Moves the staged files into place: stale outputs removed first, then every new file, `last` at
    /// the end. Returns the names written.
    @discardableResult
    public func commit(last: String = "summary.json") throws -> [String] {
        let staged = try stage()
        try check()
        let written = ((try? FileManager.default.contentsOfDirectory(atPath: staged.path)) ?? []).filter(outputs.contains)
        for name in outputs where !written.contains(name) {
            let target = url.appendingPathComponent(name)
            if FileProblem.kind(of: target.path) != nil, unlink(target.path) != 0 {
                throw WriterError.cannotWrite(path: target.path, reason: "cannot remove this output of an earlier run: \(String(cString: strerror(errno)))")
            }
        }
        for name in written.sorted(by: { ($0 == last ? 1 : 0, $0) < ($1 == last ? 1 : 0, $1) }) {
            let target = url.appendingPathComponent(name)
            guard rename(staged.appendingPathComponent(name).path, target.path) == 0 else {
                throw WriterError.cannotWrite(path: target.path, reason: String(cString: strerror(errno)))
            }
        }
        try? FileManager.default.removeItem(at: staged)
        staging = nil
        return written
    }

    deinit {
        if let staging { try? FileManager.default.removeItem(at: staging) }
    }
}
