import Foundation
import RLBridge

/// Everything about an `OfflineDataset` that is not in its arrays, as one JSON object: the value of
/// `solve_mfg` in a Minari `metadata.json`, and the whole of the `metadata` member of an `.npz`.
///
///     {"format": "solve-mfg offline dataset", "format_version": 1,
///      "game_name": "...", "game_spec": {"game": "four_rooms", ...},
///      "states": 169, "actions": 5, "horizon": 40, "episodes": 1000,
///      "behaviors": [{"name": "expert", "proportion": 0.5}, ...],
///      "seed": "12345"}
///
/// `seed` is a decimal string because JSON readers (Python's included, when it goes through
/// float64) cannot all hold a UInt64 exactly.
struct DatasetMetadata: Codable, Equatable {
    static let formatName = "solve-mfg offline dataset"
    static let formatVersion = 1

    struct Behavior: Codable, Equatable {
        var name: String?
        var proportion: Double?
    }

    var format: String?
    var formatVersion: Int?
    var gameName: String?
    var gameSpec: [String: String]?
    var states: Int?
    var actions: Int?
    var horizon: Int?
    var episodes: Int?
    var behaviors: [Behavior]?
    var seed: String?

    enum CodingKeys: String, CodingKey {
        case format, formatVersion = "format_version", gameName = "game_name", gameSpec = "game_spec"
        case states, actions, horizon, episodes, behaviors, seed
    }

    init(_ d: OfflineDataset) {
        format = Self.formatName; formatVersion = Self.formatVersion
        gameName = d.gameName; gameSpec = d.gameSpec
        states = d.states; actions = d.actions; horizon = d.horizon; episodes = d.episodes
        behaviors = d.behaviors.map { Behavior(name: $0.name, proportion: $0.proportion) }
        seed = String(d.seed)
    }

    /// The checked fields; `prefix` (e.g. "metadata.json: solve_mfg") and `path` name them in errors.
    func fields(path: String, prefix: String) throws -> Fields {
        func need<T>(_ value: T?, _ key: String) throws -> T {
            guard let value else { throw DatasetError.malformed(path: path, field: "\(prefix).\(key)", reason: "missing") }
            return value
        }
        guard try need(format, "format") == Self.formatName else {
            throw DatasetError.malformed(path: path, field: "\(prefix).format", reason: "is '\(format!)', expected '\(Self.formatName)'")
        }
        guard try need(formatVersion, "format_version") == Self.formatVersion else {
            throw DatasetError.malformed(path: path, field: "\(prefix).format_version", reason: "is \(formatVersion!), this reader reads version \(Self.formatVersion)")
        }
        var out = Fields(gameName: try need(gameName, "game_name"), gameSpec: try need(gameSpec, "game_spec"),
                         states: try need(states, "states"), actions: try need(actions, "actions"),
                         horizon: try need(horizon, "horizon"), episodes: try need(episodes, "episodes"),
                         behaviors: [], seed: 0)
        for (key, v) in [("states", out.states), ("actions", out.actions), ("horizon", out.horizon), ("episodes", out.episodes)] {
            guard v >= 1, v < Int(Int32.max) else {
                throw DatasetError.malformed(path: path, field: "\(prefix).\(key)", reason: "is \(v), expected a positive 32-bit integer")
            }
        }
        // Before anything is allocated from these counts.
        let transitions = Double(out.episodes) * Double(out.horizon + 1)
        guard transitions <= RLLimits.transitions else {
            throw DatasetError.malformed(path: path, field: "\(prefix).episodes",
                                         reason: "episodes x (horizon + 1) = \(out.episodes) x \(out.horizon + 1) = \(RLLimits.count(transitions)) steps, "
                                             + "about \(RLLimits.bytes(transitions * 60)) in memory; at most \(RLLimits.count(RLLimits.transitions)) are read")
        }
        for (i, b) in try need(behaviors, "behaviors").enumerated() {
            out.behaviors.append(BehaviorComponent(name: try need(b.name, "behaviors[\(i)].name"),
                                                   proportion: try need(b.proportion, "behaviors[\(i)].proportion")))
        }
        guard let s = UInt64(try need(seed, "seed")) else {
            throw DatasetError.malformed(path: path, field: "\(prefix).seed", reason: "'\(seed!)' is not a decimal UInt64")
        }
        out.seed = s
        return out
    }

    struct Fields {
        var gameName: String
        var gameSpec: [String: String]
        var states, actions, horizon, episodes: Int
        var behaviors: [BehaviorComponent]
        var seed: UInt64
    }

    static func encoder() -> JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return e
    }
}

/// Helpers shared by the two layouts.
enum DatasetSupport {
    /// Narrows int64 values read from a file to Int32, naming the field if one does not fit.
    static func narrow(_ values: [Int64], path: String, field: String) throws -> [Int32] {
        var out = [Int32]()
        out.reserveCapacity(values.count)
        for (i, v) in values.enumerated() {
            guard let n = Int32(exactly: v) else {
                throw DatasetError.malformed(path: path, field: field, reason: "entry \(i) is \(v), outside the 32-bit range")
            }
            out.append(n)
        }
        return out
    }

    /// Validates, turning `RLError` into a `DatasetError` that names the file.
    static func validate(_ d: OfflineDataset, path: String) throws {
        do { try d.validate() } catch let error as RLError {
            throw DatasetError.invalid(path: path, reason: error.description)
        }
        // A dataset file's behaviours are those `dataset generate` samples.
        let known = BehaviorKind.allCases.map(\.rawValue)
        if let (i, b) = d.behaviors.enumerated().first(where: { !known.contains($0.element.name) }) {
            throw DatasetError.malformed(path: path, field: "behaviors[\(i)].name",
                                         reason: "unknown behaviour '\(b.name)'; behaviours: \(known.joined(separator: ", "))")
        }
    }

    /// A fresh sibling name for temporary files and directories next to `url`.
    static func temporarySibling(of url: URL, _ tag: String) -> URL {
        let unique = "\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString.prefix(8))"
        return url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).\(tag)-\(unique)")
    }
}
