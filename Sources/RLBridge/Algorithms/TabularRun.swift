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
    public init(tools: ExactTools, algorithm: any TabularAlgorithm) {
        self.tools = tools
        self.algorithm = algorithm
        evaluation = tools.evaluate(algorithm.policy)
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
        algorithm.update(from: evaluation, tools: tools)
        tools.evaluate(algorithm.policy, into: &evaluation)
        return evaluation.exploitability
    }

    /// Runs `iterations` iterations (at least one), logging the exploitability and the time since the start after each.
    public mutating func run(iterations: Int, progress: ((AlgorithmLog) -> Void)? = nil) -> [AlgorithmLog] {
        let start = ContinuousClock.now
        var log: [AlgorithmLog] = []
        for k in 1...max(1, iterations) {
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
