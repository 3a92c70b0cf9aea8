import Foundation

/// What is at a path and why a file could not be read or written, in plain words (not Foundation's
/// `NSCocoaErrorDomain` texts).
public enum FileProblem {
    /// "a regular file", "a directory", "a symbolic link", "a device", "a pipe", "a socket", or nil
    /// when nothing is there. Uses `lstat`: a symlink is reported as one, not followed.
    public static func kind(of path: String) -> String? {
        var info = stat()
        guard lstat(path, &info) == 0 else { return nil }
        switch info.st_mode & S_IFMT {
        case S_IFREG: return "a regular file"
        case S_IFDIR: return "a directory"
        case S_IFLNK: return "a symbolic link"
        case S_IFCHR, S_IFBLK: return "a device"
        case S_IFIFO: return "a pipe"
        case S_IFSOCK: return "a socket"
        default: return "a special file"
        }
    }

    /// Whether two paths name the same file (device and inode), following symlinks as a reader would.
    public static func sameFile(_ a: String, _ b: String) -> Bool {
        var x = stat(), y = stat()
        guard stat(a, &x) == 0, stat(b, &y) == 0 else { return false }
        return x.st_dev == y.st_dev && x.st_ino == y.st_ino
    }

    /// The reason of a failed read or write: the POSIX error's text ("No such file or directory",
    /// "Permission denied", "No space left on device", "Is a directory") where there is one.
    public static func reason(_ error: Error) -> String {
        let e = error as NSError
        if let underlying = e.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
            return String(cString: strerror(Int32(underlying.code)))
        }
        if e.domain == NSPOSIXErrorDomain { return String(cString: strerror(Int32(e.code))) }
        if e.domain == NSCocoaErrorDomain {
            switch e.code {
            case NSFileNoSuchFileError, NSFileReadNoSuchFileError: return "No such file or directory"
            case NSFileReadNoPermissionError, NSFileWriteNoPermissionError: return "Permission denied"
            case NSFileWriteOutOfSpaceError: return "No space left on device"
            case NSFileReadInapplicableStringEncodingError, NSFileReadCorruptFileError: return "it is not UTF-8 text"
            case NSFileWriteVolumeReadOnlyError: return "Read-only file system"
            default: break
            }
        }
        // Swift errors that describe themselves (bridged to an NSError of their own domain).
        if e.domain != NSCocoaErrorDomain { return String(describing: error) }
        return e.localizedDescription
    }
}
