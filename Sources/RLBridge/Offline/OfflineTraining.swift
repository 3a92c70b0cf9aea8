import Foundation
import Neural

/// One evaluation of the learned policy, after `iteration` outer iterations.
public struct OfflineLog: Sendable {
    public var iteration: Int
    public var exploitability: Double
    /// Mean over steps of the L1 distance between the importance-sampling estimate of this policy's
    /// mean field and the exact one (0 when the learner uses the exact mean field).
    public var meanFieldError: Double
    public var seconds: Double
    public var l1DistanceToPde: Double?
    public var w1DistanceToPde: Double?
}

/// Trains an offline learner (or D-MOMD) by name and evaluates its policy exactly before the first
/// outer iteration and after each: exploitability against its own mean field and the error of the
/// mean-field estimate.
public final class OfflineTraining {
    public let game: FiniteMFG
    public let algorithm: OfflineAlgorithm
    public let settings: OfflineSettings
    public let learner: any OfflineLearner
    let tools: ExactTools
    /// The estimator whose error the logs report (nil where the learner uses the exact mean field).
    let estimator: (any MeanFieldEstimate)?
    /// The exact evaluation of the current policy, as of the last log entry.
    public private(set) var evaluation = Evaluation()

    /// Checks the settings, and for the offline learners the dataset against the game (D-MOMD samples
    /// its own and takes none), then builds the learner. `meanField`, when given, replaces the
    /// importance-sampling estimate (`MeanFieldEstimator`) as the learners' mean field.
    public init(game: FiniteMFG, dataset: OfflineDataset?, algorithm: OfflineAlgorithm, settings: OfflineSettings,
                meanField: (any MeanFieldEstimate)? = nil) throws {
        guard !game.populationDependentDynamics else { throw RLError.unsupportedDynamics(game.name, "offline learning and D-MOMD") }
        try settings.check(for: algorithm)
        self.game = game
        self.algorithm = algorithm
        self.settings = settings
        tools = ExactTools(game: game)
        // The networks and the table of every (t, s) observation, checked before the table is built.
        let inputs = OfflineFeatures.count(for: game)
        try RLLimits.checkNetwork(inputs: inputs, hidden: settings.hidden, outputs: game.actions, batch: settings.batchSize)
        try RLLimits.checkGame(game.name, states: Double(game.states), actions: Double(inputs), horizon: Double(game.horizon),
                               advice: "the networks see one-hot states: use a smaller game for the neural learners")
        let features = OfflineFeatures(game: game)
        // What the offline learners share: the dataset's minibatches and the relabelling of its rewards.
        var offline: (batches: TransitionBatches, relabelling: MeanFieldRelabelling, estimator: (any MeanFieldEstimate)?)?
        if algorithm != .dMOMD, let dataset {
            try Self.check(dataset, of: game)
            let estimator = settings.exactMeanField ? nil : meanField ?? MeanFieldEstimator(dataset: dataset)
            offline = (TransitionBatches(dataset: dataset, features: features, batchSize: settings.batchSize, seed: settings.seed),
                       MeanFieldRelabelling(source: estimator.map { .estimate($0) } ?? .exact, tools: tools), estimator)
        }
        switch (algorithm, offline) {
        case (.dMOMD, _):
            estimator = nil
            learner = DMOMD(game: game, settings: settings, features: features, tools: tools)
        case let (.offMMD, d?):
            estimator = d.estimator
            learner = OffMMD(game: game, settings: settings, cqlWeight: settings.cqlWeight, batches: d.batches, relabelling: d.relabelling)
        case let (.tabularOffMMD, d?):
            estimator = d.estimator
            learner = TabularOffMMD(game: game, settings: settings, relabelling: d.relabelling)
        case let (.behaviorCloning, d?):
            estimator = d.estimator
            learner = BehaviorCloning(game: game, settings: settings, batches: d.batches)
        case let (.inSample, d?):
            estimator = d.estimator
            learner = InSampleLearner(game: game, settings: settings, batches: d.batches, relabelling: d.relabelling)
        case (_, nil):
            throw RLError.invalid("\(algorithm.rawValue) needs a dataset")
        }
    }

    /// Refuses a dataset of another game, malformed, or with actions the game does not allow.
    static func check(_ dataset: OfflineDataset, of game: FiniteMFG) throws {
        let S = game.states, A = game.actions, H = game.horizon
        guard dataset.states == S, dataset.actions == A, dataset.horizon == H else {
            throw RLError.invalid("the dataset (\(dataset.states) states, \(dataset.actions) actions, horizon \(dataset.horizon)) is not of \(game.name) (\(S), \(A), \(H))")
        }
        try dataset.validate()
        for (i, a) in dataset.actionsTaken.enumerated() {
            let s = Int(dataset.statesVisited[(i / H) * (H + 1) + i % H])
            guard game.legal[s * A + Int(a)] else {
                throw RLError.invalid("dataset: action \(a) at episode \(i / H), step \(i % H) is not legal in state \(s) of \(game.name)")
            }
        }
    }

    /// The current policy.
    public var policy: [Double] { learner.policy }
    /// Set when `run` stopped on a non-finite policy or evaluation: what, and the logs before it.
    public private(set) var failure: (result: NonFiniteResult, logs: [OfflineLog])?

    /// Runs `settings.iterations` outer iterations, evaluating the policy before the first and after
    /// each; `measure` adds distances to a PDE density; `stop` (a time budget) ends the run after the
    /// first iteration for whose log it returns true.
    public func run(measure: (([Double]) -> (Double, Double))? = nil, progress: ((OfflineLog) -> Void)? = nil,
                    stop: ((OfflineLog) -> Bool)? = nil) throws -> [OfflineLog] {
        let clock = ContinuousClock(), start = clock.now
        let H = game.horizon
        var logs: [OfflineLog] = []
        var estimate: [Double] = []
        let advice = "the networks' updates overflowed; lower --learning-rate or raise --tau"
        func record(_ k: Int) throws {
            let policy = learner.policy
            if let f = NonFiniteResult.check(policy: policy, iteration: k, advice: advice) { failure = (f, logs); throw f }
            tools.evaluate(policy, into: &evaluation)
            if let f = NonFiniteResult.check(evaluation, iteration: k, advice: advice) { failure = (f, logs); throw f }
            // The estimate the next iteration will use, against the exact mean field of this policy.
            var meanFieldError = 0.0
            if let estimator {
                estimator.estimate(policy: policy, into: &estimate)
                for j in 0..<estimate.count { meanFieldError += abs(estimate[j] - evaluation.distribution[j]) }
                meanFieldError /= Double(H + 1)
            }
            let d = measure?(evaluation.distribution)
            let elapsed = clock.now - start
            let entry = OfflineLog(iteration: k, exploitability: evaluation.exploitability, meanFieldError: meanFieldError,
                                   seconds: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18,
                                   l1DistanceToPde: d?.0, w1DistanceToPde: d?.1)
            logs.append(entry)
            progress?(entry)
        }
        try record(0)
        for k in 1...settings.iterations {
            try learner.iterate()
            try record(k)
            if let stop, stop(logs[k]) { break }
        }
        return logs
    }

    /// Writes the trained networks (`q.mlp`, `v.mlp`, `policy.mlp`, whichever the learner has) into
    /// `directory`; returns their file names. Format: `Sources/Neural/MLPFile.swift`.
    @discardableResult
    public func writeNetworks(to directory: URL) throws -> [String] {
        for (file, network) in learner.networks { try network.write(to: directory.appendingPathComponent(file)) }
        return learner.networks.map(\.file)
    }
}
