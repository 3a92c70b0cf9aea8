import ArgumentParser
import Datasets
import Foundation
import Neural
import Plots
import PDE
import RLBridge
import Writers

extension MatmulPrecision: ExpressibleByArgument {}

extension OfflineAlgorithm: ExpressibleByArgument {
    /// The values `rl offline --algorithm` takes (d-momd is online: `rl run --algorithm d-momd`).
    public static var allValueStrings: [String] { allCases.filter { $0 != .dMOMD }.map(\.rawValue) }
}

/// Network and training flags of the neural learners (rl offline, rl run --algorithm d-momd).
struct TrainingOptions: ParsableArguments {
    @Option(help: "Gradient updates (minibatches) per outer iteration.")
    var updatesPerIteration: Int = 2000

    @Option(help: "Minibatch size (transitions, sampled with replacement).")
    var batchSize: Int = 512

    @Option(help: "Hidden layer widths of the MLPs (ReLU), comma-separated.")
    var hidden: String = "128,128,128"

    @Option(help: "Softmax temperature tau of the Q policy softmax(Q/tau) (Off-MMD: 20); the in-sample learner's temperature alpha.")
    var tau: Double = 20

    @Option(help: "CQL weight eta of off-mmd (0: no regulariser; d-momd uses none).")
    var cqlWeight: Double = 3

    @Option(help: "off-mmd, tabular-off-mmd, d-momd: target refreshes per outer iteration (1: Off-MMD's frozen target; the horizon: full evaluation of pi_k).")
    var targetUpdates: Int = 1

    @Option(help: "Seed of the network initialisation and the minibatch sampler.")
    var seed: UInt64 = 0

    @Flag(help: "Relabel rewards with the exact mean field of the current policy instead of the importance-sampling estimate (separates the estimation error).")
    var exactMeanField = false

    @Option(help: "d-momd: episodes sampled per iteration.")
    var episodesPerIteration: Int = 1000

    @Option(help: "d-momd: weight of uniform exploration in the sampling policy.")
    var epsilon: Double = 0.1

    @Option(help: "Threads of the networks' training steps, 1 ... 4 (default: one per core, at most 4). A thread that the machine does not run leaves its work to the others, and the results do not depend on the count.")
    var threads: Int?

    @Option(help: "Arithmetic of the networks' matrix products: bfloat16 (inputs rounded to 8 significant bits, float32 sums; the same results on every x86-64 CPU, about 1.6 times as fast where it has AVX512-BF16, 10-35% slower with AVX2 alone, far slower without AVX2) or float32 (OpenBLAS's sgemm).")
    var matmulPrecision: MatmulPrecision = .bfloat16

    func settings(iterations: Int, alpha: Double, learningRate: Double) throws -> OfflineSettings {
        var s = OfflineSettings()
        s.iterations = iterations
        s.alpha = alpha
        // Checked before the conversion to Float (1e308 would become infinity).
        guard learningRate > 0, learningRate <= 1 else { throw ValidationError("--learning-rate (Adam's) must lie in (0, 1], got \(learningRate)") }
        s.learningRate = Float(learningRate)
        s.updatesPerIteration = updatesPerIteration
        s.batchSize = batchSize
        let widths = hidden.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !widths.isEmpty, widths.allSatisfy({ ($0 ?? 0) >= 1 }) else {
            throw ValidationError("--hidden expects positive widths separated by commas, e.g. 128,128,128; got '\(hidden)'")
        }
        s.hidden = widths.map { $0! }
        s.tau = tau
        s.cqlWeight = cqlWeight
        s.seed = seed
        s.targetUpdates = targetUpdates
        s.exactMeanField = exactMeanField
        s.episodesPerIteration = episodesPerIteration
        s.epsilon = epsilon
        s.threads = threads
        s.matmulPrecision = matmulPrecision
        if matmulPrecision == .bfloat16, let note = MatmulPrecision.bfloat16Kernel.slowNote { printError("note: \(note)") }
        return s
    }
}

/// Runs a learner with a progress line per iteration and writes the documented outputs.
func runLearner(_ learner: OfflineTraining, continuous: DiscretisedProblem?, parameters: [String],
                output: OutputDirectory, quiet: Bool, extra: [String: String]) throws {
    let game = learner.game
    let measure: (([Double]) -> (Double, Double))? = continuous.map { c in { mu in
        let d = c.distances(mu)
        return (d.l1, d.w1)
    } }
    let total = learner.settings.iterations
    let header = ["iteration", "exploitability", "seconds", "mean_field_error"] + (continuous != nil ? ["l1_distance_to_pde", "w1_distance_to_pde"] : [])
    func row(_ e: OfflineLog) -> [Double] {
        [Double(e.iteration), e.exploitability, e.seconds, e.meanFieldError] + (continuous != nil ? [e.l1DistanceToPde ?? .nan, e.w1DistanceToPde ?? .nan] : [])
    }
    let logs: [OfflineLog]
    do {
        logs = try refusingBadInput { try learner.run(measure: measure) { e in
            guard !quiet else { return }
            var line = String(format: "iter %4d/%d  exploitability %.6e  mean-field error %.3e  %.1f s", e.iteration, total, e.exploitability, e.meanFieldError, e.seconds)
            if let l1 = e.l1DistanceToPde { line += String(format: "  L1 to PDE %.3e", l1) }
            printError(line)
        } }
    } catch let f as NonFiniteResult {
        try RLOutputs.fail(f, output: output, game: game.name, algorithm: learner.algorithm.rawValue, parameters: parameters,
                           header: header, rows: (learner.failure?.logs ?? []).map(row))
    }
    let directory = try output.stage()
    try NPY.write(learner.policy, shape: [game.horizon, game.states, game.actions], to: directory.appendingPathComponent("policy.npy"))
    try NPY.write(learner.evaluation.distribution, shape: [game.horizon + 1, game.states], to: directory.appendingPathComponent("distribution.npy"))
    let networks = try learner.writeNetworks(to: directory)
    try CSV.write(header: header, rows: logs.map(row), integerColumns: 1, to: directory.appendingPathComponent("exploitability.csv"))
    try Figures.linePlot(
        [Series(label: learner.algorithm.rawValue, x: logs.map { Double($0.iteration) }, y: logs.map(\.exploitability), color: Figures.palette[0])],
        title: "\(game.name): exploitability", xLabel: "iteration", yLabel: "exploitability", logY: true,
        to: directory.appendingPathComponent("exploitability.png"))
    let s = learner.settings
    var summary = OfflineSummary(
        game: game.name, parameters: parameters, states: game.states, actions: game.actions, horizon: game.horizon,
        algorithm: learner.algorithm.rawValue, iterations: s.iterations, updatesPerIteration: s.updatesPerIteration,
        batchSize: s.batchSize, targetUpdates: s.targetUpdates, hidden: s.hidden, tau: s.tau, alpha: s.alpha, cqlWeight: s.cqlWeight,
        learningRate: Double(s.learningRate), seed: s.seed, exactMeanField: s.exactMeanField, matmulPrecision: s.matmulPrecision.rawValue,
        initialExploitability: logs.first!.exploitability, exploitability: logs.last!.exploitability,
        bestExploitability: logs.map(\.exploitability).min()!, wallSeconds: logs.last!.seconds, inputs: extra,
        arrays: ["policy": [game.horizon, game.states, game.actions], "distribution": [game.horizon + 1, game.states]])
    summary.l1DistanceToPde = logs.last!.l1DistanceToPde
    summary.w1DistanceToPde = logs.last!.w1DistanceToPde
    try JSONFile.write(summary, to: directory.appendingPathComponent("summary.json"))
    try output.commit()
    print(String(format: "%@, %@: exploitability %.6e -> %.6e after %d iterations (best %.6e), %.1f s", game.name, learner.algorithm.rawValue,
                 logs.first!.exploitability, logs.last!.exploitability, s.iterations, summary.bestExploitability, logs.last!.seconds))
    if let l1 = summary.l1DistanceToPde, let w1 = summary.w1DistanceToPde {
        print(String(format: "distance to the PDE density (max over T/2 and T): L1 %.6e, W1 %.6e", l1, w1))
    }
    print("results: \(output.url.path)/{policy,distribution}.npy, exploitability.csv, exploitability.png, summary.json"
          + (networks.isEmpty ? "" : ", " + networks.joined(separator: ", ")))
}

struct OfflineSummary: Encodable {
    var game: String
    var parameters: [String]
    var states: Int, actions: Int, horizon: Int
    var algorithm: String
    var iterations: Int, updatesPerIteration: Int, batchSize: Int, targetUpdates: Int
    var hidden: [Int]
    var tau: Double, alpha: Double, cqlWeight: Double, learningRate: Double
    var seed: UInt64
    var exactMeanField: Bool
    /// `bfloat16` or `float32`: the arithmetic of the networks' matrix products.
    var matmulPrecision: String
    var initialExploitability: Double
    var exploitability: Double
    var bestExploitability: Double
    var wallSeconds: Double
    var inputs: [String: String]
    var arrays: [String: [Int]]
    var l1DistanceToPde: Double?
    var w1DistanceToPde: Double?
}

struct RLOffline: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "offline",
        abstract: "Learn an equilibrium policy from a static dataset (Off-MMD, its tabular version, behaviour cloning, in-sample learning).",
        discussion: """
            The game is rebuilt from the dataset's metadata. Every outer iteration the learner's policy is \
            evaluated exactly: exploitability against its own mean field, the L1 error of the mean field the \
            learner used, and for a discretised continuous problem the L1/W1 distances to the PDE density. \
            Writes policy.npy, distribution.npy, exploitability.csv, exploitability.png, summary.json (docs/rl.md).
            """ + Exit.brief)

    @Option(help: "Dataset from `solve-mfg dataset generate`: FILE.npz or a Minari dataset directory.")
    var dataset: String

    @Option(help: "off-mmd, tabular-off-mmd, bc or in-sample.")
    var algorithm: OfflineAlgorithm = .offMMD

    @Option(help: "Outer iterations.")
    var iterations: Int = 100

    @Option(help: "Munchausen weight alpha of tau log pi_prev in the target.")
    var alpha: Double = 0.99

    @Option(help: "Adam learning rate.")
    var learningRate: Double = 1e-3

    @OptionGroup var training: TrainingOptions

    @Option(help: "Output directory (default: out/offline-<algorithm>).")
    var out: String?

    @Flag(help: "Do not print progress.")
    var quiet = false

    func run() throws {
        guard algorithm != .dMOMD else { throw ValidationError("d-momd is online: use `solve-mfg rl run --algorithm d-momd`") }
        try refusingBadInput { try RLLimits.check(iterations: iterations, flag: "--iterations") }
        let output = try RLOutputs.directory(out, fallback: "out/offline-\(algorithm.rawValue)", inputs: [dataset])
        let data: OfflineDataset
        do { data = try DatasetFile.read(URL(fileURLWithPath: dataset)) } catch {
            printError("error: \(error)")
            throw Exit.badData
        }
        let settings = try training.settings(iterations: iterations, alpha: alpha, learningRate: learningRate)
        try refusingBadInput { try settings.check(for: algorithm) }
        let options = try GameOptions.from(spec: data.gameSpec, source: dataset)
        let resolved = try options.resolve(dataset: dataset)
        let learner: OfflineTraining
        do { learner = try OfflineTraining(game: resolved.game, dataset: data, algorithm: algorithm, settings: settings) } catch let e as RLError {
            printError("error: \(dataset): \(e)")
            throw Exit.badData
        }
        try runLearner(learner, continuous: resolved.continuous, parameters: options.parameters, output: output, quiet: quiet,
                       extra: ["dataset": dataset, "episodes": String(data.episodes)])
    }
}
