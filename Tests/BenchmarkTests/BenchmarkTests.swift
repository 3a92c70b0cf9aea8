import Foundation
import Neural
import Plots
import Problems
import RLBridge
import Testing
@testable import Benchmark

let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// Catalogue names and OpenSpiel games with numeric parameters, as the command line resolves them.
let resolvers = Resolvers(
    problem: { source, parameters in
        let path = source.hasSuffix(".toml") ? source : repository.appendingPathComponent("problems/\(source).toml").path
        var values: [String: Double] = [:]
        for p in parameters { let kv = p.split(separator: "="); values[String(kv[0])] = Double(kv[1])! }
        return try ProblemFile.load(path: path, overrides: values)
    },
    game: { name, parameters in try OpenSpielGames.make(name, settings: parameters) })

let tiny = """
    name = "tiny"
    seeds = [0, 1]
    [budget]
    iterations = 10
    [problems.lq]
    problem = "lq-1d"
    cells = [8]
    reference = 64
    [problems.cm]
    game = "crowd_modelling"
    set = ["size=10", "horizon=5"]
    [methods.fp]
    algorithm = "fictitious-play"
    [methods.md]
    algorithm = "mirror-descent"
    learning_rate = [0.5, 1]
    """

func temporaryDirectory() -> URL {
    URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("benchmark-test-\(UUID().uuidString)")
}

let provenance = (version: "test", commit: "test", machine: "test", command: "test")

@Suite struct SuiteFileTests {
    @Test func quickSuiteExpandsToEveryCombination() throws {
        let suite = try Suite.load(path: repository.appendingPathComponent("benchmarks/quick.toml").path)
        // (2 + 2 levels + 1 game) x (fp, md x 2, mmd, bpi, mfq, offmmd, tabular_offmmd) x 2 seeds.
        #expect(suite.cells.count == 5 * 8 * 2)
        #expect(suite.methods.filter { $0.dataset == "mixed" }.count == 2)
        #expect(Set(suite.cells.map(\.id)).count == suite.cells.count)
        #expect(suite.methods.filter { $0.key == "md" }.map { $0.settings["learning_rate"]! } == [0.1, 1.0])
    }

    /// Every shipped suite parses, and each offline method names a dataset of the suite.
    @Test func shippedSuitesParse() throws {
        let folder = repository.appendingPathComponent("benchmarks")
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".toml") }
        #expect(files.count >= 2)
        for f in files {
            let suite = try Suite.load(path: folder.appendingPathComponent(f).path)
            #expect(!suite.cells.isEmpty, "\(f)")
            for m in suite.methods { if let d = m.dataset { #expect(suite.datasets.contains { $0.key == d }, "\(f) \(m.key)") } }
        }
    }

    /// The Off-MMD study: the same 16 cells on each environment, every method on its own problem
    /// with that environment's settings (docs/off-mmd-report.md).
    @Test func paperSuiteRunsEachMethodOnItsOwnProblem() throws {
        let suite = try Suite.load(path: repository.appendingPathComponent("benchmarks/paper.toml").path)
        #expect(suite.cells.count == 32)
        for (problem, tau, iterations) in [("four_rooms", 20.0, 100), ("crowd_aversion", 0.01, 400)] {
            let cells = suite.cells.filter { $0.problem.key == problem }
            #expect(cells.count == 16, "\(problem)")
            #expect(Set(cells.map(\.method.algorithm.rawValue)) == ["off-mmd", "tabular-off-mmd", "bc", "in-sample", "d-momd"], "\(problem)")
            for cell in cells {
                #expect(cell.method.problems == [problem])
                #expect(cell.method.iterations == iterations, "\(cell.id)")
                if let t = cell.method.settings["tau"] { #expect(t == tau, "\(cell.id)") }
            }
        }
    }

    @Test(arguments: [
        ("[methods.x]\nalgorithm = \"gradient-descent\"", "[methods.x] algorithm: unknown algorithm 'gradient-descent'"),
        ("[methods.x]\nalgorithm = \"mirror-descent\"\nlr = 1", "[methods.x] lr: unknown key"),
        ("[methods.x]\nalgorithm = \"mirror-descent\"\nlearning_rate = -1", "[methods.x] learning_rate:"),
        ("[problems.y]\nproblem = \"lq-1d\"\ngame = \"crowd_modelling\"", "[problems.y]: give either problem"),
        ("[problems.y]\nproblem = \"lq-1d\"\ncells = [2]", "[problems.y] cells: expected integers between 4"),
        ("[results]\nx = 1", "unknown table [results]"),
        ("[methods.x]\nalgorithm = \"off-mmd\"", "[methods.x]: off-mmd learns from a dataset"),
        ("[methods.x]\nalgorithm = \"off-mmd\"\ndataset = \"nope\"", "[methods.x] dataset: no [datasets."),
        ("[datasets.d]\nbehavior = \"experts\"", "[datasets.d] behavior: unknown behaviour 'experts'"),
        ("[methods.x]\nalgorithm = \"fictitious-play\"\napproximator = \"nn\"", "[methods.x] approximator: unknown approximator 'nn'"),
        ("[methods.x]\nalgorithm = \"fictitious-play\"\nagents = 100", "[methods.x] agents: agents is the number of simulated agents"),
        ("[methods.x]\nalgorithm = \"off-mmd\"\ndataset = \"d\"\napproximator = \"kde\"", "[methods.x] approximator: unknown key"),
    ])
    func badSuitesNameFileLineAndField(_ extra: String, _ message: String) {
        let text = "name = \"bad\"\n[problems.ok]\ngame = \"crowd_modelling\"\n[methods.ok]\nalgorithm = \"fictitious-play\"\n" + extra
        #expect { try Suite.parse(text, path: "bad.toml") } throws: { error in
            "\(error)".hasPrefix("bad.toml:") && "\(error)".contains(message)
        }
    }
}

@Suite struct ApproximatorCellTests {
    /// A tabular method with approximators expands over them (and agents), labels each, and runs:
    /// fictitious play on the histogram of 20,000 agents stays within 20% (+5e-3) of the exact-mu
    /// run's exploitability after 5 iterations (the histogram's relative error per cell is ~1/sqrt(N p)).
    @Test func approximatorMethodsExpandAndRun() throws {
        let text = """
            name = "approx"
            seeds = [0]
            [budget]
            iterations = 5
            [problems.ca]
            problem = "crowd-aversion-1d"
            cells = [10]
            reference = 40
            [methods.fp]
            algorithm = "fictitious-play"
            [methods.fpa]
            algorithm = "fictitious-play"
            approximator = ["histogram", "kde"]
            agents = [20000]
            """
        let suite = try Suite.parse(text, path: "approx.toml")
        #expect(suite.methods.map(\.label) == ["fp", "fpa~histogram(agents=20000)", "fpa~kde(agents=20000)"])
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let run = try BenchmarkRun.run(suite, into: dir, shard: nil, resolvers: resolvers, provenance: provenance) { _ in }
        #expect(run.failed == 0)
        let results = try BenchmarkRun.results(dir)
        let exact = try #require(results.first { $0.method == "fp" }?.finalExploitability)
        let histogram = try #require(results.first { $0.method.hasPrefix("fpa~histogram") }?.finalExploitability)
        #expect(abs(histogram - exact) <= 0.2 * exact + 5e-3, "histogram \(histogram), exact \(exact)")
        #expect(results.allSatisfy { $0.exploitability.count == 6 && $0.l1 != nil })
    }
}

/// A suite on a small crowd_modelling with a mixed dataset: `budget` is the `[budget]` table's lines,
/// `methods` the `[methods.*]` tables.
func crowdModellingSuite(_ name: String, budget: String, methods: String) throws -> Suite {
    try Suite.parse("""
        name = "\(name)"
        seeds = [0]
        [budget]
        \(budget)
        [problems.cm]
        game = "crowd_modelling"
        set = ["size=10", "horizon=5"]
        [datasets.mixed]
        behavior = "expert=0.5,random=0.5"
        episodes = 200
        \(methods)
        """, path: "\(name).toml")
}

@Suite struct OfflineBudgetTests {
    /// An offline method's outer iterations stop at the time budget like the others' (checked after
    /// each): a budget far below one iteration's time stops after the first of ten.
    @Test func offlineMethodsStopAtTheTimeBudget() throws {
        let suite = try crowdModellingSuite("budget", budget: "iterations = 10\nseconds = 1e-6", methods: """
            [methods.tom]
            algorithm = "tabular-off-mmd"
            dataset = "mixed"
            """)
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let run = try BenchmarkRun.run(suite, into: dir, shard: nil, resolvers: resolvers, provenance: provenance) { _ in }
        #expect(run.failed == 0)
        let result = try #require(try BenchmarkRun.results(dir).first)
        #expect(result.stoppedByBudget == true && result.iterations == 1 && result.exploitability.count == 2)
    }

    /// A long cell tells of its iterations (every `heartbeat` seconds; 0 here: every iteration), for a
    /// tabular method and an offline one, with the exploitability the result then records.
    @Test func longCellsReportTheirIterations() throws {
        let suite = try crowdModellingSuite("beat", budget: "iterations = 3", methods: """
            [methods.md]
            algorithm = "mirror-descent"
            [methods.tom]
            algorithm = "tabular-off-mmd"
            dataset = "mixed"
            """)
        for cell in suite.cells {
            let truth = try GroundTruth.build(cell.problem, level: cell.level, resolvers: resolvers)
            let dataset = try cell.method.dataset.map { name in
                try DatasetBuilder.make(suite.datasets.first { $0.key == name }!, truth: truth, problem: cell.problem)
            }
            var lines: [String] = []
            let (result, _) = CellRunner.run(cell, truth: truth, dataset: dataset, secondsBudget: nil, heartbeat: 0) { lines.append($0) }
            #expect(result.status == "ok")
            #expect(lines.count == 3, "\(lines)")
            #expect(lines.last!.hasPrefix("  \(cell.id): iteration 3/3, exploitability \(String(format: "%.3e", result.finalExploitability!))"))
        }
    }

    /// `problems = [...]` restricts a method to some problems (per-problem settings); unknown keys are refused.
    @Test func methodsCanBeRestrictedToProblems() throws {
        let text = tiny + "\n[methods.md_cm]\nalgorithm = \"mirror-descent\"\nlearning_rate = 0.1\nproblems = [\"cm\"]\n"
        let suite = try Suite.parse(text, path: "tiny.toml")
        let restricted = suite.cells.filter { $0.method.key == "md_cm" }
        #expect(restricted.count == 2 && restricted.allSatisfy { $0.problem.key == "cm" })
        let all = try Suite.parse(tiny, path: "tiny.toml").cells.count
        #expect(suite.cells.count == all + 2)
        #expect { try Suite.parse(text.replacingOccurrences(of: "[\"cm\"]", with: "[\"cmm\"]"), path: "tiny.toml") } throws: {
            "\($0)".contains("no [problems.cmm] table")
        }
    }

    /// `exact_mean_field` is a boolean setting of the offline methods (a grid like the others).
    @Test func exactMeanFieldIsABooleanSetting() throws {
        let head = "name = \"b\"\n[problems.cm]\ngame = \"crowd_modelling\"\n[datasets.d]\nbehavior = \"random\"\n[methods.tom]\nalgorithm = \"tabular-off-mmd\"\ndataset = \"d\"\n"
        let suite = try Suite.parse(head + "exact_mean_field = [false, true]\n", path: "b.toml")
        #expect(suite.methods.map(\.label) == ["tom@d(exact_mean_field=false)", "tom@d(exact_mean_field=true)"])
        #expect(suite.methods.map { $0.settings["exact_mean_field"] } == [0, 1])
        #expect { try Suite.parse(head + "exact_mean_field = 1\n", path: "b.toml") } throws: { "\($0)".contains("b.toml:9") && "\($0)".contains("expected true, false") }
    }

    /// `float32_matmul = true` gives the learners float32 products; without it they are bfloat16,
    /// and the file's other settings reach the learners' settings.
    @Test func float32MatmulReachesTheLearners() throws {
        let head = "name = \"b\"\n[problems.cm]\ngame = \"crowd_modelling\"\n[datasets.d]\nbehavior = \"random\"\n[methods.om]\nalgorithm = \"off-mmd\"\ndataset = \"d\"\niterations = 7\ncql_weight = 2\n"
        let suite = try Suite.parse(head + "float32_matmul = [false, true]\n", path: "b.toml")
        let settings = suite.methods.map { $0.offlineSettings(seed: 3) }
        #expect(settings.map(\.matmulPrecision) == [.bfloat16, .float32])
        #expect(settings.allSatisfy { $0.iterations == 7 && $0.cqlWeight == 2 && $0.seed == 3 })
        #expect(suite.methods[1].label == "om@d(cql_weight=2;float32_matmul=true)")
    }
}

@Suite struct BenchmarkRunTests {
    /// An interrupted run (here: cells removed) computes only what is missing, and the results are the same.
    @Test func resumesWithoutRecomputing() throws {
        let suite = try Suite.parse(tiny, path: "tiny.toml")
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let first = try BenchmarkRun.run(suite, into: dir, shard: nil, resolvers: resolvers, provenance: provenance) { _ in }
        #expect(first.computed == suite.cells.count && first.failed == 0 && first.skipped == 0)
        let before = try BenchmarkRun.results(dir)
        let removed = suite.cells.prefix(3).map { BenchmarkRun.cellsDirectory(dir).appendingPathComponent($0.fileName + ".json") }
        for url in removed { try FileManager.default.removeItem(at: url) }
        let second = try BenchmarkRun.run(suite, into: dir, shard: nil, resolvers: resolvers, provenance: provenance) { _ in }
        #expect(second.computed == 3 && second.skipped == suite.cells.count - 3)
        let after = try BenchmarkRun.results(dir)
        #expect(zip(before, after).allSatisfy { $0.id == $1.id && $0.exploitability == $1.exploitability && $0.l1 == $1.l1 })
        // The continuous cells are scored against the PDE, with the reference's error bar.
        let lq = try #require(after.first { $0.problem == "lq" })
        #expect(lq.l1 != nil && lq.meanActionDistance != nil && lq.referenceError != nil && lq.groundTruthExploitability != nil)
    }

    /// Three shards merged equal the unsharded run cell for cell; merging refuses duplicates and other suites.
    @Test func shardsMergeToTheWholeRun() throws {
        let suite = try Suite.parse(tiny, path: "tiny.toml")
        let whole = temporaryDirectory(), merged = temporaryDirectory()
        let shards = (1...3).map { _ in temporaryDirectory() }
        defer { for d in [whole, merged] + shards { try? FileManager.default.removeItem(at: d) } }
        _ = try BenchmarkRun.run(suite, into: whole, shard: nil, resolvers: resolvers, provenance: provenance) { _ in }
        for (k, d) in shards.enumerated() {
            _ = try BenchmarkRun.run(suite, into: d, shard: try .init(index: k + 1, count: 3), resolvers: resolvers, provenance: provenance) { _ in }
        }
        #expect(try BenchmarkRun.merge(shards, into: merged).cells == suite.cells.count)
        let a = try BenchmarkRun.results(whole), b = try BenchmarkRun.results(merged)
        #expect(a.map(\.id) == b.map(\.id))
        #expect(zip(a, b).allSatisfy { $0.exploitability == $1.exploitability && $0.l1 == $1.l1 && $0.w1 == $1.w1 })
        #expect(throws: BenchmarkError.self) { try BenchmarkRun.merge([shards[0], shards[0]], into: temporaryDirectory()) }
        // A shard that wrote nothing is left out and named; the others still merge and report.
        let partial = temporaryDirectory(), never = temporaryDirectory()
        defer { for d in [partial, never] { try? FileManager.default.removeItem(at: d) } }
        let summary = try BenchmarkRun.merge([shards[0], never, shards[2]], into: partial)
        #expect(summary.emptyShards == [never.path])
        #expect(summary.cells == (try BenchmarkRun.results(shards[0]).count + BenchmarkRun.results(shards[2]).count))
        #expect(try BenchmarkRun.readManifest(partial).emptyShards == [never.path])
        _ = try BenchmarkReport.write(partial)
        #expect(try String(contentsOf: partial.appendingPathComponent("report.md"), encoding: .utf8).contains("**Incomplete:** no results from `\(never.path)`"))
        #expect(throws: BenchmarkError.self) { try BenchmarkRun.merge([never], into: temporaryDirectory()) }
        let other = try Suite.parse(tiny.replacingOccurrences(of: "tiny", with: "other"), path: "other.toml")
        #expect(throws: BenchmarkError.self) {
            try BenchmarkRun.run(other, into: whole, shard: nil, resolvers: resolvers, provenance: provenance) { _ in }
        }
        // The report: tables, pictures inlined in the HTML.
        let files = try BenchmarkReport.write(merged)
        #expect(files.contains("report.html") && files.contains { $0.hasPrefix("img/convergence-") })
        let html = try String(contentsOf: merged.appendingPathComponent("report.html"), encoding: .utf8)
        #expect(html.contains("data:image/png;base64,") && html.contains("<table>"))
        let csv = try String(contentsOf: merged.appendingPathComponent("results.csv"), encoding: .utf8)
        #expect(csv.split(separator: "\n").count == suite.cells.count + 1)
    }

    /// More methods than line colours: the density overlays are split into pictures, each with the
    /// PDE, so that no method is left out and none is drawn in the PDE's black.
    @Test func densityOverlaysKeepEveryMethod() throws {
        let rates = (1...10).map { "\(Double($0) / 10)" }.joined(separator: ", ")
        let suite = try Suite.parse("""
            name = "many"
            seeds = [0]
            [budget]
            iterations = 2
            [problems.lq]
            problem = "lq-1d"
            cells = [8]
            reference = 64
            [methods.md]
            algorithm = "mirror-descent"
            learning_rate = [\(rates)]
            """, path: "many.toml")
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        _ = try BenchmarkRun.run(suite, into: dir, shard: nil, resolvers: resolvers, provenance: provenance) { _ in }
        let files = try BenchmarkReport.write(dir).filter { $0.hasPrefix("img/density-") }
        #expect(files.sorted() == ["img/density-lq-8-1.png", "img/density-lq-8-2.png"])
        #expect(Figures.palette.filter { $0 != (0, 0, 0) }.count == 9)
    }

    /// A cell that fails is recorded with its error; the others run.
    @Test func failingCellsAreRecorded() throws {
        let text = tiny.replacingOccurrences(of: "reference = 64", with: "reference = 60")
        let suite = try Suite.parse(text, path: "tiny.toml")
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let outcome = try BenchmarkRun.run(suite, into: dir, shard: nil, resolvers: resolvers, provenance: provenance) { _ in }
        let results = try BenchmarkRun.results(dir)
        #expect(outcome.failed == 6 && results.filter { $0.status == "failed" }.allSatisfy { $0.problem == "lq" && $0.error!.contains("multiple") })
        #expect(results.filter { $0.problem == "cm" }.allSatisfy { $0.status == "ok" })
    }
}

@Suite struct SlurmScriptTests {
    @Test func arrayThenMergeWithADependency() {
        let files = Dictionary(uniqueKeysWithValues: SlurmScript.scripts(.init(
            suite: "/s/quick.toml", shards: 3, out: "/r", binary: "/b/solve-mfg", partition: nil, timeLimit: "01:00:00", cpus: 1, memory: "2G")))
        #expect(files["array.sbatch"]!.contains("#SBATCH --array=1-3"))
        #expect(files["array.sbatch"]!.contains("--shard \"${SLURM_ARRAY_TASK_ID}/3\""))
        #expect(files["merge.sbatch"]!.contains("benchmark merge --out '/r'/merged '/r'/shard-1 '/r'/shard-2 '/r'/shard-3"))
        #expect(files["submit.sh"]!.contains("--dependency=afterany:\"${array}\""))
        #expect(files["submit.sh"]!.contains("array=${array%%;*}"))
        #expect(files["array.sbatch"]!.contains("#SBATCH --output=/r/logs/shard-%a.out\n"))
        #expect(!files["array.sbatch"]!.contains("SOLVE_MFG_COMMIT"))
        #expect(files["array.sbatch"]!.contains("#SBATCH --mem=2G\n"))
        // --memory none: no --mem line (clusters that do not manage memory refuse it).
        let unmanaged = Dictionary(uniqueKeysWithValues: SlurmScript.scripts(.init(
            suite: "/s/quick.toml", shards: 3, out: "/r", binary: "/b/solve-mfg", partition: nil, timeLimit: "01:00:00", cpus: 1, memory: nil)))
        #expect(!unmanaged["array.sbatch"]!.contains("--mem") && !unmanaged["merge.sbatch"]!.contains("--mem"))
        #expect(unmanaged["array.sbatch"]!.contains("#SBATCH --cpus-per-task=1\n#SBATCH --job-name"))
    }

    /// sbatch splits `#SBATCH` lines itself (quotes group, `#` starts a comment) and expands
    /// `%` in --output; bash reads the rest. Checked on a real Slurm by scripts/slurm-test.sh.
    @Test func pathsWithSpacesQuotesHashesAndPercents() {
        let out = "/data/my runs/#1 it's 100%"
        let files = Dictionary(uniqueKeysWithValues: SlurmScript.scripts(.init(
            suite: "/s/quick.toml", shards: 2, out: out, binary: "/b/solve-mfg", partition: "long", timeLimit: "01:00:00", cpus: 2,
            memory: "2G", commit: "abc123")))
        #expect(files["array.sbatch"]!.contains(#"#SBATCH --output="/data/my runs/#1 it's 100%%/logs/shard-%a.out""# + "\n"))
        #expect(files["merge.sbatch"]!.contains(#"#SBATCH --output="/data/my runs/#1 it's 100%%/logs/merge.out""# + "\n"))
        #expect(files["array.sbatch"]!.contains("#SBATCH --partition=long\n"))
        #expect(files["array.sbatch"]!.contains(#"--out '/data/my runs/#1 it'\''s 100%'/shard-"${SLURM_ARRAY_TASK_ID}""#))
        #expect(files["submit.sh"]!.contains(#"mkdir -p '/data/my runs/#1 it'\''s 100%'/logs"#))
        #expect(files["array.sbatch"]!.contains("export SOLVE_MFG_COMMIT='abc123'\n"))
        #expect(files["merge.sbatch"]!.contains("export SOLVE_MFG_COMMIT='abc123'\n"))
    }
}
