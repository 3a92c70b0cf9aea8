import Foundation
import RLBridge
import Writers

/// An `OfflineDataset` as a Minari dataset (HDF5 storage, the layout of minari 0.5.4), which
/// `minari.load_dataset` reads. See docs/datasets.md for the layout. In short, `<dir>/data/`
/// holds `metadata.json` and `main_data.hdf5`, with one group `episode_<i>` per episode:
/// `observations` [H+1], `actions` [H] (int64), `rewards` [H] (float64), `terminations` and
/// `truncations` [H] (bool), and `infos/{t, behavior_log_prob, mean_field, component}` [H+1]
/// (the infos, as minari's collector records them, include the reset step; the last entry of
/// `behavior_log_prob` and `mean_field` is NaN padding). The episode ends at the horizon and that
/// is a termination: `terminations[H-1]` is true, `truncations` is all false.
public enum MinariDataset {
    public static let minariVersion = "0.5.4"
    static let metadataFile = "metadata.json"
    static let dataFile = "main_data.hdf5"

    /// `solve-mfg/<game name>/<behaviour names joined by '-'>-v0`, with characters outside
    /// [A-Za-z0-9_-] replaced by '_' (Minari's id grammar).
    public static func defaultDatasetID(for d: OfflineDataset) -> String {
        func clean(_ s: String) -> String {
            let t = String(s.map { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") ? $0 : "_" })
            return t.isEmpty ? "dataset" : t
        }
        let behaviors = d.behaviors.isEmpty ? "data" : d.behaviors.map { clean($0.name) }.joined(separator: "-")
        return "solve-mfg/\(clean(d.gameName))/\(behaviors)-v0"
    }

    // MARK: Writing

    /// Writes the dataset into `directory/data/`. The files are written into a hidden temporary
    /// directory next to `data/` and renamed into place, so `data/` is either the old dataset or
    /// the complete new one. Refuses a `data/` that holds anything but a Minari dataset.
    public static func write(_ d: OfflineDataset, to directory: URL, datasetID: String? = nil) throws {
        try DatasetSupport.validate(d, path: directory.path)
        do { try AtomicFile.makeDirectory(directory) } catch let WriterError.cannotWrite(_, reason) {
            throw DatasetError.cannotWrite(path: directory.path, reason: reason)
        }
        let data = directory.appendingPathComponent("data")
        let fm = FileManager.default
        var isDirectory: ObjCBool = false
        let exists = fm.fileExists(atPath: data.path, isDirectory: &isDirectory)
        if exists {
            let contents = (try? fm.contentsOfDirectory(atPath: data.path)) ?? ["?"]
            guard isDirectory.boolValue, Set(contents).isSubset(of: [metadataFile, dataFile]) else {
                throw DatasetError.cannotWrite(path: data.path, reason: "exists and is not a Minari dataset directory (holds \(contents.sorted())); not replacing it")
            }
        }
        let partial = DatasetSupport.temporarySibling(of: data, "partial")
        do {
            try fm.createDirectory(at: partial, withIntermediateDirectories: false)
            try writeHDF5(d, to: partial.appendingPathComponent(dataFile), finalPath: data.appendingPathComponent(dataFile).path)
            let size = (try? fm.attributesOfItem(atPath: partial.appendingPathComponent(dataFile).path)[.size] as? Int) ?? 0
            let meta = metadata(d, datasetID: datasetID ?? defaultDatasetID(for: d), bytes: size)
            try AtomicFile.write(try DatasetMetadata.encoder().encode(meta), to: partial.appendingPathComponent(metadataFile))
            if exists {
                let old = DatasetSupport.temporarySibling(of: data, "old")
                guard rename(data.path, old.path) == 0 else {
                    throw DatasetError.cannotWrite(path: data.path, reason: "cannot move the old dataset aside: \(String(cString: strerror(errno)))")
                }
                guard rename(partial.path, data.path) == 0 else {
                    let reason = String(cString: strerror(errno))
                    _ = rename(old.path, data.path)
                    throw DatasetError.cannotWrite(path: data.path, reason: "cannot rename the new dataset into place: \(reason)")
                }
                try? fm.removeItem(at: old)
            } else {
                guard rename(partial.path, data.path) == 0 else {
                    throw DatasetError.cannotWrite(path: data.path, reason: "cannot rename the new dataset into place: \(String(cString: strerror(errno)))")
                }
            }
        } catch {
            try? fm.removeItem(at: partial)
            switch error {
            case let e as DatasetError: throw e
            case let e as HDF5Error: throw DatasetError.cannotWrite(path: e.path, reason: "\(e.field): \(e.reason)")
            case let WriterError.cannotWrite(path, reason): throw DatasetError.cannotWrite(path: path, reason: reason)
            default: throw DatasetError.cannotWrite(path: data.path, reason: FileProblem.reason(error))
            }
        }
    }

    static func spaceJSON(_ n: Int) -> String {
        // As minari.serialization.serialize_space writes a Discrete space (json.dumps spacing).
        "{\"type\": \"Discrete\", \"dtype\": \"int64\", \"start\": 0, \"n\": \(n)}"
    }

    static func metadata(_ d: OfflineDataset, datasetID: String, bytes: Int) -> MinariMetadata {
        let names = d.behaviors.map { "\($0.name) (\($0.proportion))" }.joined(separator: ", ")
        var m = MinariMetadata()
        m.totalEpisodes = d.episodes
        m.totalSteps = d.episodes * d.horizon
        m.dataFormat = "hdf5"
        m.observationSpace = spaceJSON(d.states)
        m.actionSpace = spaceJSON(d.actions)
        m.datasetID = datasetID
        m.minariVersion = minariVersion
        m.author = ["solve-mfg"]
        m.algorithmName = d.behaviors.map(\.name).joined(separator: "+")
        m.codePermalink = "solve-mfg (Sources/Datasets/MinariDataset.swift)"
        m.description = "Offline mean-field-game dataset for \(d.gameName): \(d.episodes) episodes of horizon \(d.horizon), behaviours \(names), seed \(d.seed). Written by solve-mfg; the solve_mfg key holds what rebuilds the dataset exactly."
        m.datasetSize = (Double(bytes) / 1_000_000 * 10).rounded() / 10
        m.solveMFG = DatasetMetadata(d)
        return m
    }

    private static func writeHDF5(_ d: OfflineDataset, to url: URL, finalPath: String) throws {
        let h = d.horizon
        try HDF5.locked {
            let file = try HDF5File.create(url.path)
            let padding = Double.nan
            for e in 0..<d.episodes {
                let g = try file.root.createGroup("episode_\(e)")
                try g.setAttribute("id", Int64(e))
                try g.setAttribute("total_steps", Int64(h))
                let steps = (e * h)..<((e + 1) * h)
                try g.write("observations", d.statesVisited[(e * (h + 1))..<((e + 1) * (h + 1))].map(Int64.init))
                try g.write("actions", d.actionsTaken[steps].map(Int64.init))
                try g.write("rewards", Array(d.rewards[steps]))
                try g.write("terminations", (0..<h).map { $0 == h - 1 })
                try g.write("truncations", [Bool](repeating: false, count: h))
                let infos = try g.createGroup("infos")
                try infos.write("t", (0...h).map(Int64.init))
                try infos.write("behavior_log_prob", Array(d.logProbabilities[steps]) + [padding])
                try infos.write("mean_field", Array(d.meanField[steps]) + [padding])
                try infos.write("component", [Int64](repeating: Int64(d.components[e]), count: h + 1))
            }
            try file.flush()
        }
    }

    // MARK: Reading

    /// Reads `directory/data/{metadata.json, main_data.hdf5}`, checking every field against the
    /// metadata, then `validate()`.
    public static func read(_ directory: URL) throws -> OfflineDataset {
        let data = directory.appendingPathComponent("data")
        let metaURL = data.appendingPathComponent(metadataFile)
        let metaPath = metaURL.path
        guard FileManager.default.fileExists(atPath: metaPath) else {
            throw DatasetError.malformed(path: metaPath, field: "file", reason: "missing (is \(directory.path) a Minari dataset directory?)")
        }
        let meta: MinariMetadata
        let metaData: Data
        do { metaData = try Data(contentsOf: metaURL) } catch {
            throw DatasetError.malformed(path: metaPath, field: "file", reason: "cannot read it: \(FileProblem.reason(error))")
        }
        do { meta = try JSONDecoder().decode(MinariMetadata.self, from: metaData) } catch {
            throw DatasetError.malformed(path: metaPath, field: "metadata", reason: "not the expected JSON object: \(error)")
        }
        func need<T>(_ value: T?, _ key: String) throws -> T {
            guard let value else { throw DatasetError.malformed(path: metaPath, field: key, reason: "missing") }
            return value
        }
        guard try need(meta.dataFormat, "data_format") == "hdf5" else {
            throw DatasetError.malformed(path: metaPath, field: "data_format", reason: "is '\(meta.dataFormat!)', only 'hdf5' is read")
        }
        _ = try need(meta.datasetID, "dataset_id")
        _ = try need(meta.minariVersion, "minari_version")
        let f = try need(meta.solveMFG, "solve_mfg").fields(path: metaPath, prefix: "solve_mfg")
        let e = f.episodes, h = f.horizon
        for (key, text, n) in [("observation_space", meta.observationSpace, f.states), ("action_space", meta.actionSpace, f.actions)] {
            let space: DiscreteSpace
            do { space = try JSONDecoder().decode(DiscreteSpace.self, from: Data(try need(text, key).utf8)) } catch let error as DatasetError {
                throw error
            } catch {
                throw DatasetError.malformed(path: metaPath, field: key, reason: "is not a serialised space: \(error)")
            }
            guard space.type == "Discrete", space.start ?? 0 == 0, space.n == n else {
                throw DatasetError.malformed(path: metaPath, field: key, reason: "is \(text!), expected Discrete(\(n)) starting at 0 (from solve_mfg)")
            }
        }
        guard try need(meta.totalEpisodes, "total_episodes") == e else {
            throw DatasetError.malformed(path: metaPath, field: "total_episodes", reason: "is \(meta.totalEpisodes!), but solve_mfg.episodes is \(e)")
        }
        guard try need(meta.totalSteps, "total_steps") == e * h else {
            throw DatasetError.malformed(path: metaPath, field: "total_steps", reason: "is \(meta.totalSteps!), but the data hold \(e) episodes of \(h) steps = \(e * h)")
        }

        var d = OfflineDataset(gameSpec: f.gameSpec, gameName: f.gameName, states: f.states, actions: f.actions,
                               horizon: h, episodes: e, behaviors: f.behaviors, seed: f.seed,
                               statesVisited: [], actionsTaken: [], rewards: [], logProbabilities: [], meanField: [], components: [])
        let hdfPath = data.appendingPathComponent(dataFile).path
        do {
            try HDF5.locked {
                let file = try HDF5File.open(hdfPath)
                let groups = try file.root.linkCount()
                guard groups == e else {
                    throw HDF5Error(path: hdfPath, field: "episodes", reason: "the file holds \(groups) entries, but metadata total_episodes is \(e)")
                }
                var totalSteps = 0
                d.statesVisited.reserveCapacity(e * (h + 1))
                for i in 0..<e {
                    let g = try file.root.group("episode_\(i)")
                    let id = try g.int64Attribute("id")
                    guard id == i else { throw HDF5Error(path: hdfPath, field: "episode_\(i) attribute 'id'", reason: "is \(id), expected \(i)") }
                    let steps = try g.int64Attribute("total_steps")
                    guard steps == h else {
                        throw HDF5Error(path: hdfPath, field: "episode_\(i) attribute 'total_steps'", reason: "is \(steps), but the horizon is \(h)")
                    }
                    totalSteps += Int(steps)
                    d.statesVisited += try DatasetSupport.narrow(try g.readInt64("observations", count: h + 1), path: hdfPath, field: "episode_\(i)/observations")
                    d.actionsTaken += try DatasetSupport.narrow(try g.readInt64("actions", count: h), path: hdfPath, field: "episode_\(i)/actions")
                    d.rewards += try g.readDouble("rewards", count: h)
                    let terminations = try g.readBool("terminations", count: h)
                    let truncations = try g.readBool("truncations", count: h)
                    if let bad = (0..<(h - 1)).first(where: { terminations[$0] || truncations[$0] }) {
                        throw HDF5Error(path: hdfPath, field: "episode_\(i)/terminations", reason: "the episode ends at step \(bad), before the horizon \(h)")
                    }
                    guard terminations[h - 1] || truncations[h - 1] else {
                        throw HDF5Error(path: hdfPath, field: "episode_\(i)/terminations", reason: "the episode does not end at the horizon \(h)")
                    }
                    let infos = try g.group("infos")
                    let t = try infos.readInt64("t", count: h + 1)
                    guard t == (0...h).map(Int64.init) else {
                        throw HDF5Error(path: hdfPath, field: "episode_\(i)/infos/t", reason: "is not 0 ... \(h)")
                    }
                    d.logProbabilities += try infos.readDouble("behavior_log_prob", count: h + 1).prefix(h)
                    d.meanField += try infos.readDouble("mean_field", count: h + 1).prefix(h)
                    let component = try infos.readInt64("component", count: h + 1)
                    guard let c = component.first, component.allSatisfy({ $0 == c }) else {
                        throw HDF5Error(path: hdfPath, field: "episode_\(i)/infos/component", reason: "changes within the episode")
                    }
                    d.components += try DatasetSupport.narrow([c], path: hdfPath, field: "episode_\(i)/infos/component")
                }
                guard totalSteps == meta.totalSteps else {
                    throw HDF5Error(path: metaPath, field: "total_steps", reason: "is \(meta.totalSteps!), but the episodes hold \(totalSteps) steps")
                }
            }
        } catch let error as HDF5Error {
            throw DatasetError.malformed(path: error.path, field: error.field, reason: error.reason)
        }
        try DatasetSupport.validate(d, path: directory.path)
        return d
    }
}

/// The keys of minari's `metadata.json` that are written or read (others are ignored on reading).
struct MinariMetadata: Codable {
    var totalEpisodes: Int?
    var totalSteps: Int?
    var dataFormat: String?
    var observationSpace: String?
    var actionSpace: String?
    var datasetID: String?
    var minariVersion: String?
    var author: [String]?
    var algorithmName: String?
    var codePermalink: String?
    var description: String?
    var datasetSize: Double?
    var solveMFG: DatasetMetadata?

    enum CodingKeys: String, CodingKey {
        case totalEpisodes = "total_episodes", totalSteps = "total_steps", dataFormat = "data_format"
        case observationSpace = "observation_space", actionSpace = "action_space", datasetID = "dataset_id"
        case minariVersion = "minari_version", author, algorithmName = "algorithm_name"
        case codePermalink = "code_permalink", description, datasetSize = "dataset_size", solveMFG = "solve_mfg"
    }
}

/// A serialised gymnasium space, as far as a Discrete one goes.
struct DiscreteSpace: Codable {
    var type: String
    var dtype: String?
    var start: Int?
    var n: Int?
}
