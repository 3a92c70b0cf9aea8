import Foundation

/// Writes files so that a reader never sees a half-written one: the bytes go to a temporary file
/// in the same directory, which is then renamed over the destination. A destination that exists
/// must be a regular file: a symlink, a device, a pipe or a directory is refused, never replaced
/// or followed.
public enum AtomicFile {
    public static func write(_ data: Data, to url: URL) throws {
        try checkReplaceable(url)
        let directory = url.deletingLastPathComponent()
        let temporary = directory.appendingPathComponent(".\(url.lastPathComponent).partial-\(ProcessInfo.processInfo.processIdentifier)")
        do {
            try data.write(to: temporary)
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw WriterError.cannotWrite(path: url.path, reason: FileProblem.reason(error))
        }
        // rename(2) replaces the destination atomically.
        guard rename(temporary.path, url.path) == 0 else {
            let reason = String(cString: strerror(errno))
            try? FileManager.default.removeItem(at: temporary)
            throw WriterError.cannotWrite(path: url.path, reason: reason)
        }
    }

    /// Checks the path of a single output file given by `flag` before any work: not empty, not ending in
    /// `/`, not something other than a regular file, and none of the run's `inputs`.
    public static func checkOutput(_ path: String, flag: String, inputs: [String] = []) throws {
        guard !path.isEmpty else { throw WriterError.badPath(flag: flag, reason: "an empty path; give a file name") }
        guard !path.hasSuffix("/") else { throw WriterError.badPath(flag: flag, reason: "'\(path)' ends with '/', a directory; give a file name") }
        try checkReplaceable(URL(fileURLWithPath: path))
        if let input = inputs.first(where: { FileProblem.sameFile($0, path) }) {
            throw WriterError.cannotWrite(path: path, reason: "it is the input \(input), which a run never overwrites; choose another \(flag)")
        }
    }

    /// Refuses a destination that exists and is not a regular file (`lstat`: a symlink is not followed).
    public static func checkReplaceable(_ url: URL) throws {
        if let kind = FileProblem.kind(of: url.path), kind != "a regular file" {
            throw WriterError.cannotWrite(path: url.path, reason: "it is \(kind), which is never replaced; give a path to a regular file or a new name")
        }
    }

    /// Creates `url` and its parents if needed; fails with a clear message if it is a file, a symlink
    /// or anything else that is not a directory.
    public static func makeDirectory(_ url: URL) throws {
        if let kind = FileProblem.kind(of: url.path) {
            guard kind == "a directory" else {
                throw WriterError.cannotWrite(path: url.path, reason: "it is \(kind), not a directory")
            }
            return
        }
        do {
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        } catch {
            throw WriterError.cannotWrite(path: url.path, reason: FileProblem.reason(error))
        }
    }
}

public enum WriterError: Error, CustomStringConvertible {
    case cannotWrite(path: String, reason: String)
    case malformed(path: String, reason: String)
    /// A path on the command line that cannot be an output (empty, or a directory where a file is needed).
    case badPath(flag: String, reason: String)

    public var description: String {
        switch self {
        case let .badPath(flag, reason): return "\(flag): \(reason)"
        case let .cannotWrite(path, reason): return "cannot write \(path): \(reason)"
        case let .malformed(path, reason): return "\(path): \(reason)"
        }
    }
}
