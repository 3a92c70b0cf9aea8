import Foundation

/// Munchausen mirror descent (OpenSpiel's `munchausen_mirror_descent.py`):
/// `pi_{k+1} = softmax(lr Q^{pi_k} + alpha log pi_k)` over the legal actions. With alpha = 1 its iterates
/// are mirror descent's; it keeps `log pi_k` instead of OpenSpiel's chain of policies, so every iteration
/// costs the same.
public struct MunchausenMirrorDescent: TabularAlgorithm {
    public let learningRate: Double
    public let alpha: Double
    public private(set) var policy: [Double]
    /// `log pi_k` (after an update; the logits during one).
    var logPolicy: [Double]
    var softmax: SoftmaxRows

    /// From the uniform policy (`log pi_0 = -log A` on every action), or from `initialPolicy`
    /// (`log max(pi, 1e-12)`).
    public init(game: FiniteMFG, learningRate: Double, alpha: Double, initialPolicy: [Double]? = nil) throws {
        try MirrorDescent.check(learningRate: learningRate)
        try Self.check(alpha: alpha)
        self.learningRate = learningRate
        self.alpha = alpha
        softmax = SoftmaxRows(game: game, logSoftmax: true)
        if let initialPolicy {
            try game.checkShape(of: initialPolicy)
            policy = initialPolicy
            logPolicy = SoftmaxRows.warmStartLog(initialPolicy)
        } else {
            policy = game.uniformPolicy
            logPolicy = [Double](repeating: log(1 / Double(game.actions)), count: game.policySize)
        }
    }

    static func check(alpha: Double) throws {
        guard alpha.isFinite, alpha >= 0, alpha <= 1 else { throw RLError.usage("--alpha must lie in [0, 1], got \(alpha)") }
    }

    public mutating func update(from evaluation: Evaluation, tools: ExactTools) {
        let lr = learningRate, a = alpha
        evaluation.policyQ.withUnsafeBufferPointer { q in
            logPolicy.withUnsafeMutableBufferPointer { c in for k in 0..<c.count { c[k] = lr * q[k] + a * c[k] } }
        }
        softmax.apply(&logPolicy, into: &policy, replacingLogitsByLogSoftmax: true)
    }
}
