import Foundation

/// Why a dataset could not be read or written. Every case names the file.
public enum DatasetError: Error, CustomStringConvertible, Equatable {
    /// The file is unreadable, truncated, inconsistent, or lacks something: `field` says what.
    case malformed(path: String, field: String, reason: String)
    /// The file is well-formed but the dataset in it fails `OfflineDataset.validate()`.
    case invalid(path: String, reason: String)
    case cannotWrite(path: String, reason: String)

    public var description: String {
        switch self {
        case let .malformed(path, field, reason): return "\(path): \(field): \(reason)"
        case let .invalid(path, reason): return "\(path): \(reason)"
        case let .cannotWrite(path, reason): return "cannot write \(path): \(reason)"
        }
    }
}
