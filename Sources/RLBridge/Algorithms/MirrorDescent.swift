import Foundation

/// Online mirror descent (Perolat et al. 2021, OpenSpiel's `mirror_descent.py`):
/// `pi_{k+1} = softmax(y_{k+1})`, `y_{k+1} = y_k + lr Q^{pi_k}` over the legal actions, `y_0 = 0`.
public struct MirrorDescent: TabularAlgorithm {
    public let learningRate: Double
    public private(set) var policy: [Double]
    /// The accumulated logits y_k.
    var cumulative: [Double]
    var softmax: SoftmaxRows

    /// From the uniform policy, or from `initialPolicy` (a warm start: `y_0 = log max(pi, 1e-12)`, so
    /// that no action is shut out for good).
    public init(game: FiniteMFG, learningRate: Double, initialPolicy: [Double]? = nil) throws {
        try Self.check(learningRate: learningRate)
        self.learningRate = learningRate
        softmax = SoftmaxRows(game: game, logSoftmax: false)
        if let initialPolicy {
            try game.checkShape(of: initialPolicy)
            policy = initialPolicy
            cumulative = SoftmaxRows.warmStartLog(initialPolicy)
        } else {
            policy = game.uniformPolicy
            cumulative = [Double](repeating: 0, count: game.policySize)
        }
    }

    static func check(learningRate: Double) throws {
        guard learningRate.isFinite, learningRate > 0 else { throw RLError.usage("--learning-rate must be finite and > 0, got \(learningRate)") }
    }

    public mutating func update(from evaluation: Evaluation, tools: ExactTools) {
        let lr = learningRate
        evaluation.policyQ.withUnsafeBufferPointer { q in
            cumulative.withUnsafeMutableBufferPointer { c in for k in 0..<c.count { c[k] += lr * q[k] } }
        }
        softmax.apply(&cumulative, into: &policy)
    }
}
