import ArgumentParser
import Foundation
import PDE
import Plots
import RLBridge
import Problems
import Writers

struct RL: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rl",
        abstract: "Finite mean field games: run tabular MFG algorithms and evaluate policies exactly.",
        subcommands: [RLRun.self, RLOffline.self, RLEvaluate.self, RLRefine.self])
}

/// `--game NAME --set k=v ...` or `--problem FILE --nx N`, shared by the rl commands.
struct GameOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Game: \(OpenSpielGames.names.joined(separator: ", ")) (OpenSpiel's games under solve-mfg's names; OpenSpiel's own names such as mfg_crowd_modelling_2d work too; four_rooms is Off-MMD's task, wardrop the two-road routing game). Or a game string as OpenSpiel writes a loaded game: --game \"mfg_crowd_modelling_2d(size=7,horizon=6,forbidden_states=[4|1;4|2])\".", valueName: "name|game-string"))
    var game: String?

    @Option(name: .customLong("set"), help: ArgumentHelp("A game parameter in OpenSpiel's name and syntax (repeatable; overrides the game string's value): integers and reals (size=9, noise_intensity=0.5), booleans (only_distribution_reward=true), lists of cells x|y and of numbers in brackets, quoted for the shell (--set \"initial_distribution=[2|2;6|5]\" --set \"initial_distribution_value=[0.4;0.6]\"). Each game's parameters and defaults are listed at the end of `solve-mfg rl run --help` (docs/rl.md has their meaning); an unknown or malformed one is refused with the list. With --problem, a parameter of the file.", valueName: "name=value"))
    var parameters: [String] = []

    @Option(help: "A continuous problem (file or catalogue name; 1D or 2D on a square, torus, walls or exits, quadratic or congestion H, local or mean couplings; in 2D --nx is cells per axis) to discretise as a finite MFG consistent with the PDE scheme (docs/rl.md).")
    var problem: String?

    @Option(help: "With --problem: grid cells of the discrete game (at least 4; must divide --reference).")
    var nx: Int = 40

    @Option(help: "With --problem: points and time steps of the PDE reference the game is compared with (default: the smallest multiple of --nx that is at least 320).")
    var reference: Int?

    @Option(help: "With --problem in 2D: time steps of the PDE reference (default: --reference).")
    var referenceSteps: Int?

    /// The PDE reference's points with --problem: --reference, else the smallest multiple of --nx >= 320.
    var referencePoints: Int { reference ?? DiscretisedProblem.defaultReference(cells: nx) }

    /// The discrete game of --problem and its PDE reference (whatever would refuse the problem or the
    /// sizes is checked before the reference is solved).
    func continuous() throws -> DiscretisedProblem? {
        guard let problem else { return nil }
        if game != nil { throw ValidationError("give either --game or --problem, not both") }
        let file = try ProblemLocator.load(problem, overrides: parameters)
        guard !file.model.isErgodic else {
            printError("error: --problem needs a time-dependent problem")
            throw Exit.badData
        }
        let source = "the PDE reference of --problem: --reference \(referencePoints)" + (reference == nil ? " (the default)" : "")
            + (file.model.dimension == 2 ? ", --reference-steps \(referenceSteps ?? referencePoints)" : "")
        switch file.model {
        case let .twoD(p2):
            return try reportingInputErrors(source: source) {
                try DiscretisedProblem.twoD(p2, n: nx, reference: referencePoints, steps: referenceSteps ?? referencePoints)
            }
        case let .oneD(p):
            return try reportingInputErrors(source: source) { try DiscretisedProblem.oneD(p, nx: nx, reference: referencePoints) }
        }
    }

    /// The game, its PDE reference for --problem, and a spec from which `GameOptions.from(spec:)` rebuilds it.
    func resolve() throws -> (game: FiniteMFG, continuous: DiscretisedProblem?, spec: [String: String]) {
        let continuous = try reportingInputErrors { try self.continuous() }
        var spec: [String: String] = [:]
        if let problem {
            spec["set"] = parameters.joined(separator: ";")
            spec["problem"] = problem; spec["nx"] = String(nx); spec["reference"] = String(referencePoints)
            if let referenceSteps { spec["reference_steps"] = String(referenceSteps) }
            return (continuous!.game, continuous, spec)
        }
        // The game string holds every parameter given (its lists contain ';', which "set" separates).
        let parameters = try gameParameters()
        spec["game"] = parameters.gameString
        spec["set"] = ""
        return (try make(parameters), nil, spec)
    }

    /// The game of a dataset's metadata: a refusal names the dataset and the metadata it comes from,
    /// not the flags it was once written with.
    func resolve(dataset: String) throws -> (game: FiniteMFG, continuous: DiscretisedProblem?, spec: [String: String]) {
        do { return try resolve() } catch let e as RLError {
            throw RLError.invalid("\(dataset): the game of its metadata (solve_mfg.game_spec) cannot be rebuilt: \(e)")
        } catch let CommandError.badInput(message) {
            throw RLError.invalid("\(dataset): the game of its metadata (solve_mfg.game_spec) cannot be rebuilt: \(message)")
        }
    }

    /// The options a dataset's `gameSpec` was written from.
    static func from(spec: [String: String], source: String) throws -> GameOptions {
        var arguments: [String] = []
        if let game = spec["game"] { arguments += ["--game", game] }
        if let problem = spec["problem"] {
            arguments += ["--problem", problem, "--nx", spec["nx"] ?? "40", "--reference", spec["reference"] ?? "320"]
            if let steps = spec["reference_steps"] { arguments += ["--reference-steps", steps] }
        }
        for item in (spec["set"] ?? "").split(separator: ";") { arguments += ["--set", String(item)] }
        guard spec["game"] != nil || spec["problem"] != nil else {
            printError("error: \(source): its metadata names no game or problem (key solve_mfg.game_spec)")
            throw Exit.badData
        }
        do { return try GameOptions.parse(arguments) } catch {
            printError("error: \(source): cannot rebuild its game from \(arguments.joined(separator: " ")): \(error)")
            throw Exit.badData
        }
    }

    /// The parameters of --game (a name or a game string) with the --set items.
    func gameParameters() throws -> GameParameters {
        guard let game else {
            throw ValidationError("give --game NAME (\(OpenSpielGames.names.joined(separator: ", "))) or --problem FILE")
        }
        // RLError propagates: the commands' top level says it (exit 65), with the dataset's name when it comes from one.
        return try OpenSpielGames.parameters(game, settings: parameters)
    }

    func make() throws -> FiniteMFG { try make(gameParameters()) }

    func make(_ parameters: GameParameters) throws -> FiniteMFG {
        try OpenSpielGames.make(parameters)
    }
}

struct RLRun: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a tabular MFG algorithm, logging the exact exploitability after every iteration.",
        discussion: """
            Writes policy.npy [H, S, A] (pi[t, s, a]), distribution.npy [H+1, S] (probabilities; row 0 is \
            the initial distribution), exploitability.csv (iteration,exploitability,seconds), \
            exploitability.png and summary.json (written last). With --objective social, policy.npy and \
            distribution.npy hold the social optimum, exploitability.csv the exploitability under the \
            planner's rewards, and the Nash equilibrium found by the same algorithm goes to \
            equilibrium_policy.npy, equilibrium_distribution.npy and equilibrium_exploitability.csv; \
            summary.json adds both social costs and the price of anarchy. See docs/rl.md.

            Game parameters (--set name=value, or --game "name(a=1,b=[0|1])"; defaults shown):
            """ + "\n" + OpenSpielGames.parameterHelp + Exit.brief)

    @OptionGroup var gameOptions: GameOptions

    @Option(help: "fixed-point, fictitious-play, mirror-descent, munchausen-mirror-descent, boltzmann-policy-iteration, or d-momd (online deep Munchausen mirror descent; its flags are below).")
    var algorithm: String = "mirror-descent"

    @Option(help: ArgumentHelp("nash: each agent maximises its own return (a Nash equilibrium). social: a planner maximises the population's total reward (mean-field control); the run finds the social optimum, then the Nash equilibrium with the same algorithm, and reports the social cost of both and the price of anarchy. The social objective needs the derivative of the rewards in the distribution: games \(OpenSpielGames.socialNames.joined(separator: ", ")); tabular algorithms only.", valueName: "nash|social"))
    var objective: Objective = .nash

    @Option(help: "Number of iterations (default 100; tabular algorithms on wardrop: 10000).")
    var iterations: Int?

    @Option(help: "Learning rate of mirror descent and Munchausen mirror descent (default 0.1; wardrop: 1); d-momd: Adam's (default 1e-3).")
    var learningRate: Double?

    @Option(help: "Temperature of Boltzmann policy iteration (softmax(Q / temperature)).")
    var temperature: Double = 1

    @Option(help: "Munchausen weight alpha in [0, 1] of log pi_k (default 1: the iterates of mirror descent; d-momd: 0.99).")
    var alpha: Double?

    @OptionGroup(title: "d-momd") var training: TrainingOptions

    @Option(help: "Output directory (default: out/rl-<game>-<algorithm>, with -social for --objective social).")
    var out: String?

    @Flag(help: "Do not print progress.")
    var quiet = false

    func run() throws {
        let dMOMD = algorithm == OfflineAlgorithm.dMOMD.rawValue
        let defaults = OpenSpielGames.runDefaults(for: gameOptions.game ?? "")
        let iterations = self.iterations ?? (dMOMD ? 100 : defaults.iterations)
        try refusingBadInput { try RLLimits.check(iterations: iterations, flag: "--iterations") }
        if dMOMD {
            guard objective == .nash else { throw ValidationError("--objective social works with the tabular algorithms, not d-momd") }
            let settings = try training.settings(iterations: iterations, alpha: alpha ?? 0.99, learningRate: learningRate ?? 1e-3)
            try refusingBadInput { try settings.check(for: .dMOMD) }
            let resolved = try gameOptions.resolve()
            let training = try refusingBadInput { try OfflineTraining(game: resolved.game, dataset: nil, algorithm: .dMOMD, settings: settings) }
            let output = try RLOutputs.directory(out, fallback: "out/rl-\(resolved.game.name.replacingOccurrences(of: " ", with: "_"))-d-momd")
            return try runLearner(training, continuous: resolved.continuous, parameters: gameOptions.parameters, output: output, quiet: quiet, extra: [:])
        }
        guard let name = TabularAlgorithmName(rawValue: algorithm) else {
            throw ValidationError("unknown algorithm '\(self.algorithm)'; algorithms: \((TabularAlgorithmName.allCases.map(\.rawValue) + ["d-momd"]).joined(separator: ", "))")
        }
        let learningRate = self.learningRate ?? defaults.learningRate, alpha = self.alpha ?? 1, temperature = temperature
        try refusingBadInput { try TabularAlgorithmName.check(learningRate: learningRate, alpha: alpha, temperature: temperature) }
        if objective == .social, let problem = gameOptions.problem {  // refused before the PDE reference is solved
            try refusingBadInput { throw Objective.missingGradient("\(problem) (a discretised --problem game)") }
        }
        let continuous = try reportingInputErrors { try gameOptions.continuous() }
        let game = try continuous?.game ?? gameOptions.make()
        let tools = try refusingBadInput { try ExactTools(game: game, objective: objective) }
        let social = objective == .social
        try refusingBadInput { try RLLimits.checkWork(iterations: iterations, game: game, flag: "--iterations") }
        let output = try RLOutputs.directory(out, fallback: "out/rl-\(game.name.replacingOccurrences(of: " ", with: "_"))-\(name.rawValue)\(social ? "-social" : "")")
        func iterate(_ tools: ExactTools, label: String) throws -> (run: TabularRun, start: Double, log: [AlgorithmLog]) {
            let algorithm = try refusingBadInput { try name.make(game: game, learningRate: learningRate, alpha: alpha, temperature: temperature) }
            var solver = TabularRun(tools: tools, algorithm: algorithm)
            let quiet = self.quiet, start = solver.exploitability
            let log = solver.run(iterations: iterations) { entry in
                if !quiet && (entry.iteration % max(1, iterations / 20) == 0 || entry.iteration == 1) {
                    printError(String(format: "%@iter %5d  exploitability %.6e  %.3f s", label, entry.iteration, entry.exploitability, entry.seconds))
                }
            }
            if let failure = solver.failure {
                try RLOutputs.fail(failure, output: output, game: game.name, algorithm: name.rawValue, parameters: gameOptions.parameters,
                                   header: ["iteration", "exploitability", "seconds"],
                                   rows: [[0, start, 0]] + log.map { [Double($0.iteration), $0.exploitability, $0.seconds] })
            }
            return (solver, start, log)
        }
        let main = try iterate(tools, label: social ? "social optimum    " : "")
        let equilibrium = social ? try iterate(ExactTools(game: game), label: "Nash equilibrium  ") : nil
        let solver = main.run, start = main.start, log = main.log
        let distribution = solver.evaluation.distribution
        let directory = try output.stage()
        func write(_ run: TabularRun, start: Double, log: [AlgorithmLog], prefix: String) throws {
            try NPY.write(run.policy, shape: [game.horizon, game.states, game.actions], to: directory.appendingPathComponent("\(prefix)policy.npy"))
            try NPY.write(run.evaluation.distribution, shape: [game.horizon + 1, game.states], to: directory.appendingPathComponent("\(prefix)distribution.npy"))
            try CSV.write(header: ["iteration", "exploitability", "seconds"],
                          rows: [[0, start, 0]] + log.map { [Double($0.iteration), $0.exploitability, $0.seconds] }, integerColumns: 1,
                          to: directory.appendingPathComponent("\(prefix)exploitability.csv"))
        }
        try write(solver, start: start, log: log, prefix: "")
        var series = [Series(label: social ? "\(name.rawValue), social optimum (planner's rewards)" : name.rawValue,
                             x: [0] + log.map { Double($0.iteration) }, y: [start] + log.map(\.exploitability), color: Figures.palette[0])]
        if let equilibrium {
            try write(equilibrium.run, start: equilibrium.start, log: equilibrium.log, prefix: "equilibrium_")
            series.append(Series(label: "\(name.rawValue), Nash equilibrium", x: [0] + equilibrium.log.map { Double($0.iteration) },
                                 y: [equilibrium.start] + equilibrium.log.map(\.exploitability), color: Figures.palette[1]))
        }
        try Figures.linePlot(series, title: "\(game.name): exploitability", xLabel: "iteration", yLabel: "exploitability", logY: true,
                             to: directory.appendingPathComponent("exploitability.png"))
        let comparison = try equilibrium.map { e in
            try refusingBadInput { try FiniteSocialComparison(game: game, optimum: solver.policy, equilibrium: e.run.policy) }
        }
        var summary = RLSummary(
            game: game.name, parameters: gameOptions.parameters, states: game.states, actions: game.actions, horizon: game.horizon,
            algorithm: name.rawValue, objective: objective.rawValue, iterations: iterations, learningRate: learningRate,
            temperature: temperature, alpha: alpha, initialExploitability: start, exploitability: log.last!.exploitability,
            socialCost: comparison?.optimumCost ?? -solver.evaluation.expectedReturn,
            wallSeconds: log.last!.seconds + (equilibrium?.log.last!.seconds ?? 0),
            arrays: ["policy": [game.horizon, game.states, game.actions], "distribution": [game.horizon + 1, game.states]])
        summary.finalDistribution = RLSummary.named(distribution, game)
        if let continuous {
            let d = continuous.distances(distribution)
            summary.l1DistanceToPde = d.l1
            summary.w1DistanceToPde = d.w1
            print(String(format: "distance to the PDE density (max over T/2 and T): L1 %.6e, W1 %.6e", d.l1, d.w1))
        }
        var report: [String] = []
        if let equilibrium, let comparison {
            summary.social = RLSocialSummary(
                equilibriumCost: comparison.equilibriumCost, optimumCost: comparison.optimumCost, priceOfAnarchy: comparison.priceOfAnarchy,
                equilibriumInitialExploitability: equilibrium.start, equilibriumExploitability: comparison.equilibriumExploitability,
                equilibriumFinalDistribution: RLSummary.named(equilibrium.run.evaluation.distribution, game))
            summary.arrays["equilibrium_policy"] = summary.arrays["policy"]
            summary.arrays["equilibrium_distribution"] = summary.arrays["distribution"]
            let optimumMu = Self.finalDistribution(distribution, game).map { ", final distribution \($0)" } ?? ""
            let equilibriumMu = Self.finalDistribution(equilibrium.run.evaluation.distribution, game).map { ", final distribution \($0)" } ?? ""
            report = [
                String(format: "social optimum:   social cost %.12g", comparison.optimumCost) + optimumMu,
                String(format: "Nash equilibrium: social cost %.12g, exploitability %.6e", comparison.equilibriumCost, comparison.equilibriumExploitability)
                    + equilibriumMu,
                comparison.priceOfAnarchy.map {
                    String(format: "price of anarchy: %.12g (social cost at the equilibrium / at the optimum)", $0)
                        + ($0 < 1 ? "; below 1, so the social optimum found is not one (see its exploitability under the planner's rewards above)" : "")
                } ?? "price of anarchy: undefined (defined for positive costs only)",
            ]
        } else if let mu = Self.finalDistribution(distribution, game) {
            report = ["final distribution: \(mu)"]
        }
        try JSONFile.write(summary, to: directory.appendingPathComponent("summary.json"))
        try output.commit()
        let what = social ? ", social objective: exploitability under the planner's rewards" : ": exploitability"
        print("\(game.name), \(name.rawValue)\(what) \(String(format: "%.12e", start)) -> \(String(format: "%.12e", log.last!.exploitability)) after \(iterations) iterations, \(String(format: "%.3f", log.last!.seconds)) s")
        report.forEach { print($0) }
        print("results: \(output.url.path)/{policy,distribution}.npy, exploitability.csv\(social ? ", equilibrium_{policy,distribution}.npy, equilibrium_exploitability.csv" : ""), exploitability.png, summary.json")
    }

    /// `"start 0, road_A 0.666666666667, ..."` (mu_H) for games that name their states, else nil.
    static func finalDistribution(_ mu: [Double], _ game: FiniteMFG) -> String? {
        game.stateNames.map { zip($0, mu.suffix(game.states)).map { String(format: "%@ %.12g", $0.0, $0.1) }.joined(separator: ", ") }
    }
}

/// A policy `pi[t, s, a]` of a game from an .npy file, checked (shape, probability rows).
func loadPolicy(_ path: String, for game: FiniteMFG) throws -> [Double] {
    let values: [Double], shape: [Int]
    do {
        (values, shape) = try NPY.read(URL(fileURLWithPath: path))
    } catch {
        printError("error: \(error)")
        throw Exit.badData
    }
    let expected = [game.horizon, game.states, game.actions]
    guard shape == expected else {
        printError("error: \(path) has shape \(shape); \(game.name) needs [H, S, A] = \(expected)")
        throw Exit.badData
    }
    for row in 0..<(game.horizon * game.states) {
        let p = values[(row * game.actions)..<((row + 1) * game.actions)]
        let total = p.reduce(0, +)
        guard p.allSatisfy({ $0 >= -1e-12 && $0.isFinite }), abs(total - 1) < 1e-6 else {
            printError(String(format: "error: %@: pi[t = %d, s = %d, :] is not a probability distribution (sum %.9g, min %.3g)",
                              path, row / game.states, row % game.states, total, p.min() ?? .nan))
            throw Exit.badData
        }
    }
    return values
}

/// Runs `body`, turning the RL tools' refusals (`RLError`) into a message and exit code 65 (64 for a
/// setting of the command line out of its range).
func refusingBadInput<T>(_ body: () throws -> T) throws -> T {
    do { return try body() } catch let e as RLError {
        printError("error: \(e)")
        if case .usage = e { throw Exit.usage }
        throw Exit.badData
    }
}

struct RLSummary: Encodable {
    var game: String
    var parameters: [String]
    var states: Int, actions: Int, horizon: Int
    var algorithm: String
    /// "nash" or "social"; with "social", `exploitability` is under the planner's rewards.
    var objective: String
    var iterations: Int
    var learningRate: Double, temperature: Double, alpha: Double
    var initialExploitability: Double
    var exploitability: Double
    /// The population's total cost along the policy found, `-sum_t gamma^t sum rho_t R_t` (the game's own rewards).
    var socialCost: Double
    var wallSeconds: Double
    var arrays: [String: [Int]]
    var l1DistanceToPde: Double?
    var w1DistanceToPde: Double?
    /// mu_H by state name, for games that name their states (wardrop).
    var finalDistribution: [String: Double]?
    /// With --objective social: the comparison with the Nash equilibrium, as `solve --compare-social` writes it.
    var social: RLSocialSummary?

    /// The last row of `mu` by state name, if the game names its states.
    static func named(_ mu: [Double], _ game: FiniteMFG) -> [String: Double]? {
        game.stateNames.map { Dictionary(uniqueKeysWithValues: zip($0, mu.suffix(game.states))) }
    }
}

/// `social` of `rl run --objective social`: the social costs of the equilibrium and of the optimum found,
/// the price of anarchy (positive costs only), and the equilibrium run's exploitability and mu_H.
struct RLSocialSummary: Encodable {
    var equilibriumCost: Double, optimumCost: Double
    var priceOfAnarchy: Double?
    var equilibriumInitialExploitability: Double, equilibriumExploitability: Double
    var equilibriumFinalDistribution: [String: Double]?
}

struct RLEvaluate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate",
        abstract: "Exact value and exploitability of a policy given as pi[t, s, a] in a .npy file (e.g. exported from OpenSpiel or MFGLib).",
        discussion: """
            Prints the policy's value (its expected return against its own distribution) and its exploitability \
            (docs/rl.md). With --out DIR, also writes distribution.npy [H+1, S] (mu^pi, row 0 the initial \
            distribution), policy_value.npy and best_response_value.npy [H+1, S] (V^pi and V* against mu^pi, row H \
            zero) and summary.json (written last: game, parameters, states, actions, horizon, policy, value, \
            exploitability, with --problem the distances to the PDE density, and the array shapes), the \
            machine-readable form that the Python package (python/, docs/python.md) reads.
            """ + Exit.brief)

    @Option(help: "The policy: float64 .npy of shape [H, S, A], each row pi[t, s, :] a probability distribution.")
    var policy: String

    @OptionGroup var gameOptions: GameOptions

    @Option(name: .customLong("distribution-out"), help: ArgumentHelp(
        "Also write the distribution the policy induces, mu[t, s] of shape [H+1, S] (row 0 is mu0), to this .npy file.",
        valueName: "file.npy"))
    var distributionOut: String?

    @Option(help: ArgumentHelp("Write distribution.npy, policy_value.npy, best_response_value.npy and summary.json to this directory.", valueName: "dir"))
    var out: String?

    func run() throws {
        if let distributionOut { try AtomicFile.checkOutput(distributionOut, flag: "--distribution-out", inputs: [policy]) }
        let continuous = try reportingInputErrors { try gameOptions.continuous() }
        let game = try continuous?.game ?? gameOptions.make()
        let values = try loadPolicy(policy, for: game)
        // One forward pass and one backward sweep: the value, the best response and the exploitability.
        let evaluation = ExactTools(game: game).evaluate(values)
        print(String(format: "%@: value %.15g, exploitability %.15g", game.name, evaluation.expectedReturn, evaluation.exploitability))
        let rows = [game.horizon + 1, game.states]
        if let distributionOut {
            try NPY.write(evaluation.distribution, shape: rows, to: URL(fileURLWithPath: distributionOut))
        }
        let distances = continuous.map { $0.distances(evaluation.distribution) }
        if let d = distances {
            print(String(format: "distance to the PDE density (max over T/2 and T): L1 %.6e, W1 %.6e", d.l1, d.w1))
        }
        if let out {
            let directory = URL(fileURLWithPath: out)
            try AtomicFile.makeDirectory(directory)
            try NPY.write(evaluation.distribution, shape: rows, to: directory.appendingPathComponent("distribution.npy"))
            try NPY.write(evaluation.policyValue, shape: rows, to: directory.appendingPathComponent("policy_value.npy"))
            try NPY.write(evaluation.bestResponseValue, shape: rows, to: directory.appendingPathComponent("best_response_value.npy"))
            let summary = RLEvaluationSummary(
                game: game.name, problem: gameOptions.problem, parameters: gameOptions.parameters,
                states: game.states, actions: game.actions, horizon: game.horizon, policy: policy,
                value: evaluation.expectedReturn, exploitability: evaluation.exploitability,
                l1DistanceToPde: distances?.l1, w1DistanceToPde: distances?.w1,
                arrays: ["distribution": rows, "policy_value": rows, "best_response_value": rows])
            try JSONFile.write(summary, to: directory.appendingPathComponent("summary.json"))
            print("results: \(directory.path)/{distribution,policy_value,best_response_value}.npy, summary.json")
        }
    }
}

/// summary.json of `rl evaluate --out`.
struct RLEvaluationSummary: Encodable {
    var game: String
    var problem: String?
    var parameters: [String]
    var states: Int, actions: Int, horizon: Int
    var policy: String
    /// `sum_s mu0(s) V^pi_0(s)`, the policy's expected return against its own distribution.
    var value: Double
    var exploitability: Double
    var l1DistanceToPde: Double?
    var w1DistanceToPde: Double?
    var arrays: [String: [Int]]
}

struct RLRefine: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "refine",
        abstract: "Refinement table of a continuous problem's finite-MFG discretisation against its PDE equilibrium.",
        discussion: """
            For each grid of --levels: the Markov-chain discretisation (docs/rl.md), its equilibrium \
            (mirror descent warm-started from the PDE's policy), the L1 and W1 distances of its \
            distribution to the PDE density (max over T/2 and T), and the exploitability of the PDE's \
            feedback projected to the discrete game. 1D problems (torus, walls or exits; on walls the PDE \
            density is averaged over each coarse cell) and 2D problems on a square (torus, walls, obstacles or \
            doors), with the quadratic or the congestion Hamiltonian. In 2D these games stay in their \
            per-axis form (product policies, no [H][S][A] table), so that fine levels fit in memory: \
            --levels 10,20,40,80 takes about 3 GB. Rows are printed as their levels finish.
            """ + Exit.brief)

    @OptionGroup var input: ProblemOptions

    @Option(help: "Grid sizes, comma-separated; each must divide --fine.")
    var levels: String = "20,40,80"

    @Option(help: "Points (per axis in 2D) of the PDE reference.")
    var fine: Int = 320

    @Option(help: "Time steps of the PDE reference (default: --fine).")
    var fineTimeSteps: Int?

    @Option(help: "Mirror-descent iterations per level.")
    var iterations: Int = 300

    func run() throws {
        let file = try input.load()
        let sizes = levels.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard sizes.count >= 2, sizes.allSatisfy({ $0 >= 4 }) else { throw ValidationError("--levels needs at least two grid sizes >= 4, e.g. 20,40,80") }
        let source = "the PDE reference: --fine \(fine), --fine-time-steps \(fineTimeSteps ?? fine)"
        // The table streams: each row when its level is done, the header with the first one.
        var headed = false
        let printRow: (RefinementRow) -> Void = { r in
            if !headed {
                print("\(file.name): discrete game vs PDE equilibrium (PDE reference \(fine)\((file.model.dimension == 2) ? " x \(fine)" : "") points x \(fineTimeSteps ?? fine) steps)")
                print("    nx  steps  actions        L1        W1   exploitability(equilibrium)   exploitability(PDE policy)")
                headed = true
            }
            print(String(format: "%6d %6d %8d  %.3e  %.3e   %.3e                     %.3e", r.nx, r.steps, r.actions,
                         r.l1, r.w1, r.equilibriumExploitability, r.groundTruthExploitability))
            fflush(nil)
        }
        do {
            switch file.model {
            case let .twoD(p2):
                _ = try reportingInputErrors(source: source) {
                    try RefinementStudy.run(p2, levels: sizes, fineN: fine, fineNt: fineTimeSteps ?? fine, iterations: iterations, progress: printRow)
                }
            case let .oneD(p):
                _ = try reportingInputErrors(source: source) {
                    try RefinementStudy.run(p, levels: sizes, fineNx: fine, fineNt: fineTimeSteps ?? fine, iterations: iterations, progress: printRow)
                }
            }
        } catch let e as RLError {
            printError("error: \(e)")
            throw Exit.badData
        }
    }
}
