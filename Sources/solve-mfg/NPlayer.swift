import ArgumentParser
import Foundation
import PDE
import Plots
import Problems
import RLBridge
import Writers

struct NPlayer: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "nplayer",
        abstract: "N-player validation: the epsilon of the N-player game in which everyone uses a policy, against N.",
        discussion: """
            N-1 players follow the policy; one deviator, who sees only its own state, best-responds to the \
            expected costs (rewards) the others' empirical distribution makes, itself counted at its own state; \
            epsilon_N = its gain, the epsilon of an epsilon-Nash equilibrium, with a 95% bootstrap interval over \
            --runs independent runs. For a mean-field equilibrium epsilon_N -> 0 as N grows (theory: O(1/sqrt N)); \
            for another policy it tends to the policy's mean-field exploitability. Prints and writes \
            epsilon.csv, epsilon.png (log-log, with the fitted rate) and summary.json.

            Continuous problems (1D, time-dependent, periodic or walls, H independent of m): \
            `nplayer PROBLEM --control a.npz` (the format of `evaluate --control`); agents move by \
            Euler-Maruyama, one step per time step of the grid, and the costs see the Gaussian kernel estimate of \
            the density, bandwidth b = 0.1 (upper - lower) N^(-1/5) (at least 2h) unless --bandwidth. \
            Finite games: `nplayer --game NAME --policy pi.npy` (pi[t, s, a], as `rl evaluate`).
            """)

    @Argument(help: "A continuous problem (file or catalogue name), with --control.")
    var problem: String?

    @Option(help: "A finite game (OpenSpiel's names, as rl run), with --policy.")
    var game: String?

    @Option(name: .customLong("set"), help: ArgumentHelp("A parameter of the problem file or of the game (repeatable).", valueName: "name=value"))
    var parameters: [String] = []

    @Option(help: "The feedback control of a continuous problem (.npz, or .npy with its axes beside it; see `evaluate --help`).")
    var control: String?

    @Option(help: "The policy of a finite game: .npy of shape [H, S, A].")
    var policy: String?

    @Option(help: "Numbers of players, comma-separated.")
    var players: String = "10,100,1000,10000"

    @Option(help: "Independent runs per number of players (for the expectation and its interval).")
    var runs: Int = 20

    @Option(help: "Continuous problems: a fixed kernel bandwidth for every N (default: 0.1 (upper - lower) N^(-1/5), at least 2h).")
    var bandwidth: Double?

    @Option(help: "Continuous problems: grid points in space (default: the file's nx).")
    var nx: Int?

    @Option(help: "Continuous problems: time steps, also the simulation's (default: the file's nt).")
    var nt: Int?

    @Option(help: "Seed of the simulations (runs use seed, seed + 1, ... scrambled).")
    var seed: UInt64 = 0

    @Option(help: "Output directory (default: out/nplayer-<problem or game>).")
    var out: String?

    @Flag(help: "Do not write the PNG picture.")
    var noPictures = false

    var counts: [Int] { players.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) } }

    func validate() throws {
        guard (problem == nil) != (game == nil) else { throw ValidationError("give either a PROBLEM (with --control) or --game (with --policy)") }
        if problem != nil && control == nil { throw ValidationError("a continuous problem needs --control a.npz") }
        if game != nil && policy == nil { throw ValidationError("a finite game needs --policy pi.npy") }
        let list = players.split(separator: ",")
        guard !list.isEmpty, list.count == counts.count, counts.allSatisfy({ $0 >= 2 && $0 <= 10_000_000 }) else {
            throw ValidationError("--players takes numbers between 2 and 10,000,000 separated by commas, e.g. 10,100,1000")
        }
        guard runs >= 2, runs <= 10_000 else { throw ValidationError("--runs must lie between 2 and 10,000") }
        if let b = bandwidth, !(b.isFinite && b > 0) { throw ValidationError("--bandwidth must be a positive number") }
    }

    func run() throws {
        var estimates: [NPlayerEstimate] = []
        let name: String
        var output: OutputDirectory? = nil
        // Checked before the work: the directory, the outputs it may replace, the inputs.
        func prepare(_ name: String) throws {
            output = try OutputDirectory(out ?? "out/nplayer-\(name)", outputs: ["epsilon.csv", "epsilon.png", "summary.json"],
                                         inputs: [control, policy].compactMap { $0 })
        }
        let unit: String
        if let problem {
            let file = try reportingInputErrors { try ProblemLocator.load(problem, overrides: parameters) }
            guard case let .oneD(p) = file.model, !p.isErgodic else {
                printError("error: \(file.name): the N-player simulation needs a 1D time-dependent problem")
                throw Exit.badData
            }
            let grid = try gridSize(file.model, nx: nx, ny: nil, nt: nt)
            let feedback = try reportingInputErrors { try ControlFile.load(control!, dimension: 1) }
            name = file.name
            try prepare(name)
            unit = "cost"
            for n in counts {
                let e = try refusingBadInput {
                    try reportingInputErrors {
                        try ContinuousNPlayer.estimate(p, control: feedback, grid: grid, players: n, runs: runs, bandwidth: bandwidth, seed: seed)
                    }
                }
                report(e)
                estimates.append(e)
            }
        } else {
            var options = GameOptions()
            options.game = game
            options.parameters = parameters
            let finite = try options.make()
            let pi = try loadPolicy(policy!, for: finite)
            name = finite.name
            try prepare(name)
            unit = "reward"
            for n in counts {
                let e = try refusingBadInput { try FiniteNPlayer.estimate(finite, policy: pi, players: n, runs: runs, seed: seed) }
                report(e)
                estimates.append(e)
            }
        }
        let rate = NPlayerStatistics.rate(estimates)
        if let rate { print(String(format: "fitted: epsilon_N ~ %.3g N^(-%.2f)", rate.constant, rate.rate)) }
        guard let output else { return }
        let directory = try output.stage()
        try CSV.write(
            header: ["players", "epsilon", "low", "high", "policy_\(unit)", "best_response_\(unit)", "runs", "bandwidth", "seconds"],
            cells: estimates.map { e in
                ["\(e.players)", "\(e.epsilon)", "\(e.low)", "\(e.high)", "\(e.policyValue)", "\(e.bestResponseValue)", "\(e.runs)",
                 e.bandwidth.map { "\($0)" } ?? "", "\(e.seconds)"]
            },
            to: directory.appendingPathComponent("epsilon.csv"))
        var pictures: [String] = []
        if !noPictures {
            let x = estimates.map { log10(Double($0.players)) }
            var series = [Series(label: "epsilon_N", x: x, y: estimates.map(\.epsilon), color: Figures.palette[0]),
                          Series(label: "95% upper", x: x, y: estimates.map(\.high), color: Figures.palette[1]),
                          Series(label: "95% lower", x: x, y: estimates.map(\.low), color: Figures.palette[1])]
            if let rate {
                series.append(Series(label: String(format: "fit %.2g N^-%.2f", rate.constant, rate.rate), x: x,
                                     y: estimates.map { rate.constant * pow(Double($0.players), -rate.rate) }, color: Figures.palette[2]))
            }
            try Figures.linePlot(series, title: "\(name): epsilon of the N-player game", xLabel: "log10 N", yLabel: "epsilon_N",
                                 logY: true, to: directory.appendingPathComponent("epsilon.png"))
            pictures.append("epsilon.png")
        }
        struct Summary: Encodable {
            var problem: String, control: String?, policy: String?, parameters: [String], seed: UInt64
            var estimates: [NPlayerEstimate]
            var fittedRate: Double?, fittedConstant: Double?
        }
        try JSONFile.write(Summary(problem: name, control: control, policy: policy, parameters: parameters, seed: seed,
                                   estimates: estimates, fittedRate: rate?.rate, fittedConstant: rate?.constant),
                           to: directory.appendingPathComponent("summary.json"))
        try output.commit()
        print("results:  \(output.url.path)/{epsilon.csv,summary.json\(pictures.isEmpty ? "" : ",epsilon.png")}")
    }

    func report(_ e: NPlayerEstimate) {
        var line = String(format: "N = %8d  epsilon %.4e  [%.4e, %.4e]  (%d runs, %.2f s", e.players, e.epsilon, e.low, e.high, e.runs, e.seconds)
        if let b = e.bandwidth { line += String(format: ", bandwidth %.4g", b) }
        print(line + ")")
        fflush(nil)
    }
}
