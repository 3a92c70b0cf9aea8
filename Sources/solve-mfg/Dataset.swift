import ArgumentParser
import Datasets
import Foundation
import PDE
import RLBridge
import Writers

struct DatasetCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dataset",
        abstract: "Offline reference datasets: trajectories of behaviour policies, each under its own mean field.",
        subcommands: [DatasetGenerate.self, DatasetInfo.self])
}

/// How the expert behaviour is made, shared by `dataset generate` and `dataset info`.
struct ExpertOptions: ParsableArguments {
    @Option(help: "--game only: mirror-descent iterations of the expert (a --problem's expert is the PDE equilibrium's policy).")
    var expertIterations: Int = 2000

    @Option(help: "--game only: mirror-descent learning rate of the expert.")
    var expertLearningRate: Double = 0.03
}

/// The reference policies (expert, uniform) of a resolved game.
func referencePolicies(_ resolved: (game: FiniteMFG, continuous: DiscretisedProblem?, spec: [String: String]),
                       iterations: Int, learningRate: Double) throws -> ReferencePolicies {
    do {
        let expert = try resolved.continuous?.groundTruthPolicy()
            ?? ExpertCache.expert(resolved.game, gameString: resolved.spec["game"], iterations: iterations, learningRate: learningRate)
        return try ReferencePolicies(game: resolved.game, expert: expert)
    } catch let e as RLError {
        printError("error: \(e)")
        throw Exit.badData
    }
}

/// Mirror descent's expert of a game, computed once and kept in `$XDG_CACHE_HOME/solve-mfg/experts`
/// (default `~/.cache/...`), keyed by the solve-mfg version, the game string (every parameter) and the
/// expert's settings: `dataset generate` and `dataset info` then skip the 2000 iterations. A cache
/// file that is missing, unreadable or of another shape is recomputed; a cache that cannot be
/// written is skipped silently (the expert is the same either way).
enum ExpertCache {
    static var directory: URL {
        let env = ProcessInfo.processInfo.environment
        let base = env["XDG_CACHE_HOME"].map { URL(fileURLWithPath: $0) }
            ?? FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache")
        return base.appendingPathComponent("solve-mfg/experts")
    }

    static func expert(_ game: FiniteMFG, gameString: String?, iterations: Int, learningRate: Double) throws -> [Double] {
        guard let gameString else {
            return try ReferencePolicies.mirrorDescentExpert(game: game, iterations: iterations, learningRate: learningRate)
        }
        let key = "\(SolveMFG.configuration.version)|\(gameString)|\(iterations)|\(learningRate)"
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in key.utf8 { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        let file = directory.appendingPathComponent("\(String(h, radix: 16)).npy")
        if let (values, shape) = try? NPY.read(file), shape == [game.horizon, game.states, game.actions],
           (try? game.checkShape(of: values)) != nil, values.allSatisfy(\.isFinite) {
            return values
        }
        let expert = try ReferencePolicies.mirrorDescentExpert(game: game, iterations: iterations, learningRate: learningRate)
        if (try? AtomicFile.makeDirectory(directory)) != nil {
            try? NPY.write(expert, shape: [game.horizon, game.states, game.actions], to: file)
        }
        return expert
    }
}

struct DatasetGenerate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Sample trajectories of a behaviour policy under its own mean field into a dataset.",
        discussion: """
            Behaviours: expert (the PDE equilibrium's policy for --problem, else mirror descent run to a \
            small exploitability), intermediate ((expert + uniform)/2), random (uniform), or a mixture with \
            stated proportions, e.g. --behavior expert=0.5,random=0.5. Each step stores time, state, action, \
            reward, next state, the log-probability of the dataset's behaviour and the true mean field at the \
            state. OUT ending in .npz: numpy archive; otherwise a Minari dataset directory (OUT/data/\
            {main_data.hdf5, metadata.json}). See docs/datasets.md.
            """ + Exit.brief)

    @OptionGroup var gameOptions: GameOptions
    @OptionGroup var expertOptions: ExpertOptions

    @Option(help: "expert, intermediate, random, or a mixture such as expert=0.3,intermediate=0.3,random=0.4.")
    var behavior: String = "expert"

    @Option(help: "Number of episodes (trajectories of the game's full horizon).")
    var episodes: Int = 1000

    @Option(help: "Seed of the sampler.")
    var seed: UInt64 = 0

    @Option(help: "Output: FILE.npz, or a Minari dataset directory.")
    var out: String

    @Flag(help: "Do not print the dataset's statistics.")
    var quiet = false

    func run() throws {
        guard episodes >= 1, Double(episodes) <= RLLimits.transitions else {
            throw ValidationError("--episodes must lie in 1 ... \(RLLimits.count(RLLimits.transitions)) (a dataset holds at most that many transitions), got \(episodes)")
        }
        let mixture: [(BehaviorKind, Double)]
        do { mixture = try ReferencePolicies.parseMixture(behavior) } catch { throw ValidationError("\(error)") }
        if DatasetFile.isNPZ(URL(fileURLWithPath: out)) { try AtomicFile.checkOutput(out, flag: "--out") } else {
            _ = try OutputDirectory(out, outputs: [])
        }
        try refusingBadInput { try RLLimits.check(iterations: expertOptions.expertIterations, flag: "--expert-iterations") }
        let resolved = try gameOptions.resolve()
        let transitions = Double(episodes) * Double(resolved.game.horizon)
        guard transitions <= RLLimits.transitions else {
            throw ValidationError("--episodes \(episodes) x horizon \(resolved.game.horizon) = \(RLLimits.count(transitions)) transitions, about "
                                  + "\(RLLimits.bytes(transitions * 60)) in memory; the largest accepted is \(RLLimits.count(RLLimits.transitions)): "
                                  + "give --episodes \(Int(RLLimits.transitions) / resolved.game.horizon) or fewer")
        }
        let references = try referencePolicies(resolved, iterations: expertOptions.expertIterations, learningRate: expertOptions.expertLearningRate)
        var spec = resolved.spec
        spec["expert_iterations"] = String(expertOptions.expertIterations)
        spec["expert_learning_rate"] = String(expertOptions.expertLearningRate)
        let clock = ContinuousClock(), start = clock.now
        let dataset: OfflineDataset
        do {
            dataset = try DatasetGenerator.generate(
                game: resolved.game, components: mixture.map { .init(name: $0.0.rawValue, policy: references.policy($0.0), proportion: $0.1) },
                episodes: episodes, seed: seed, gameSpec: spec)
        } catch let e as RLError {
            printError("error: \(e)")
            throw Exit.badData
        }
        let sampled = clock.now - start
        let url = URL(fileURLWithPath: out)
        try DatasetFile.write(dataset, to: url)
        print("\(resolved.game.name): \(episodes) episodes x \(resolved.game.horizon) steps of \(behavior) sampled in \(sampled), written to \(out)")
        if !quiet {
            printStatistics(try DatasetStatistics(dataset: dataset, game: resolved.game, references: references), references: references)
        }
    }
}

func printStatistics(_ st: DatasetStatistics, references: ReferencePolicies) {
    print(String(format: "transitions %d; state coverage %.4f (reachable %.4f); state-action coverage %.4f (reachable %.4f)",
                 st.transitions, st.stateCoverage, st.reachableStateCoverage, st.stateActionCoverage, st.reachableStateActionCoverage))
    print(String(format: "mean return %.6g; V_random %.6g, V_expert %.6g (expert exploitability %.3e); quality %@",
                 st.meanReturn, references.randomValue, references.expertValue, references.expertExploitability,
                 st.quality.map { String(format: "%.4f", $0) } ?? "n/a"))
}

struct DatasetInfo: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "info",
        abstract: "Size, state and state-action coverage (per step and overall) and quality of a dataset.",
        discussion: """
            Coverage: distinct (t, s) over S H and distinct (t, s, a) over S A H (Off-MMD's definitions), and \
            the same over what the game can reach. Quality: (mean return - V_random) / (V_expert - V_random), \
            with exact values under each policy's own mean field (the expert is rebuilt as it was generated).
            """ + Exit.brief)

    @Argument(help: "A dataset: FILE.npz or a Minari dataset directory.")
    var file: String

    func run() throws {
        let dataset: OfflineDataset
        do { dataset = try DatasetFile.read(URL(fileURLWithPath: file)) } catch {
            printError("error: \(error)")
            throw Exit.badData
        }
        let options = try GameOptions.from(spec: dataset.gameSpec, source: file)
        let resolved = try options.resolve(dataset: file)
        let references = try referencePolicies(resolved, iterations: Int(dataset.gameSpec["expert_iterations"] ?? "") ?? 2000,
                                               learningRate: Double(dataset.gameSpec["expert_learning_rate"] ?? "") ?? 0.03)
        let st: DatasetStatistics
        do { st = try DatasetStatistics(dataset: dataset, game: resolved.game, references: references) } catch {
            printError("error: \(file): \(error)")
            throw Exit.badData
        }
        print("\(file): \(dataset.gameName), \(dataset.episodes) episodes x \(dataset.horizon) steps, \(dataset.states) states, \(dataset.actions) actions, seed \(dataset.seed)")
        print("behaviour: " + dataset.behaviors.map { String(format: "%@ %.3f", $0.name, $0.proportion) }.joined(separator: ", "))
        printStatistics(st, references: references)
        print("step  state-coverage  state-action-coverage (of reachable)")
        let every = max(1, dataset.horizon / 10)
        for t in stride(from: 0, to: dataset.horizon, by: every) {
            print(String(format: "%4d  %14.4f  %21.4f", t, st.reachableStateCoverageByStep[t], st.reachableStateActionCoverageByStep[t]))
        }
    }
}
