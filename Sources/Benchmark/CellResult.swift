import Approximators
import Foundation
import RLBridge

/// What one cell measured (`cells/<id>.json`; a row of `results.csv`).
public struct CellResult: Codable, Sendable {
    public var id: String
    public var problem: String
    /// Cells per axis of the discretised game (nil for a finite game).
    public var level: Int?
    public var method: String
    public var algorithm: String
    public var settings: [String: Double]
    public var seed: Int
    /// "ok" or "failed".
    public var status: String
    public var error: String?
    /// The exact exploitability of the initial policy, then after each iteration.
    public var exploitability: [Double]
    public var finalExploitability: Double?
    /// L1 and W1 distances of the final policy's distribution to the PDE density (max over T/2 and T).
    public var l1: Double?
    public var w1: Double?
    /// `(1/H) sum_t sum_s mu_t(s) TV(pi_t(.|s), pi*_t(.|s))`: the distance of the policy to the PDE
    /// equilibrium's feedback projected to the game, weighted by the policy's distribution.
    public var policyDistance: Double?
    /// `DiscretisedProblem.meanActionDistance`: the distribution-weighted distance of the policy's mean
    /// action to the PDE control (continuous problems only), in velocity units.
    public var meanActionDistance: Double?
    /// The PDE reference's own L1 error bar, and the exploitability of its projected feedback in the game.
    public var referenceError: Double?
    public var groundTruthExploitability: Double?
    public var iterations: Int
    public var seconds: Double
    /// True when the time budget stopped the iterations early.
    public var stoppedByBudget: Bool
}

extension CellResult {
    /// A cell that could not run.
    init(failed cell: Cell, error: String) {
        self.init(id: cell.id, problem: cell.problem.key, level: cell.level, method: cell.method.label,
                  algorithm: cell.method.algorithm.rawValue, settings: cell.method.settings, seed: cell.seed, status: "failed",
                  error: error, exploitability: [], finalExploitability: nil, l1: nil, w1: nil, policyDistance: nil,
                  meanActionDistance: nil, referenceError: nil, groundTruthExploitability: nil, iterations: 0, seconds: 0, stoppedByBudget: false)
    }
}

/// The datasets of a suite's offline methods.
enum DatasetBuilder {
    static func make(_ spec: Suite.Dataset, truth: GroundTruth, problem: Suite.Problem) throws -> OfflineDataset {
        let game = truth.game
        let expert = try truth.continuous?.groundTruthPolicy()
            ?? ReferencePolicies.mirrorDescentExpert(game: game, iterations: spec.expertIterations, learningRate: spec.expertLearningRate)
        let references = try ReferencePolicies(game: game, expert: expert)
        let components = try ReferencePolicies.parseMixture(spec.behavior).map { kind, share in
            DatasetGenerator.Component(name: kind.rawValue, policy: references.policy(kind), proportion: share)
        }
        var gameSpec = ["benchmark_problem": problem.key, "behavior": spec.behavior]
        if let g = problem.game { gameSpec["game"] = g } else if let s = problem.source { gameSpec["problem"] = s }
        return try DatasetGenerator.generate(game: game, components: components, episodes: spec.episodes, seed: UInt64(spec.seed), gameSpec: gameSpec)
    }
}

/// Runs one cell on its ground truth.
public enum CellRunner {
    /// `progress` hears of a long cell's iterations at most every `heartbeat` seconds
    /// (`  <cell>: iteration 37/100, exploitability 4.512e+01, 3 min`).
    public static func run(_ cell: Cell, truth: GroundTruth, dataset: OfflineDataset? = nil, secondsBudget: Double?,
                           heartbeat: Double = 30, progress: ((String) -> Void)? = nil) -> (CellResult, distribution: [Double]?) {
        let clock = ContinuousClock(), start = clock.now
        var lastBeat = start
        // Tells `progress` of iteration `k` when `heartbeat` seconds have passed since it last did.
        func beat(_ k: Int, _ exploitability: Double) {
            guard let progress, k > 0, (clock.now - lastBeat) / .seconds(1) >= heartbeat else { return }
            lastBeat = clock.now
            progress(String(format: "  %@: iteration %d/%d, exploitability %.3e, %@", cell.id, k, cell.method.iterations, exploitability,
                            BenchmarkRun.duration((clock.now - start) / .seconds(1))))
        }
        func overBudget() -> Bool { secondsBudget.map { (clock.now - start) / .seconds(1) > $0 } ?? false }
        var result = CellResult(
            id: cell.id, problem: cell.problem.key, level: cell.level, method: cell.method.label, algorithm: cell.method.algorithm.rawValue,
            settings: cell.method.settings, seed: cell.seed, status: "ok", error: nil, exploitability: [], finalExploitability: nil,
            l1: nil, w1: nil, policyDistance: nil, meanActionDistance: nil, referenceError: truth.referenceError,
            groundTruthExploitability: truth.groundTruthExploitability, iterations: 0, seconds: 0, stoppedByBudget: false)
        do {
            let s = cell.method.settings
            let tools = ExactTools(game: truth.game)
            var evaluation = Evaluation()
            var policy: [Double]
            // One step of the method: the new policy and its exact evaluation.
            var step: () throws -> [Double]
            switch cell.method.algorithm {
            case let .tabular(name):
                let algorithm = try name.make(game: truth.game, learningRate: s["learning_rate"] ?? 0.1, alpha: s["alpha"] ?? 1,
                                              temperature: s["temperature"] ?? 1)
                if let approximator = cell.method.approximator {
                    // The updates see the approximator's mean field of simulated agents; each new policy is evaluated exactly.
                    guard let continuous = truth.continuous else {
                        throw RLError.invalid("approximator = \"\(approximator)\" needs a continuous problem (its cells are where the agents are)")
                    }
                    var stepper = try InTheLoopRun.Stepper(
                        continuous, algorithm: algorithm, approximator: try ApproximatorSettings(kind: ApproximatorKind(rawValue: approximator)!).make(),
                        agents: Int(s["agents"] ?? 1000), seed: UInt64(cell.seed))
                    policy = stepper.policy
                    step = {
                        try stepper.step()
                        evaluation = stepper.evaluation
                        return stepper.policy
                    }
                } else {
                    var run = TabularRun(tools: tools, algorithm: algorithm)
                    policy = run.policy
                    // The run evaluates each new policy itself: that evaluation is the one kept.
                    step = { run.step(); evaluation = run.evaluation; return run.policy }
                }
            case let .offline(algorithm):
                // The outer iterations run in one call, which checks the time budget after each.
                let settings = cell.method.offlineSettings(seed: cell.seed)
                let training = try OfflineTraining(game: truth.game, dataset: dataset, algorithm: algorithm, settings: settings)
                let logs = try training.run(progress: { beat($0.iteration, $0.exploitability) }, stop: { _ in overBudget() })
                result.stoppedByBudget = logs.count - 1 < settings.iterations
                result.exploitability = logs.map(\.exploitability)
                policy = training.policy
                tools.evaluate(policy, into: &evaluation)
                step = { policy }
            case .meanFieldQLearning:
                var learner = try MeanFieldQLearning(
                    game: truth.game, agents: Int(s["agents"] ?? 1000), temperature: s["temperature"] ?? 1,
                    learningRate: s["learning_rate"] ?? 0.1, bins: Int(s["bins"] ?? 4), seed: UInt64(cell.seed))
                policy = learner.learnedPolicy
                step = {
                    learner.episode()
                    tools.evaluate(learner.learnedPolicy, into: &evaluation)
                    return learner.learnedPolicy
                }
            }
            if !isOffline(cell) {
                tools.evaluate(policy, into: &evaluation)
                result.exploitability.append(evaluation.exploitability)
                for _ in 0..<cell.method.iterations {
                    policy = try step()
                    let e = evaluation.exploitability
                    guard e.isFinite else { throw RLError.invalid("the exploitability became \(e) at iteration \(result.exploitability.count)") }
                    result.exploitability.append(e)
                    beat(result.exploitability.count - 1, e)
                    if overBudget() {
                        result.stoppedByBudget = true
                        break
                    }
                }
            }
            result.iterations = result.exploitability.count - 1
            result.finalExploitability = result.exploitability.last
            let distribution = evaluation.distribution
            if let d = truth.continuous {
                (result.l1, result.w1) = d.distances(distribution)
                let star = d.groundTruthPolicy()
                result.policyDistance = policyDistance(policy, star, distribution: distribution, game: truth.game)
                result.meanActionDistance = d.meanActionDistance(policy, groundTruth: star, distribution: distribution)
            }
            result.seconds = (clock.now - start) / .seconds(1)
            return (result, distribution)
        } catch {
            result.status = "failed"
            result.error = "\(error)"
            result.seconds = (clock.now - start) / .seconds(1)
            return (result, nil)
        }
    }

    static func isOffline(_ cell: Cell) -> Bool {
        if case .offline = cell.method.algorithm { return true }
        return false
    }

    static func policyDistance(_ pi: [Double], _ star: [Double], distribution mu: [Double], game: FiniteMFG) -> Double {
        let S = game.states, A = game.actions, H = game.horizon
        var total = 0.0
        for t in 0..<H {
            for s in 0..<S where mu[t * S + s] > 0 {
                var tv = 0.0
                for a in 0..<A { tv += abs(pi[(t * S + s) * A + a] - star[(t * S + s) * A + a]) }
                total += mu[t * S + s] * 0.5 * tv
            }
        }
        return total / Double(H)
    }
}
