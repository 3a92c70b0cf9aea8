import Foundation
import RLBridge
import Writers

/// The results directory of a suite (docs/benchmark.md): `manifest.json` (the suite's fingerprint,
/// the shard, how and where it ran), `suite.toml` (the file as run), and one `cells/<id>.json` per
/// finished cell (with `cells/<id>.distribution.npy`), each written atomically. A run that is
/// interrupted and started again computes only the cells that have no result (failed cells are
/// tried again); a directory of another suite is refused.
public enum BenchmarkRun {
    public struct Manifest: Codable, Sendable {
        public var suite: String
        public var fingerprint: String
        /// `i/n`, or nil for the whole suite (or a merged result set).
        public var shard: String?
        public var cells: Int
        public var version: String
        public var commit: String
        public var machine: String
        public var commands: [String]
        public var mergedFrom: [String]?
        /// Directories given to `merge` that held no results (a shard that never started or died
        /// before its first cell): their cells are missing from the merged set.
        public var emptyShards: [String]?
    }

    /// A deterministic share `index/count` (1-based) of the cells: those whose position modulo
    /// `count` is `index - 1`.
    public struct Shard: Sendable, Equatable, CustomStringConvertible {
        public let index: Int, count: Int
        public init(index: Int, count: Int) throws {
            guard count >= 1, count <= 100_000, index >= 1, index <= count else {
                throw BenchmarkError("a shard is i/n with 1 <= i <= n <= 100000, got \(index)/\(count)")
            }
            self.index = index
            self.count = count
        }
        public init(_ text: String) throws {
            let parts = text.split(separator: "/").map { Int($0.trimmingCharacters(in: .whitespaces)) }
            guard parts.count == 2, let i = parts[0], let n = parts[1] else { throw BenchmarkError("--shard takes i/n, e.g. 2/3; got '\(text)'") }
            try self.init(index: i, count: n)
        }
        public func contains(_ position: Int) -> Bool { position % count == index - 1 }
        public var description: String { "\(index)/\(count)" }
    }

    public static func cellsDirectory(_ directory: URL) -> URL { directory.appendingPathComponent("cells") }

    /// Runs the suite's cells (or a shard's) into `directory`, skipping those already done; returns
    /// (computed, failed, skipped).
    public static func run(
        _ suite: Suite, into directory: URL, shard: Shard?, resolvers: Resolvers, provenance: (version: String, commit: String, machine: String, command: String),
        progress: (String) -> Void
    ) throws -> (computed: Int, failed: Int, skipped: Int) {
        let all = suite.cells
        let mine = all.enumerated().filter { shard?.contains($0.offset) ?? true }.map(\.element)
        try AtomicFile.makeDirectory(cellsDirectory(directory))
        var manifest = Manifest(suite: suite.name, fingerprint: suite.fingerprint, shard: shard?.description, cells: mine.count,
                                version: provenance.version, commit: provenance.commit, machine: provenance.machine,
                                commands: [provenance.command], mergedFrom: nil)
        let manifestURL = directory.appendingPathComponent("manifest.json")
        if let old = try? readManifest(directory) {
            guard old.fingerprint == suite.fingerprint, old.shard == manifest.shard else {
                throw BenchmarkError("\(directory.path) holds results of \(old.shard.map { "shard \($0) of " } ?? "")suite '\(old.suite)' (fingerprint \(old.fingerprint)); this is \(shard.map { "shard \($0) of " } ?? "")'\(suite.name)' (\(suite.fingerprint)): use another --out")
            }
            manifest.commands = old.commands + manifest.commands
        }
        try JSONFile.write(manifest, to: manifestURL)
        try AtomicFile.write(Data(suite.text.utf8), to: directory.appendingPathComponent("suite.toml"))

        var truths: [String: Result<GroundTruth, Error>] = [:]
        var datasets: [String: Result<OfflineDataset, Error>] = [:]
        var computed = 0, failed = 0, skipped = 0, spent = 0.0
        let clock = ContinuousClock()
        for (k, cell) in mine.enumerated() {
            let file = cellsDirectory(directory).appendingPathComponent(cell.fileName + ".json")
            if let data = try? Data(contentsOf: file), let old = try? JSONDecoder.snakeCase.decode(CellResult.self, from: data), old.status == "ok" {
                skipped += 1
                continue
            }
            let start = clock.now
            let key = "\(cell.problem.key)/\(cell.level.map(String.init) ?? "game")"
            if truths[key] == nil {
                progress("ground truth of \(key) ...")
                truths[key] = Result { try GroundTruth.build(cell.problem, level: cell.level, resolvers: resolvers) }
                if case let .success(truth) = truths[key]! { try writeTruth(truth, key: key, to: directory) }
            }
            var result: CellResult
            var distribution: [Double]? = nil
            switch truths[key]! {
            case let .success(truth):
                var dataset: OfflineDataset? = nil
                if let name = cell.method.dataset, let spec = suite.datasets.first(where: { $0.key == name }) {
                    let dkey = key + "/" + name
                    if datasets[dkey] == nil {
                        progress("dataset \(name) of \(key) ...")
                        datasets[dkey] = Result { try DatasetBuilder.make(spec, truth: truth, problem: cell.problem) }
                    }
                    dataset = try? datasets[dkey]!.get()
                }
                if let name = cell.method.dataset, dataset == nil {
                    let why = (datasets[key + "/" + name].flatMap { r -> String? in if case let .failure(e) = r { return "\(e)" }; return nil }) ?? "not generated"
                    result = CellResult(failed: cell, error: "dataset \(name): \(why)")
                } else {
                    (result, distribution) = withoutActuallyEscaping(progress) { progress in
                        CellRunner.run(cell, truth: truth, dataset: dataset, secondsBudget: suite.secondsPerCell, progress: progress)
                    }
                }
            case let .failure(error):
                result = CellResult(failed: cell, error: "ground truth: \(error)")
            }
            if let distribution, let truth = try? truths[key]!.get() {
                try NPY.write(distribution, shape: [truth.game.horizon + 1, truth.game.states],
                              to: cellsDirectory(directory).appendingPathComponent(cell.fileName + ".distribution.npy"))
            }
            try JSONFile.write(result, to: file)
            computed += 1
            if result.status != "ok" { failed += 1 }
            spent += (clock.now - start) / .seconds(1)
            let remaining = mine.count - k - 1
            let eta = remaining > 0 ? " ~\(duration(spent / Double(computed) * Double(remaining))) left" : ""
            let outcome = result.status == "ok"
                ? String(format: "exploitability %.3e%@", result.finalExploitability ?? .nan, result.l1.map { String(format: ", L1 %.3e", $0) } ?? "")
                : "FAILED: \(result.error ?? "")"
            progress("[\(k + 1)/\(mine.count)] \(cell.id): \(outcome) (\(String(format: "%.2f", result.seconds)) s)\(eta)")
        }
        return (computed, failed, skipped)
    }

    /// What `merge` did: the cells merged, and the directories that held no results.
    public struct MergeSummary: Sendable {
        public var cells: Int
        public var emptyShards: [String]
    }

    /// Combines the result directories of shards of one suite into `directory`: refuses different
    /// suites and a cell present twice. A directory with no `manifest.json` (a shard that never
    /// started, or died before its first cell) is left out and named in the merged manifest and the
    /// report, so that the shards that ran still give a report; all of them empty is an error, as is a
    /// manifest that cannot be read.
    public static func merge(_ sources: [URL], into directory: URL) throws -> MergeSummary {
        guard !sources.isEmpty else { throw BenchmarkError("give the shard directories to merge") }
        let target = directory.standardizedFileURL.resolvingSymlinksInPath().path
        for source in sources {   // the merge never writes into what it reads
            let s = source.standardizedFileURL.resolvingSymlinksInPath().path
            if target == s || target.hasPrefix(s.hasSuffix("/") ? s : s + "/") {
                throw BenchmarkError("--out \(directory.path) is \(target == s ? "" : "inside ")the shard directory \(source.path); give a new directory")
            }
        }
        let fileManager = FileManager.default
        let empty = sources.filter { !fileManager.fileExists(atPath: $0.appendingPathComponent("manifest.json").path) }
        let sources = sources.filter { fileManager.fileExists(atPath: $0.appendingPathComponent("manifest.json").path) }
        guard !sources.isEmpty else {
            throw BenchmarkError("none of the directories holds results (no manifest.json in \(empty.map(\.path).joined(separator: ", ")))")
        }
        let manifests = try sources.map { try readManifest($0) }
        guard Set(manifests.map(\.fingerprint)).count == 1 else {
            throw BenchmarkError("the directories hold different suites: " + zip(sources, manifests).map { "\($0.path): '\($1.suite)' (\($1.fingerprint))" }.joined(separator: ", "))
        }
        try AtomicFile.makeDirectory(cellsDirectory(directory))
        var seen: [String: String] = [:], count = 0
        for source in sources {
            let files = try FileManager.default.contentsOfDirectory(atPath: cellsDirectory(source).path).sorted()
            for name in files {
                if name.hasSuffix(".json") {
                    if let other = seen[name] { throw BenchmarkError("the cell \(name) is in both \(other) and \(source.path)") }
                    seen[name] = source.path
                    count += 1
                }
                let data = try Data(contentsOf: cellsDirectory(source).appendingPathComponent(name))
                try AtomicFile.write(data, to: cellsDirectory(directory).appendingPathComponent(name))
            }
            let truths = source.appendingPathComponent("truths")
            try AtomicFile.makeDirectory(directory.appendingPathComponent("truths"))
            for name in (try? FileManager.default.contentsOfDirectory(atPath: truths.path)) ?? [] {
                let data = try Data(contentsOf: truths.appendingPathComponent(name))
                try AtomicFile.write(data, to: directory.appendingPathComponent("truths").appendingPathComponent(name))
            }
        }
        var manifest = manifests[0]
        manifest.shard = nil
        manifest.cells = manifests.map(\.cells).reduce(0, +)
        manifest.commands = manifests.flatMap(\.commands)
        manifest.mergedFrom = sources.map(\.path)
        manifest.emptyShards = empty.isEmpty ? nil : empty.map(\.path)
        try JSONFile.write(manifest, to: directory.appendingPathComponent("manifest.json"))
        let suite = try Data(contentsOf: sources[0].appendingPathComponent("suite.toml"))
        try AtomicFile.write(suite, to: directory.appendingPathComponent("suite.toml"))
        return MergeSummary(cells: count, emptyShards: empty.map(\.path))
    }

    /// What the report needs of a ground truth (`truths/<problem>__<level>.json`): the PDE density at
    /// the game's cells at T/2 and T, the cell size, the reference's error bar.
    public struct TruthSummary: Codable, Sendable {
        public var key: String
        public var states: Int
        public var horizon: Int
        public var cellSize: Double?
        public var referenceDensity: [[Double]]?
        public var referenceError: Double?
        public var groundTruthExploitability: Double?
        public var seconds: Double
        public var dimension: Int?
    }

    static func writeTruth(_ truth: GroundTruth, key: String, to directory: URL) throws {
        let folder = directory.appendingPathComponent("truths")
        try AtomicFile.makeDirectory(folder)
        let d = truth.continuous
        let summary = TruthSummary(
            key: key, states: truth.game.states, horizon: truth.game.horizon, cellSize: d?.cellSize,
            referenceDensity: d.map { d in [0.5, 1.0].map { d.referenceDensity($0) } }, referenceError: truth.referenceError,
            groundTruthExploitability: truth.groundTruthExploitability, seconds: truth.seconds, dimension: d?.reference.dimension)
        try JSONFile.write(summary, to: folder.appendingPathComponent(key.replacingOccurrences(of: "/", with: "__") + ".json"))
    }

    public static func truths(_ directory: URL) -> [String: TruthSummary] {
        let folder = directory.appendingPathComponent("truths")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        var out: [String: TruthSummary] = [:]
        for name in names where name.hasSuffix(".json") {
            if let data = try? Data(contentsOf: folder.appendingPathComponent(name)),
               let t = try? JSONDecoder.snakeCase.decode(TruthSummary.self, from: data) { out[t.key] = t }
        }
        return out
    }

    public static func readManifest(_ directory: URL) throws -> Manifest {
        let url = directory.appendingPathComponent("manifest.json")
        guard let data = try? Data(contentsOf: url) else { throw BenchmarkError("\(directory.path) is not a benchmark result directory (no manifest.json)") }
        do { return try JSONDecoder.snakeCase.decode(Manifest.self, from: data) } catch {
            throw BenchmarkError("\(url.path): unreadable manifest (\(error))")
        }
    }

    /// Every finished cell of a directory, in file-name order.
    public static func results(_ directory: URL) throws -> [CellResult] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: cellsDirectory(directory).path)) ?? []
        return try names.filter { $0.hasSuffix(".json") }.sorted().map { name in
            let url = cellsDirectory(directory).appendingPathComponent(name)
            do { return try JSONDecoder.snakeCase.decode(CellResult.self, from: try Data(contentsOf: url)) } catch {
                throw BenchmarkError("\(url.path): unreadable cell result (\(error))")
            }
        }
    }

    static func duration(_ seconds: Double) -> String {
        seconds < 90 ? String(format: "%.0f s", seconds) : seconds < 5400 ? String(format: "%.0f min", seconds / 60) : String(format: "%.1f h", seconds / 3600)
    }
}

public struct BenchmarkError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}

extension JSONDecoder {
    /// The decoder of the files `JSONFile` writes (snake_case keys).
    static var snakeCase: JSONDecoder {
        let d = JSONDecoder()
        d.keyDecodingStrategy = .convertFromSnakeCase
        d.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
        return d
    }
}
