import Foundation
import RLBridge

/// What approximating the distribution costs the equilibrium (the GD-MFRL question): a tabular
/// algorithm (fictitious play, online mirror descent, ...) whose rewards are computed along the
/// approximator's mean field of N simulated agents (`AgentMeanField`) instead of the exact one,
/// scored by the exact exploitability and distance to the PDE density of the policies it reaches.
///
/// Each update sees `R_t(s, a; mu^_t, mu^_{t+1})` and the values of the policy and a best response
/// against `mu^` (the algorithm's own weights, such as fictitious play's averaging, read `mu^` too);
/// only the scoring uses the exact distribution. `approximator == nil` runs the exact-mu algorithm.
public enum InTheLoopRun {
    public struct Result: Sendable, Codable {
        /// The approximator's name, or "exact".
        public var approximator: String
        public var algorithm: String
        public var agents: Int
        public var seed: UInt64
        /// The exact exploitability of the policy after each iteration (entry 0: the initial policy).
        public var exploitability: [Double]
        /// L1 and W1 of the final policy's exact distribution to the PDE density (`DiscretisedProblem.distances`).
        public var l1: Double
        public var w1: Double
        public var seconds: Double
    }

    /// One tabular algorithm whose updates see the approximator's mean field, one update at a time,
    /// each followed by the exact evaluation of the new policy (what a benchmark cell records).
    public struct Stepper {
        public let tools: ExactTools
        public private(set) var algorithm: any TabularAlgorithm
        let meanField: AgentMeanField?
        let seed: UInt64
        /// The exact evaluation of the current policy.
        public private(set) var evaluation: Evaluation
        var seen = Evaluation()
        /// Updates made so far.
        public private(set) var completed = 0

        /// `approximator == nil`: the exact mean field.
        public init(_ problem: DiscretisedProblem, algorithm: any TabularAlgorithm, approximator: (any DensityApproximator)?,
                    agents: Int, seed: UInt64) throws {
            tools = ExactTools(game: problem.game)
            self.algorithm = algorithm
            meanField = try approximator.map {
                try AgentMeanField(game: problem.game, layout: problem.layout, dt: problem.dt, approximator: $0, agents: agents)
            }
            self.seed = seed
            evaluation = tools.evaluate(algorithm.policy)
        }

        public var policy: [Double] { algorithm.policy }

        /// One update from the (approximate) mean field of the current policy, then the new policy's
        /// exact evaluation; returns its exploitability, refusing one that is not finite.
        @discardableResult
        public mutating func step() throws -> Double {
            completed += 1
            if let meanField {
                seen.distribution = try meanField.estimate(policy: algorithm.policy, seed: seed &+ UInt64(completed) &* 0x9E37_79B9_7F4A_7C15)
                tools.rewards(along: seen.distribution, into: &seen.rewards)
                tools.sweep(algorithm.policy, into: &seen)
                algorithm.update(from: seen, tools: tools)
            } else {
                algorithm.update(from: evaluation, tools: tools)
            }
            tools.evaluate(algorithm.policy, into: &evaluation)
            guard evaluation.exploitability.isFinite else {
                throw ApproximatorError("with \(meanField?.approximator.kind.rawValue ?? "the exact mean field"): the exploitability "
                                        + "is not finite after iteration \(completed); lower the learning rate")
            }
            return evaluation.exploitability
        }
    }

    /// Runs `iterations` updates of `algorithm` on `problem`'s game.
    public static func run(_ problem: DiscretisedProblem, algorithm: TabularAlgorithmName, learningRate: Double = 0.1,
                           approximator: (any DensityApproximator)?, agents: Int, iterations: Int, seed: UInt64,
                           progress: ((Int, Double) -> Void)? = nil) throws -> Result {
        guard iterations >= 1 else { throw ApproximatorError("the number of iterations must be at least 1, got \(iterations)") }
        let start = ContinuousClock.now
        var stepper = try Stepper(problem, algorithm: try algorithm.make(game: problem.game, learningRate: learningRate),
                                  approximator: approximator, agents: agents, seed: seed)
        var exploitability = [stepper.evaluation.exploitability]
        for k in 1 ... iterations {
            exploitability.append(try stepper.step())
            progress?(k, exploitability[k])
        }
        let d = problem.distances(stepper.evaluation.distribution)
        return Result(approximator: approximator?.kind.rawValue ?? "exact", algorithm: algorithm.rawValue, agents: agents, seed: seed,
                      exploitability: exploitability, l1: d.l1, w1: d.w1,
                      seconds: (ContinuousClock.now - start) / .seconds(1))
    }

    /// An offline learner (Off-MMD, tabular Off-MMD, in-sample) trained on `dataset`, with the
    /// approximator fitted to the dataset's importance-weighted states as its mean field
    /// (`DatasetMeanField`), or with the importance-sampling estimate itself when `approximator` is
    /// nil ("importance-sampling"). `agents` in the result is the number of episodes.
    public static func runOffline(_ problem: DiscretisedProblem, dataset: OfflineDataset, algorithm: OfflineAlgorithm,
                                  settings: OfflineSettings, approximator: (any DensityApproximator)?,
                                  progress: ((Int, Double) -> Void)? = nil) throws -> Result {
        let start = ContinuousClock.now
        let meanField = try approximator.map {
            try DatasetMeanField(dataset: dataset, layout: problem.layout, dt: problem.dt, approximator: $0, seed: settings.seed)
        }
        let training = try OfflineTraining(game: problem.game, dataset: dataset, algorithm: algorithm, settings: settings,
                                           meanField: meanField)
        let logs = try training.run(progress: { (log: OfflineLog) in progress?(log.iteration, log.exploitability) })
        if let meanField, meanField.failedFits > 0 {
            throw ApproximatorError("\(meanField.failedFits) of the \(approximator!.kind.rawValue) fits failed "
                                    + "(last: \(meanField.lastFailure ?? "?")); the run used the importance-sampling estimate there")
        }
        let d = problem.distances(training.evaluation.distribution)
        return Result(approximator: approximator?.kind.rawValue ?? "importance-sampling", algorithm: algorithm.rawValue,
                      agents: dataset.episodes, seed: settings.seed, exploitability: logs.map { $0.exploitability }, l1: d.l1, w1: d.w1,
                      seconds: (ContinuousClock.now - start) / .seconds(1))
    }
}
