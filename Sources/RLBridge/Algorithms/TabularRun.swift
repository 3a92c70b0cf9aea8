/// One exploitability measurement per iteration.
public struct AlgorithmLog: Sendable {
    public var iteration: Int
    public var exploitability: Double
    public var seconds: Double
}

/// Runs a tabular algorithm on exact quantities: the initial policy is evaluated once, then each
/// iteration updates the policy from the evaluation of the current one and evaluates the new one
/// (distribution, rewards, Q^pi, best response, exploitability), which the next update reads.
public struct TabularRun {
    public let tools: ExactTools
    public private(set) var algorithm: any TabularAlgorithm
    /// The exact evaluation of the current policy.
    public private(set) var evaluation: Evaluation
    /// Set when a policy or its evaluation stopped being finite; `run` stops there, and no policy that
    /// is not finite is ever evaluated.
    public private(set) var failure: NonFiniteResult?
    /// What to change when the algorithm's update is not finite.
    static let advice = "the update overflowed; lower the learning rate (--learning-rate) or raise the temperature (--temperature)"

    public init(tools: ExactTools, algorithm: any TabularAlgorithm) {
        self.tools = tools
        self.algorithm = algorithm
        if let f = NonFiniteResult.check(policy: algorithm.policy, iteration: 0, advice: Self.advice) {
            failure = f
            evaluation = Evaluation()
            evaluation.exploitability = .nan
        } else {
            evaluation = tools.evaluate(algorithm.policy)
            failure = NonFiniteResult.check(evaluation, iteration: 0, advice: Self.advice)
        }
    }

    public init(game: FiniteMFG, algorithm: any TabularAlgorithm) {
        self.init(tools: ExactTools(game: game), algorithm: algorithm)
    }

    /// The current policy.
    public var policy: [Double] { algorithm.policy }
    /// The exploitability of the current policy.
    public var exploitability: Double { evaluation.exploitability }

    /// One iteration; returns the exploitability of the new policy.
    @discardableResult
    public mutating func step() -> Double {
        guard failure == nil else { return .nan }
        algorithm.update(from: evaluation, tools: tools)
        completed += 1
        if let f = NonFiniteResult.check(policy: algorithm.policy, iteration: completed, advice: Self.advice) {
            failure = f
            evaluation.exploitability = .nan
            return .nan
        }
        tools.evaluate(algorithm.policy, into: &evaluation)
        failure = NonFiniteResult.check(evaluation, iteration: completed, advice: Self.advice)
        return evaluation.exploitability
    }

    /// Iterations done so far.
    public private(set) var completed = 0

    /// Runs `iterations` iterations (at least one), logging the exploitability and the time since the start after each;
    /// stops after the iteration that set `failure` (its entry is logged, not finite).
    public mutating func run(iterations: Int, progress: ((AlgorithmLog) -> Void)? = nil) -> [AlgorithmLog] {
        let start = ContinuousClock.now
        var log: [AlgorithmLog] = []
        for k in 1...max(1, iterations) {
            if failure != nil { break }
            let e = step()
            let d = ContinuousClock.now - start
            let entry = AlgorithmLog(iteration: k, exploitability: e,
                                     seconds: Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18)
            log.append(entry)
            progress?(entry)
        }
        return log
    }
}
