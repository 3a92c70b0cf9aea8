import Approximators
import ArgumentParser
import Benchmark
import Foundation
import PDE
import Plots
import Problems
import RLBridge
import Writers

/// A comma-separated list of sample counts (`approxSampleRange`), refused with the flag's name.
func countList(_ text: String, flag: String, range: ClosedRange<Int> = approxSampleRange) throws -> [Int] {
    let parts = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
    let values = parts.compactMap { Int($0) }
    guard !parts.isEmpty, values.count == parts.count, values.allSatisfy({ range.contains($0) }) else {
        throw ValidationError("\(flag) takes whole numbers in \(range) separated by commas, got \(text)")
    }
    return values
}

/// A comma-separated list of approximator names (or `all`).
func approximatorList(_ text: String) throws -> [ApproximatorKind] {
    if text == "all" { return ApproximatorKind.allCases }
    let kinds = try text.split(separator: ",").map { try ApproximatorOptions.kind($0.trimmingCharacters(in: .whitespaces)) }
    guard !kinds.isEmpty else {
        throw ValidationError("--approximators is empty; give names separated by commas (\(ApproximatorKind.allCases.map(\.rawValue).joined(separator: ", "))) or all")
    }
    return kinds
}

struct ApproxStudy: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "study",
        abstract: "Problems x approximators x sample counts x seeds: the table of metric / oracle floor, with pictures.",
        discussion: """
            Each problem is solved once on its file's grid. For every N and seed, N samples per slice are drawn \
            (--source), every approximator is fitted to them, and scored at 0, T/4, T/2, 3T/4, T against the PDE \
            density; the oracle floor at each N is the same metric for N i.i.d. draws of the reference, averaged \
            over the seeds. Writes results.csv and results.json (one row per fit), report.md (median ratios \
            [min, max over seeds] per approximator and N, the floors, fit times), table.md (the transport \
            metric, L1 and MMD^2 ratios of every problem in three tables), PNG pictures (each metric \
            against N with the floor; the densities at the largest N) and summary.json. A failed fit is recorded \
            with its error and the study goes on. `make approximators-table` writes docs/approximators/ and the tables of docs/approximators.md.
            """ + Exit.brief)

    @Option(help: "Problems, comma-separated (files or catalogue names).")
    var problems: String = "lq-1d,crowd-aversion-1d,crowd-aversion-2d,evacuation-2d,crowd-crossing-2d"

    @Option(help: "Approximators, comma-separated, or all.")
    var approximators: String = "all"

    @Option(name: .customLong("setting"), help: ArgumentHelp("An approximator setting, as `approx fit --setting` (repeatable; prefix with the name to address one).", valueName: "name=value"))
    var settings: [String] = []

    @Option(help: "Samples per slice, comma-separated.")
    var samples: String = "256,1024,4096,16384"

    @Option(name: .customLong("samples-1d"), help: "Samples per slice on 1D problems (default: --samples, with 65536 added).")
    var samples1D: String?

    @Option(help: "Seeds per N (0, 1, ...).")
    var seeds: Int = 5

    @Option(help: "Where the samples come from: oracle or agents.")
    var source: ApproximatorStudy.Source = .oracle

    @Option(help: "Time slices the approximators are fitted at.")
    var slices: Int = 21

    @Option(help: "Draws per slice to score the generators.")
    var draws: Int = 16384

    @Option(help: "Problems studied at once (default: the cores, at most the problems); each fit runs on one core.")
    var jobs: Int?

    @Option(help: "Output directory.")
    var out: String = "out/approx-study"

    @Option(help: "Rewrite the report of an earlier study from its results.json (the same flags; only the pictures' fits at the largest N, first seed, are redone).")
    var fromResults: String?

    @Flag(help: "Do not write the PNG pictures.")
    var noPictures = false

    func validate() throws {
        for kind in try approximatorList(approximators) { _ = try makeApproximator(kind, settings: settings) }
        guard problems.split(separator: ",").contains(where: { !$0.trimmingCharacters(in: .whitespaces).isEmpty }) else {
            throw ValidationError("--problems is empty; give problem files or catalogue names separated by commas")
        }
        _ = try countList(samples, flag: "--samples")
        if let samples1D { _ = try countList(samples1D, flag: "--samples-1d") }
        guard (1 ... 100).contains(seeds) else { throw ValidationError("--seeds must lie in 1...100") }
        guard (2 ... 1001).contains(slices) else { throw ValidationError("--slices must lie in 2...1001") }
        guard approxSampleRange.contains(draws) else { throw ValidationError("--draws must lie in \(approxSampleRange)") }
        if let jobs { guard (1 ... 256).contains(jobs) else { throw ValidationError("--jobs must lie in 1...256") } }
    }

    func run() throws {
        let kinds = try approximatorList(approximators)
        var fitters: [String: any DensityApproximator] = [:]
        for kind in kinds { fitters[kind.rawValue] = try makeApproximator(kind, settings: settings) }
        let counts = try countList(samples, flag: "--samples")
        let counts1D = try samples1D.map { try countList($0, flag: "--samples-1d") } ?? counts + [65536]
        let files: [ProblemFile] = try problems.split(separator: ",").map { (name: Substring) -> ProblemFile in
            let trimmed = name.trimmingCharacters(in: .whitespaces)
            return try reportingInputErrors { try ProblemLocator.load(trimmed, overrides: [String]()) }
        }
        for file in files where file.model.isErgodic {
            throw CommandError.badInput("\(file.name) is ergodic: the study needs time-dependent problems")
        }
        let pictures: [String] = noPictures ? [] : files.flatMap { (file: ProblemFile) -> [String] in
            ApproximatorReport.pictureNames(problem: file.name, dimension: file.model.dimension)
        }
        let output = try OutputDirectory(out, outputs: ["results.csv", "results.json", "report.md", "table.md", "summary.json"] + pictures)
        // The command that computed the results (a --from-results rewrite names the same study).
        var arguments = CommandLine.arguments
        if let k = arguments.firstIndex(of: "--from-results"), k + 1 < arguments.count { arguments.removeSubrange(k ... k + 1) }
        arguments.removeAll { $0.hasPrefix("--from-results=") }
        let command = arguments.map { $0.contains(" ") ? "'\($0)'" : $0 }.joined(separator: " ")
        let seedList = (0 ..< seeds).map(UInt64.init)
        let countsPerProblem: [Int] = files.map { ($0.model.dimension == 1 ? counts1D : counts).count }
        let total = countsPerProblem.reduce(0, +) * seeds * kinds.count
        let start = ContinuousClock.now
        var studySettings = ApproximatorStudy.Settings(approximators: fitters, sampleCounts: counts, seeds: seedList)
        studySettings.source = source
        studySettings.fitSlices = slices
        studySettings.drawCount = draws
        // Problems run side by side (each fit is single-threaded and seeded on its own, so the results
        // do not depend on --jobs); the shared state orders the progress lines and keeps the results.
        let settingsValue = studySettings
        let earlier: [ApproximatorStudy.Row]? = try fromResults.map { path in
            do {
                // As JSONFile writes it: snake-case keys, non-finite numbers as strings.
                let decoder = JSONDecoder()
                decoder.keyDecodingStrategy = .convertFromSnakeCase
                decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
                return try decoder.decode([ApproximatorStudy.Row].self, from: Data(contentsOf: URL(fileURLWithPath: path)))
            } catch {
                throw CommandError.badInput("--from-results \(path): not the results.json of a study (\(error.localizedDescription))")
            }
        }
        let shared = StudyProgress(problems: files.count, total: total)
        let workers = min(jobs ?? ProcessInfo.processInfo.activeProcessorCount, files.count)
        DispatchQueue.concurrentPerform(iterations: max(workers, 1)) { _ in
            while let index = shared.nextProblem() {
                let file = files[index]
                do {
                    let problem = try ApproximatorStudy.Problem(file, fitSlices: slices, scoreSlices: 5)
                    shared.say("\(file.name): reference on \(file.model.defaultGrid) in \(String(format: "%.2f", problem.equilibrium.seconds)) s")
                    var settings = settingsValue
                    settings.sampleCounts = file.model.dimension == 1 ? counts1D : counts
                    let key = file.model.dimension == 1 ? "w1" : "sliced-w1"
                    if let earlier {
                        let rows = earlier.filter { $0.problem == file.name }
                        guard !rows.isEmpty else { throw CommandError.badInput("--from-results: no rows for \(file.name)") }
                        settings.sampleCounts = [Set(rows.map(\.samples)).max()!]
                        settings.seeds = [settings.seeds[0]]
                        let snapshots = try ApproximatorStudy.run(problem, settings: settings).snapshots
                        shared.finish(index, problem, ApproximatorStudy.Outcome(rows: rows, snapshots: snapshots))
                        continue
                    }
                    let outcome = try ApproximatorStudy.run(problem, settings: settings) { row in
                        let result = row.error.map { "failed: \($0)" }
                            ?? String(format: "%@/floor %.3g, L1/floor %.3g", key, row.ratios[key] ?? .nan, row.ratios["l1"] ?? .nan)
                        shared.fitDone { done, total, left in
                            String(format: "[%d/%d] %@ %@ N=%d seed %d: %@ (fit %.2f s; about %.0f s left)", done, total, row.problem,
                                   row.approximator, row.samples, Int(row.seed), result, row.fitSeconds, left)
                        }
                    }
                    shared.finish(index, problem, outcome)
                } catch {
                    shared.fail(error)
                }
            }
        }
        if let failure = shared.failure { throw failure }
        let problemsDone = shared.studied.map { $0! }, outcomesDone = shared.outcomes.map { $0! }
        let directory = try output.stage()
        let written = try ApproximatorReport.write(problems: problemsDone, outcomes: outcomesDone, settings: studySettings, command: command,
                                                   to: directory, pictures: !noPictures)
        struct Summary: Encodable {
            var command: String, version: String, problems: [String], approximators: [String], settings: [String]
            var samples: [Int], samples1D: [Int], seeds: Int, source: String, slices: Int, draws: Int, fits: Int, failed: Int, seconds: Double
        }
        let rows = outcomesDone.flatMap(\.rows)
        let names: [String] = files.map { $0.name }
        try JSONFile.write(Summary(command: command, version: SolveMFG.configuration.version, problems: names,
                                   approximators: kinds.map(\.rawValue), settings: settings, samples: counts, samples1D: counts1D,
                                   seeds: seeds, source: source.rawValue, slices: slices, draws: draws, fits: rows.count,
                                   failed: rows.filter { $0.error != nil }.count, seconds: (ContinuousClock.now - start) / .seconds(1)),
                           to: directory.appendingPathComponent("summary.json"))
        try output.commit()
        print("results:  \(output.url.path)/{\(written.prefix(3).joined(separator: ","))} and \(written.count - 3) pictures")
    }
}

struct ApproxLoop: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "loop",
        abstract: "What approximating mu costs the equilibrium: tabular algorithms whose rewards use an approximator's mu.",
        discussion: """
            The problem is discretised as a finite MFG (as rl run --problem). For each algorithm, one run with the \
            exact mean field and one per approximator, where each update's rewards are computed along the \
            approximator's mu_t fitted to --agents agents simulated in the game under the current policy. With \
            --offline, tabular Off-MMD is also trained on a dataset of --episodes episodes of the uniform policy, \
            with its importance-sampling estimate and with each approximator fitted to the dataset's \
            importance-weighted states. Every policy is scored exactly: exploitability in the game and L1, W1 of \
            its distribution to the PDE density. Writes results.csv, exploitability.csv (per iteration), \
            report.md, exploitability-<algorithm>.png and summary.json.
            """ + Exit.brief)

    @Argument(help: "A time-dependent continuous problem (file or catalogue name).")
    var problem: String = "crowd-aversion-1d"

    @Option(name: .customLong("set"), help: ArgumentHelp("A parameter of the problem file (repeatable).", valueName: "name=value"))
    var parameters: [String] = []

    @Option(help: "Approximators, comma-separated, or all (physics-informed needs dynamics and is not used in the loop; the generators refit at every update: give them fewer steps, e.g. --setting generative-mmd.steps=300).")
    var approximators: String = "histogram,kde,gmm,density-network,flow"

    @Option(name: .customLong("setting"), help: ArgumentHelp("An approximator setting, as `approx fit --setting` (repeatable).", valueName: "name=value"))
    var settings: [String] = []

    @Option(help: "Algorithms, comma-separated: \(TabularAlgorithmName.allCases.map(\.rawValue).joined(separator: ", ")).")
    var algorithms: String = "fictitious-play,mirror-descent"

    @Option(help: "Agents simulated per update.")
    var agents: Int = 1000

    @Option(help: "Iterations of each algorithm.")
    var iterations: Int = 20

    @Option(help: "Mirror descent's learning rate (the default suits crowd-aversion-1d: 20 iterations take its exploitability from 15 to 0.9).")
    var learningRate: Double = 5

    @Option(help: "With --offline: Off-MMD's temperature tau (pi = softmax(Q / tau)).")
    var tau: Double = 0.2

    @Option(help: "Grid cells of the discrete game.")
    var nx: Int = 20

    @Option(help: "Points and steps of the PDE reference (default: the smallest multiple of --nx that is at least 320).")
    var reference: Int?

    @Flag(help: "Also train tabular Off-MMD on a dataset of the uniform policy, with each approximator as its mean field.")
    var offline = false

    @Option(help: "With --offline: episodes in the dataset.")
    var episodes: Int = 2000

    @Option(help: "Seed of the agents, the dataset and the fits.")
    var seed: UInt64 = 0

    @Option(help: "Output directory (default: out/approx-loop-<problem>).")
    var out: String?

    @Flag(help: "Do not write the PNG pictures.")
    var noPictures = false

    var algorithmNames: [TabularAlgorithmName] {
        get throws {
            try algorithms.split(separator: ",").map { text in
                let name = text.trimmingCharacters(in: .whitespaces)
                guard let a = TabularAlgorithmName(rawValue: name) else {
                    throw ValidationError("unknown algorithm \(name); the algorithms are \(TabularAlgorithmName.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                return a
            }
        }
    }

    func validate() throws {
        let kinds = try approximatorList(approximators)
        if kinds.contains(.physicsInformed) {
            throw ValidationError("physics-informed learns from the equation under a given control, not from the agents: leave it out of the loop")
        }
        for kind in kinds { _ = try makeApproximator(kind, settings: settings) }
        guard try !algorithmNames.isEmpty else { throw ValidationError("--algorithms is empty; give algorithm names separated by commas") }
        guard (1 ... 10_000_000).contains(agents) else { throw ValidationError("--agents must lie in 1...10,000,000") }
        guard (1 ... 100_000).contains(iterations) else { throw ValidationError("--iterations must lie in 1...100,000") }
        guard (1 ... 10_000_000).contains(episodes) else { throw ValidationError("--episodes must lie in 1...10,000,000") }
        guard learningRate.isFinite, learningRate > 0 else { throw ValidationError("--learning-rate must be a positive number") }
        guard tau.isFinite, tau > 0 else { throw ValidationError("--tau must be a positive number") }
    }

    func run() throws {
        let kinds = try approximatorList(approximators)
        let fitters = try kinds.map { try makeApproximator($0, settings: settings) }
        let file = try reportingInputErrors { try ProblemLocator.load(problem, overrides: parameters) }
        let discretised: DiscretisedProblem = try refusingBadInput {
            switch file.model {
            case let .oneD(p): return try DiscretisedProblem.oneD(p, nx: nx, reference: reference)
            case let .twoD(p): return try DiscretisedProblem.twoD(p, n: nx, reference: reference)
            }
        }
        let algorithmList = try algorithmNames
        let pictures = noPictures ? [] : algorithmList.map { "exploitability-\($0.rawValue).png" } + (offline ? ["exploitability-tabular-off-mmd.png"] : [])
        let output = try OutputDirectory(out ?? "out/approx-loop-\(file.name)",
                                         outputs: ["results.csv", "exploitability.csv", "report.md", "summary.json"] + pictures)
        print("\(file.name): game of \(discretised.game.states) states, \(discretised.game.actions) actions, horizon \(discretised.game.horizon)")
        var results: [InTheLoopRun.Result] = []
        func report(_ r: InTheLoopRun.Result) {
            results.append(r)
            print(String(format: "%@ with %@: exploitability %.4e, L1 %.4f, W1 %.4f (%.1f s)", r.algorithm, r.approximator,
                         r.exploitability.last ?? .nan, r.l1, r.w1, r.seconds))
            fflush(nil)
        }
        for algorithm in algorithmList {
            report(try InTheLoopRun.run(discretised, algorithm: algorithm, learningRate: learningRate, approximator: nil, agents: agents,
                                        iterations: iterations, seed: seed))
            for fitter in fitters {
                report(try InTheLoopRun.run(discretised, algorithm: algorithm, learningRate: learningRate, approximator: fitter,
                                            agents: agents, iterations: iterations, seed: seed))
            }
        }
        if offline {
            let game = discretised.game
            let dataset = try refusingBadInput {
                try DatasetGenerator.generate(game: game, components: [.init(name: "random", policy: game.uniformPolicy, proportion: 1)],
                                              episodes: episodes, seed: seed, gameSpec: ["problem": file.name, "nx": "\(nx)"])
            }
            var offlineSettings = OfflineSettings()
            offlineSettings.iterations = iterations
            offlineSettings.seed = seed
            offlineSettings.tau = tau
            for fitter in [nil] + fitters.map(Optional.some) {
                report(try InTheLoopRun.runOffline(discretised, dataset: dataset, algorithm: .tabularOffMMD, settings: offlineSettings,
                                                   approximator: fitter))
            }
        }
        let directory = try output.stage()
        try CSV.write(header: ["algorithm", "mean_field", "agents", "seed", "exploitability", "l1", "w1", "seconds"],
                      cells: results.map { r in
                          [r.algorithm, r.approximator, "\(r.agents)", "\(r.seed)", "\(r.exploitability.last ?? .nan)", "\(r.l1)", "\(r.w1)", "\(r.seconds)"]
                      }, to: directory.appendingPathComponent("results.csv"))
        try CSV.write(header: ["algorithm", "mean_field", "iteration", "exploitability"],
                      cells: results.flatMap { r in r.exploitability.enumerated().map { [r.algorithm, r.approximator, "\($0.offset)", "\($0.element)"] } },
                      to: directory.appendingPathComponent("exploitability.csv"))
        var md = "# \(file.name): the cost of approximating the mean field\n\n"
        md += "Game: \(nx) cells, \(discretised.game.actions) actions, horizon \(discretised.game.horizon); \(agents) agents per update"
        md += offline ? "; tabular Off-MMD on \(episodes) episodes of the uniform policy.\n\n" : ".\n\n"
        md += "| algorithm | mean field | exploitability | L1 to PDE | W1 to PDE | seconds |\n|---|---|---:|---:|---:|---:|\n"
        for r in results {
            md += String(format: "| %@ | %@ | %.4e | %.4f | %.4f | %.1f |\n", r.algorithm, r.approximator, r.exploitability.last ?? .nan, r.l1, r.w1, r.seconds)
        }
        for name in Set(results.map(\.algorithm)).sorted() where !noPictures {
            let runs = results.filter { $0.algorithm == name }
            let series = runs.enumerated().map { k, r in
                Series(label: r.approximator, x: r.exploitability.indices.map(Double.init), y: r.exploitability,
                       color: r.approximator == "exact" || r.approximator == "importance-sampling" ? (0, 0, 0) : ApproximatorReport.approximatorColor(k))
            }
            let picture = "exploitability-\(name).png"
            try Figures.linePlot(series, title: "\(file.name): \(name), exact exploitability with each mean field", xLabel: "iteration",
                                 yLabel: "exploitability", logY: true, to: directory.appendingPathComponent(picture))
            md += "\n![\(name)](\(picture))\n"
        }
        try Data(md.utf8).write(to: directory.appendingPathComponent("report.md"))
        struct Summary: Encodable {
            var problem: String, parameters: [String], nx: Int, agents: Int, iterations: Int, seed: UInt64, offline: Bool, episodes: Int
            var results: [InTheLoopRun.Result]
        }
        try JSONFile.write(Summary(problem: file.name, parameters: parameters, nx: nx, agents: agents, iterations: iterations, seed: seed,
                                   offline: offline, episodes: episodes, results: results),
                           to: directory.appendingPathComponent("summary.json"))
        try output.commit()
        print("results:  \(output.url.path)/{results.csv,exploitability.csv,report.md,summary.json}")
    }
}

/// What the study's worker threads share, behind one lock: the next problem to take, the progress
/// count (with the time left, extrapolated), the results and the first error.
final class StudyProgress: @unchecked Sendable {
    private let lock = NSLock()
    private var taken = 0, done = 0
    private let total: Int
    private let start = ContinuousClock.now
    private(set) var studied: [ApproximatorStudy.Problem?]
    private(set) var outcomes: [ApproximatorStudy.Outcome?]
    private(set) var failure: Error?

    init(problems: Int, total: Int) {
        self.total = total
        studied = Array(repeating: nil, count: problems)
        outcomes = Array(repeating: nil, count: problems)
    }

    /// The next problem's index, once each, none after a failure.
    func nextProblem() -> Int? {
        lock.withLock {
            guard failure == nil, taken < studied.count else { return nil }
            defer { taken += 1 }
            return taken
        }
    }

    func say(_ line: String) {
        lock.withLock { print(line); fflush(nil) }
    }

    /// Counts a fit and prints its line, made from (fits done, total, seconds left).
    func fitDone(_ line: (Int, Int, Double) -> String) {
        lock.withLock {
            done += 1
            let elapsed = (ContinuousClock.now - start) / .seconds(1)
            print(line(done, total, elapsed / Double(done) * Double(total - done)))
            fflush(nil)
        }
    }

    func finish(_ index: Int, _ problem: ApproximatorStudy.Problem, _ outcome: ApproximatorStudy.Outcome) {
        lock.withLock { studied[index] = problem; outcomes[index] = outcome }
    }

    func fail(_ error: Error) {
        lock.withLock { failure = failure ?? error }
    }
}
