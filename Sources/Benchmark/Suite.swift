import Approximators
import Foundation
import Neural
import Writers
import Problems
import RLBridge

/// A benchmark suite file (`benchmarks/*.toml`, format: docs/benchmark.md): problems with their
/// discretisation levels, methods with their settings (lists expand to every combination), seeds and
/// budgets. Parsed with the problem files' TOML reader, so errors name the file, line and field.
public struct Suite: Sendable {
    /// A problem of the suite: a continuous problem discretised at `levels` cells (against its PDE
    /// reference), or a finite game.
    public struct Problem: Sendable, Equatable {
        public var key: String
        /// A catalogue name or a file (relative paths from the suite file's directory), or nil for a game.
        public var source: String?
        /// A finite game's name (OpenSpiel's), or nil for a continuous problem.
        public var game: String?
        /// `name=value` parameters (`--set`).
        public var parameters: [String]
        /// Cells per axis of the discretised game (continuous problems).
        public var levels: [Int]
        /// The PDE reference's points (default: the smallest multiple of the cells >= 320).
        public var reference: Int?
    }

    /// The algorithms a suite can run: the tabular ones (exact quantities) and mean-field
    /// Q-learning (N simulated agents).
    public enum Algorithm: Sendable, Equatable {
        case tabular(TabularAlgorithmName)
        case meanFieldQLearning
        /// The offline learners (on a `[datasets.NAME]` of the suite) and D-MOMD (online, deep).
        case offline(OfflineAlgorithm)

        public init?(rawValue: String) {
            if rawValue == "mean-field-q-learning" { self = .meanFieldQLearning; return }
            if let t = TabularAlgorithmName(rawValue: rawValue) { self = .tabular(t); return }
            guard let o = OfflineAlgorithm(rawValue: rawValue) else { return nil }
            self = .offline(o)
        }

        public var rawValue: String {
            switch self {
            case let .tabular(t): return t.rawValue
            case .meanFieldQLearning: return "mean-field-q-learning"
            case let .offline(o): return o.rawValue
            }
        }

        public static var names: [String] {
            TabularAlgorithmName.allCases.map(\.rawValue) + ["mean-field-q-learning"] + OfflineAlgorithm.allCases.map(\.rawValue)
        }

        /// The settings a method of this algorithm may list.
        var settings: [String] {
            switch self {
            case .meanFieldQLearning: return ["learning_rate", "temperature", "agents", "bins"]
            case .tabular: return ["learning_rate", "alpha", "temperature", "agents"]
            case .offline: return ["learning_rate", "cql_weight", "tau", "alpha", "updates", "batch_size", "episodes_per_iteration",
                                   "epsilon", "target_updates", "exact_mean_field", "float32_matmul"]
            }
        }

        /// True for the learners that need a dataset.
        var needsDataset: Bool {
            if case let .offline(o) = self { return o != .dMOMD }
            return false
        }
    }

    /// A dataset the suite generates for its offline methods, once per problem and level: episodes
    /// of a behaviour mixture (`dataset generate --behavior`), the expert being the PDE equilibrium's
    /// feedback for a continuous problem, mirror descent's policy for a finite game.
    public struct Dataset: Sendable, Equatable {
        public var key: String
        public var behavior: String
        public var episodes: Int
        public var seed: Int
        public var expertIterations: Int
        public var expertLearningRate: Double
    }

    /// A method and one combination of its settings.
    public struct Method: Sendable, Equatable {
        public var key: String
        public var algorithm: Algorithm
        /// The settings of this combination (only those the file sets).
        public var settings: [String: Double]
        public var iterations: Int
        /// The offline learners' dataset (a `[datasets.NAME]`).
        public var dataset: String? = nil
        /// Tabular algorithms on continuous problems: the approximator of mu_t whose mean field of
        /// `agents` simulated agents the updates see instead of the exact one (`docs/approximators.md`).
        public var approximator: String? = nil
        /// The keys of the problems the method runs on (nil: every problem): settings that suit one
        /// problem go in a method of their own, restricted to it.
        public var problems: [String]? = nil
        /// `key` (with `@dataset`, `~approximator`) and its settings, e.g. `md~kde(agents=1000;learning_rate=0.1)`.
        public var label: String {
            let name = key + (dataset.map { "@\($0)" } ?? "") + (approximator.map { "~\($0)" } ?? "")
            return settings.isEmpty ? name : name + "(" + settings.keys.sorted().map { "\($0)=\(Self.format($0, settings[$0]!))" }.joined(separator: ";") + ")"
        }
        static func format(_ v: Double) -> String { v == v.rounded() && abs(v) < 1e15 ? String(Int(v)) : "\(v)" }
        /// The offline learners' settings of this method for one seed: the defaults (`OfflineSettings`)
        /// with the file's settings on top.
        public func offlineSettings(seed: Int) -> OfflineSettings {
            let s = self.settings
            var settings = OfflineSettings()
            settings.iterations = iterations
            settings.seed = UInt64(seed)
            if let v = s["learning_rate"] { settings.learningRate = Float(v) }
            if let v = s["cql_weight"] { settings.cqlWeight = v }
            if let v = s["tau"] { settings.tau = v }
            if let v = s["alpha"] { settings.alpha = v }
            if let v = s["updates"] { settings.updatesPerIteration = Int(v) }
            if let v = s["batch_size"] { settings.batchSize = Int(v) }
            if let v = s["episodes_per_iteration"] { settings.episodesPerIteration = Int(v) }
            if let v = s["epsilon"] { settings.epsilon = v }
            if let v = s["target_updates"] { settings.targetUpdates = Int(v) }
            if let v = s["exact_mean_field"] { settings.exactMeanField = v != 0 }
            if let v = s["float32_matmul"], v != 0 { settings.matmulPrecision = .float32 }
            return settings
        }
        /// Settings written `true` / `false` in the file (held as 1 / 0).
        static let booleanSettings: Set<String> = ["exact_mean_field", "float32_matmul"]
        /// A setting's value as the file writes it.
        static func format(_ key: String, _ v: Double) -> String { booleanSettings.contains(key) ? (v != 0 ? "true" : "false") : format(v) }
    }

    public let path: String
    public let name: String
    public let description: String
    /// The file's text, kept for the report's reproducibility block and to recognise the suite.
    public let text: String
    public let seeds: [Int]
    public let problems: [Problem]
    public let methods: [Method]
    public let datasets: [Dataset]
    /// Wall-clock seconds per cell after which its iterations stop (nil: none).
    public let secondsPerCell: Double?

    /// A 64-bit FNV-1a hash of the text, in hex: results of different suites are never mixed.
    public var fingerprint: String {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in text.utf8 { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        return String(h, radix: 16)
    }

    public static let schemaHint = "tables: [problems.NAME] (problem or game, cells, set, reference), [methods.NAME] (algorithm, its settings, iterations, dataset, problems), [datasets.NAME] (behavior, episodes, seed, expert_iterations, expert_learning_rate), [budget] (iterations, seconds); root keys: name, description, seeds"

    public static func load(path: String) throws -> Suite {
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw ProblemFileError(path: path, line: nil, field: nil, message: "cannot read the suite file (\(FileProblem.reason(error)))")
        }
        return try parse(text, path: path)
    }

    public static func parse(_ text: String, path: String) throws -> Suite {
        let tables: [TOMLTable]
        do { tables = try TOMLReader.parse(text) } catch let e as TOMLError {
            throw ProblemFileError(path: path, line: e.line, field: nil, message: e.message)
        }
        func fail(_ table: String, _ entry: TOMLEntry?, _ message: String, line: Int? = nil) -> ProblemFileError {
            ProblemFileError(path: path, line: entry?.line ?? line, field: entry.map { table.isEmpty ? $0.key : "[\(table)] \($0.key)" } ?? (table.isEmpty ? nil : "[\(table)]"),
                             message: message)
        }
        func string(_ t: String, _ e: TOMLEntry) throws -> String {
            guard case let .string(s) = e.value else { throw fail(t, e, "expected a string, found \(e.value)") }
            return s
        }
        func numbers(_ t: String, _ e: TOMLEntry) throws -> [Double] {
            switch e.value {
            case let .number(v, _): return [v]
            case let .array(items):
                let values = try items.map { item -> Double in
                    guard case let .number(v, _) = item else { throw fail(t, e, "expected numbers, found \(item)") }
                    return v
                }
                guard !values.isEmpty else { throw fail(t, e, "the list is empty") }
                return values
            default: throw fail(t, e, "expected a number or a list of numbers")
            }
        }
        /// `true`, `false` or a list of them, as 1 and 0 (a setting's grid).
        func booleans(_ t: String, _ e: TOMLEntry) throws -> [Double] {
            let items: [TOMLValue]
            if case let .array(list) = e.value { items = list } else { items = [e.value] }
            guard !items.isEmpty else { throw fail(t, e, "the list is empty") }
            return try items.map { item in
                guard case let .bool(b) = item else { throw fail(t, e, "expected true, false or a list of them, found \(item)") }
                return b ? 1 : 0
            }
        }
        func integers(_ t: String, _ e: TOMLEntry, minimum: Int, maximum: Int) throws -> [Int] {
            try numbers(t, e).map { v in
                guard v == v.rounded(), v >= Double(minimum), v <= Double(maximum) else {
                    throw fail(t, e, "expected integers between \(minimum) and \(maximum), found \(v)")
                }
                return Int(v)
            }
        }
        func strings(_ t: String, _ e: TOMLEntry) throws -> [String] {
            guard case let .array(items) = e.value else { throw fail(t, e, "expected a list of \"name=value\" strings") }
            return try items.map { item in
                guard case let .string(s) = item, s.contains("=") else { throw fail(t, e, "expected \"name=value\" strings, found \(item)") }
                return s
            }
        }
        /// A string or a list of strings (a grid of names).
        func names(_ t: String, _ e: TOMLEntry) throws -> [String] {
            if case let .string(s) = e.value { return [s] }
            guard case let .array(items) = e.value, !items.isEmpty else { throw fail(t, e, "expected a name or a list of names") }
            return try items.map { item in
                guard case let .string(s) = item else { throw fail(t, e, "expected names (strings), found \(item)") }
                return s
            }
        }
        func allowed(_ t: TOMLTable, _ keys: [String]) throws {
            for e in t.entries where !keys.contains(e.key) {
                throw fail(t.name, e, "unknown key; allowed here: \(keys.joined(separator: ", "))")
            }
        }

        let root = tables.first { $0.name.isEmpty }!
        try allowed(root, ["name", "description", "seeds"])
        guard let nameEntry = root["name"] else { throw ProblemFileError(path: path, line: 1, field: "name", message: "the suite needs a name") }
        let name = try string("", nameEntry)
        let description = try root["description"].map { try string("", $0) } ?? ""
        let seeds = try root["seeds"].map { try integers("", $0, minimum: 0, maximum: 1 << 40) } ?? [0]
        var problems: [Problem] = [], methods: [Method] = [], datasets: [Dataset] = []
        var datasetEntries: [(String, TOMLEntry)] = []
        var problemEntries: [(String, TOMLEntry, [String])] = []
        var defaultIterations = 100
        var seconds: Double? = nil
        for t in tables where !t.name.isEmpty {
            let parts = t.name.split(separator: ".", maxSplits: 1).map(String.init)
            switch (parts[0], parts.count) {
            case ("budget", 1):
                try allowed(t, ["iterations", "seconds"])
                if let e = t["iterations"] { defaultIterations = try integers(t.name, e, minimum: 1, maximum: 1_000_000)[0] }
                if let e = t["seconds"] {
                    let v = try numbers(t.name, e)[0]
                    guard v > 0, v.isFinite else { throw fail(t.name, e, "the time budget must be a positive number of seconds") }
                    seconds = v
                }
            case ("problems", 2):
                try allowed(t, ["problem", "game", "cells", "set", "reference"])
                let source = try t["problem"].map { try string(t.name, $0) }
                let game = try t["game"].map { try string(t.name, $0) }
                guard (source == nil) != (game == nil) else {
                    throw fail(t.name, nil, "give either problem = \"catalogue name or file\" or game = \"an OpenSpiel game\"", line: t.line)
                }
                if game != nil, let e = t["cells"] ?? t["reference"] { throw fail(t.name, e, "cells and reference are for continuous problems") }
                let levels = try t["cells"].map { try integers(t.name, $0, minimum: 4, maximum: 10_000) } ?? (game == nil ? [40] : [])
                let reference = try t["reference"].map { try integers(t.name, $0, minimum: 4, maximum: 100_000)[0] }
                var resolved = source
                if let s = source, s.hasSuffix(".toml"), !s.hasPrefix("/") {
                    resolved = URL(fileURLWithPath: path).deletingLastPathComponent().appendingPathComponent(s).path
                }
                problems.append(Problem(key: parts[1], source: resolved, game: game,
                                        parameters: try t["set"].map { try strings(t.name, $0) } ?? [], levels: levels, reference: reference))
            case ("methods", 2):
                guard let e = t["algorithm"] else { throw fail(t.name, nil, "a method needs algorithm = \"...\"", line: t.line) }
                let a = try string(t.name, e)
                guard let algorithm = Algorithm(rawValue: a) else {
                    throw fail(t.name, e, "unknown algorithm '\(a)'; use one of \(Algorithm.names.joined(separator: ", "))")
                }
                let isTabular: Bool = { if case .tabular = algorithm { return true } else { return false } }()
                try allowed(t, ["algorithm", "iterations", "problems"] + algorithm.settings + (algorithm.needsDataset ? ["dataset"] : [])
                            + (isTabular ? ["approximator"] : []))
                let only = try t["problems"].map { e in (try names(t.name, e), e) }
                if let only { problemEntries.append((t.name, only.1, only.0)) }
                let approximators: [String?] = try t["approximator"].map { e in
                    try names(t.name, e).map { name -> String? in
                        guard ApproximatorKind(rawValue: name) != nil else {
                            throw fail(t.name, e, "unknown approximator '\(name)'; use one of \(ApproximatorKind.allCases.map(\.rawValue).joined(separator: ", "))")
                        }
                        return name
                    }
                } ?? [nil]
                if isTabular, t["agents"] != nil, t["approximator"] == nil {
                    throw fail(t.name, t["agents"], "agents is the number of simulated agents of an approximator: add approximator = \"...\"")
                }
                let dataset = try t["dataset"].map { try string(t.name, $0) }
                if algorithm.needsDataset {
                    guard let d = t["dataset"] else { throw fail(t.name, nil, "\(a) learns from a dataset: add dataset = \"NAME\" (a [datasets.NAME] table)", line: t.line) }
                    datasetEntries.append((t.name, d))
                }
                let iterations = try t["iterations"].map { try integers(t.name, $0, minimum: 1, maximum: 1_000_000)[0] }
                // Every combination of the listed settings, in file order.
                var combinations: [[String: Double]] = [[:]]
                for key in algorithm.settings {
                    guard let e = t[key] else { continue }
                    let values = Method.booleanSettings.contains(key) ? try booleans(t.name, e) : try numbers(t.name, e)
                    for v in values {
                        let valid: Bool
                        switch key {
                        case "agents": valid = v == v.rounded() && v >= 1 && v <= 10_000_000
                        case "bins": valid = v == v.rounded() && v >= 1 && v <= 1000
                        case "alpha": valid = v >= 0 && v <= 1
                        case "learning_rate" where algorithm == .meanFieldQLearning: valid = v > 0 && v <= 1
                        case "updates", "batch_size", "episodes_per_iteration", "target_updates":
                            valid = v == v.rounded() && v >= 1 && v <= 10_000_000
                        case "cql_weight": valid = v >= 0 && v.isFinite
                        case "epsilon": valid = v >= 0 && v <= 1
                        case _ where Method.booleanSettings.contains(key): valid = true
                        default: valid = v > 0 && v.isFinite
                        }
                        guard valid else { throw fail(t.name, e, "\(v) is out of range for \(key)") }
                    }
                    combinations = combinations.flatMap { c in values.map { v in c.merging([key: v]) { $1 } } }
                }
                for approximator in approximators {
                    for c in combinations {
                        methods.append(Method(key: parts[1], algorithm: algorithm, settings: c, iterations: iterations ?? -1, dataset: dataset,
                                              approximator: approximator, problems: only?.0))
                    }
                }
            case ("datasets", 2):
                try allowed(t, ["behavior", "episodes", "seed", "expert_iterations", "expert_learning_rate"])
                guard let e = t["behavior"] else { throw fail(t.name, nil, "a dataset needs behavior = \"expert=0.5,random=0.5\" (expert, intermediate, random or a mixture)", line: t.line) }
                let behavior = try string(t.name, e)
                do { _ = try ReferencePolicies.parseMixture(behavior) } catch { throw fail(t.name, e, "\(error)") }
                let rate = try t["expert_learning_rate"].map { try numbers(t.name, $0)[0] } ?? 0.03
                guard rate > 0, rate.isFinite else { throw fail(t.name, t["expert_learning_rate"], "the expert's learning rate must be > 0") }
                datasets.append(Dataset(
                    key: parts[1], behavior: behavior,
                    episodes: try t["episodes"].map { try integers(t.name, $0, minimum: 1, maximum: 10_000_000)[0] } ?? 2000,
                    seed: try t["seed"].map { try integers(t.name, $0, minimum: 0, maximum: 1 << 40)[0] } ?? 0,
                    expertIterations: try t["expert_iterations"].map { try integers(t.name, $0, minimum: 1, maximum: 1_000_000)[0] } ?? 2000,
                    expertLearningRate: rate))
            default:
                throw fail(t.name, nil, "unknown table [\(t.name)]; \(schemaHint)", line: t.line)
            }
        }
        guard !problems.isEmpty else { throw ProblemFileError(path: path, line: nil, field: nil, message: "the suite has no [problems.NAME] table") }
        guard !methods.isEmpty else { throw ProblemFileError(path: path, line: nil, field: nil, message: "the suite has no [methods.NAME] table") }
        for (table, entry) in datasetEntries {
            guard case let .string(d) = entry.value, datasets.contains(where: { $0.key == d }) else {
                throw fail(table, entry, "no [datasets.\(entry.value)] table; datasets: \(datasets.map(\.key).joined(separator: ", "))")
            }
        }
        for (table, entry, keys) in problemEntries {
            for key in keys where !problems.contains(where: { $0.key == key }) {
                throw fail(table, entry, "no [problems.\(key)] table; problems: \(problems.map(\.key).joined(separator: ", "))")
            }
        }
        methods = methods.map { var m = $0; if m.iterations < 0 { m.iterations = defaultIterations }; return m }
        return Suite(path: path, name: name, description: description, text: text, seeds: seeds, problems: problems,
                     methods: methods, datasets: datasets, secondsPerCell: seconds)
    }

    /// Every cell, in a fixed order: problem, level, method (and setting), seed.
    public var cells: [Cell] {
        var out: [Cell] = []
        for p in problems {
            for level in (p.game == nil ? p.levels.map { Optional($0) } : [nil]) {
                for m in methods where m.problems?.contains(p.key) ?? true {
                    for seed in seeds { out.append(Cell(problem: p, level: level, method: m, seed: seed)) }
                }
            }
        }
        return out
    }
}

/// One run of the suite: a problem at a level, a method with its settings, a seed.
public struct Cell: Sendable, Equatable {
    public var problem: Suite.Problem
    public var level: Int?
    public var method: Suite.Method
    public var seed: Int

    /// `lq/cells=20/md(learning_rate=0.1)/seed=0`.
    public var id: String {
        "\(problem.key)/\(level.map { "cells=\($0)" } ?? "game")/\(method.label)/seed=\(seed)"
    }

    /// The id as a file name.
    public var fileName: String { Cell.fileName(of: id) }
}
