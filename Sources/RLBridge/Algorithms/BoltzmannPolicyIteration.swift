/// Boltzmann policy iteration (OpenSpiel's `boltzmann_policy_iteration.py`):
/// `pi_{k+1} = softmax(Q^{pi_k} / temperature)` over the legal actions.
public struct BoltzmannPolicyIteration: TabularAlgorithm {
    public let temperature: Double
    public private(set) var policy: [Double]
    var logits: [Double]
    var softmax: SoftmaxRows

    /// From the uniform policy.
    public init(game: FiniteMFG, temperature: Double) throws {
        try Self.check(temperature: temperature)
        self.temperature = temperature
        softmax = SoftmaxRows(game: game, logSoftmax: false)
        policy = game.uniformPolicy
        logits = policy
    }

    static func check(temperature: Double) throws {
        guard temperature.isFinite, temperature > 0 else { throw RLError.usage("--temperature must be finite and > 0, got \(temperature)") }
    }

    public mutating func update(from evaluation: Evaluation, tools: ExactTools) {
        let temperature = temperature
        evaluation.policyQ.withUnsafeBufferPointer { q in
            logits.withUnsafeMutableBufferPointer { z in for k in 0..<z.count { z[k] = q[k] / temperature } }
        }
        softmax.apply(&logits, into: &policy)
    }
}
