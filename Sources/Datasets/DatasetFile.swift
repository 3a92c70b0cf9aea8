import Foundation
import RLBridge

/// Reads and writes an `OfflineDataset`, choosing the format by the path: a path ending in `.npz`
/// is a NumPy archive (`NPZDataset`); anything else is a Minari dataset directory, the directory
/// that contains `data/` (`MinariDataset`). Both are described in docs/datasets.md.
///
/// Writing validates the dataset first and is atomic. Reading checks shapes, types and metadata,
/// throws `DatasetError` naming the file and the field, and then calls `validate()`.
public enum DatasetFile {
    public static func write(_ d: OfflineDataset, to url: URL) throws {
        if isNPZ(url) { try NPZDataset.write(d, to: url) } else { try MinariDataset.write(d, to: url) }
    }

    public static func read(_ url: URL) throws -> OfflineDataset {
        isNPZ(url) ? try NPZDataset.read(url) : try MinariDataset.read(url)
    }

    public static func isNPZ(_ url: URL) -> Bool { url.pathExtension.lowercased() == "npz" }
}
