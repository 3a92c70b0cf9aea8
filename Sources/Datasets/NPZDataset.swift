import Foundation
import RLBridge
import Writers

/// An `OfflineDataset` as a NumPy `.npz` archive (see docs/datasets.md):
///
/// | key                 | shape     | dtype |
/// |---------------------|-----------|-------|
/// | `states`            | [E, H+1]  | int64 |
/// | `actions`           | [E, H]    | int64 |
/// | `rewards`           | [E, H]    | float64 |
/// | `behavior_log_prob` | [E, H]    | float64 |
/// | `mean_field`        | [E, H]    | float64 |
/// | `t`                 | [E, H]    | int64 (the step index, 0 ..< H) |
/// | `component`         | [E]       | int64 |
/// | `metadata`          | [bytes]   | uint8: UTF-8 JSON of `DatasetMetadata` |
///
/// In Python: `z = np.load(path); meta = json.loads(z["metadata"].tobytes())`.
public enum NPZDataset {
    public static func write(_ d: OfflineDataset, to url: URL) throws {
        try DatasetSupport.validate(d, path: url.path)
        let e = d.episodes, h = d.horizon
        let json: Data
        do { json = try DatasetMetadata.encoder().encode(DatasetMetadata(d)) } catch {
            throw DatasetError.cannotWrite(path: url.path, reason: "cannot encode the metadata: \(error)")
        }
        let steps = (0..<e).flatMap { _ in (0..<h).map(Int64.init) }
        let arrays: [(key: String, array: NPYArray)] = [
            ("states", NPYArray(d.statesVisited.map(Int64.init), shape: [e, h + 1])),
            ("actions", NPYArray(d.actionsTaken.map(Int64.init), shape: [e, h])),
            ("rewards", NPYArray(d.rewards, shape: [e, h])),
            ("behavior_log_prob", NPYArray(d.logProbabilities, shape: [e, h])),
            ("mean_field", NPYArray(d.meanField, shape: [e, h])),
            ("t", NPYArray(steps, shape: [e, h])),
            ("component", NPYArray(d.components.map(Int64.init), shape: [e])),
            ("metadata", NPYArray([UInt8](json), shape: [json.count])),
        ]
        do { try NPZ.write(arrays, to: url) } catch let WriterError.cannotWrite(_, reason) {
            throw DatasetError.cannotWrite(path: url.path, reason: reason)
        }
    }

    public static func read(_ url: URL) throws -> OfflineDataset {
        let path = url.path
        guard FileManager.default.fileExists(atPath: path) else {
            throw DatasetError.malformed(path: path, field: "file", reason: "missing")
        }
        let members: [(key: String, array: NPYArray)]
        do { members = try NPZ.read(url) } catch let WriterError.malformed(_, reason) {
            throw DatasetError.malformed(path: path, field: "archive", reason: reason)
        }
        var byKey: [String: NPYArray] = [:]
        for m in members { byKey[m.key] = m.array }
        func array(_ key: String) throws -> NPYArray {
            guard let a = byKey[key] else { throw DatasetError.malformed(path: path, field: key, reason: "missing") }
            return a
        }
        guard let json = try array("metadata").bytes() else {
            throw DatasetError.malformed(path: path, field: "metadata", reason: "is not a uint8 array of UTF-8 JSON")
        }
        let meta: DatasetMetadata
        do { meta = try JSONDecoder().decode(DatasetMetadata.self, from: Data(json)) } catch {
            throw DatasetError.malformed(path: path, field: "metadata", reason: "is not the expected JSON object: \(error)")
        }
        let f = try meta.fields(path: path, prefix: "metadata")
        let e = f.episodes, h = f.horizon
        func shaped(_ key: String, _ shape: [Int], _ what: String) throws -> NPYArray {
            let a = try array(key)
            guard a.shape == shape else {
                throw DatasetError.malformed(path: path, field: key, reason: "has shape \(a.shape), expected \(shape) (\(what), from the metadata)")
            }
            return a
        }
        func ints(_ key: String, _ shape: [Int], _ what: String) throws -> [Int64] {
            guard let v = try shaped(key, shape, what).integers() else {
                throw DatasetError.malformed(path: path, field: key, reason: "is \(try array(key).dtype.rawValue), expected an integer array")
            }
            return v
        }
        func doubles(_ key: String) throws -> [Double] {
            guard let v = try shaped(key, [e, h], "episodes x horizon").doubles() else {
                throw DatasetError.malformed(path: path, field: key, reason: "is \(try array(key).dtype.rawValue), expected float64")
            }
            return v
        }
        let states = try DatasetSupport.narrow(try ints("states", [e, h + 1], "episodes x (horizon + 1)"), path: path, field: "states")
        let actions = try DatasetSupport.narrow(try ints("actions", [e, h], "episodes x horizon"), path: path, field: "actions")
        let components = try DatasetSupport.narrow(try ints("component", [e], "episodes"), path: path, field: "component")
        let steps = try ints("t", [e, h], "episodes x horizon")
        if let bad = steps.indices.first(where: { steps[$0] != Int64($0 % h) }) {
            throw DatasetError.malformed(path: path, field: "t", reason: "entry [\(bad / h), \(bad % h)] is \(steps[bad]), expected \(bad % h)")
        }
        let d = OfflineDataset(
            gameSpec: f.gameSpec, gameName: f.gameName, states: f.states, actions: f.actions, horizon: h, episodes: e,
            behaviors: f.behaviors, seed: f.seed, statesVisited: states, actionsTaken: actions,
            rewards: try doubles("rewards"), logProbabilities: try doubles("behavior_log_prob"),
            meanField: try doubles("mean_field"), components: components)
        try DatasetSupport.validate(d, path: path)
        return d
    }
}
