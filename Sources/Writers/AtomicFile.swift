import Foundation

/// Writes files so that a reader never sees a half-written one: the bytes go to a temporary file
/// in the same directory, which is then renamed over the destination.
public enum AtomicFile {
    public static func write(_ data: Data, to url: URL) throws {
        let directory = url.deletingLastPathComponent()
        let temporary = directory.appendingPathComponent(".\(url.lastPathComponent).partial-\(ProcessInfo.processInfo.processIdentifier)")
        do {
            try data.write(to: temporary)
            // rename(2) replaces the destination atomically.
            guard rename(temporary.path, url.path) == 0 else {
                throw WriterError.cannotWrite(path: url.path, reason: String(cString: strerror(errno)))
            }
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw WriterError.cannotWrite(path: url.path, reason: "\(error.localizedDescription)")
        }
    }

    /// Creates `url` and its parents if needed; fails with a clear message if it is a file.
    public static func makeDirectory(_ url: URL) throws {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else {
                throw WriterError.cannotWrite(path: url.path, reason: "it exists and is not a directory")
            }
            return
        }
        do {
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        } catch {
            throw WriterError.cannotWrite(path: url.path, reason: error.localizedDescription)
        }
    }
}

public enum WriterError: Error, CustomStringConvertible {
    case cannotWrite(path: String, reason: String)
    case malformed(path: String, reason: String)

    public var description: String {
        switch self {
        case let .cannotWrite(path, reason): return "cannot write \(path): \(reason)"
        case let .malformed(path, reason): return "\(path): \(reason)"
        }
    }
}
