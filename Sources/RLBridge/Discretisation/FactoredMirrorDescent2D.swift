import Foundation

/// Mirror descent (`MirrorDescent`: `y_{k+1} = y_k + lr Q^{pi_k}`, `pi = softmax(y)`) on a factored
/// 2D game, where `Q` splits by axis and the iterates stay product policies: the per-axis logits
/// are the whole state, each iteration one forward pass and one backward sweep that evaluates
/// `pi_k` and updates it (`FactoredTools2D.sweep`). Memory: the logits, `2 H S K` numbers, and the
/// distribution, `(H + 1) S`.
public struct FactoredMirrorDescent2D {
    public let tools: FactoredTools2D
    public let learningRate: Double
    /// The current iterate pi_k.
    public private(set) var policy: FactoredPolicy2D
    /// Updates done so far (k).
    public private(set) var completed = 0

    public init(tools: FactoredTools2D, learningRate: Double, initialPolicy: FactoredPolicy2D? = nil) throws {
        try MirrorDescent.check(learningRate: learningRate)
        self.tools = tools
        self.learningRate = learningRate
        let policy = initialPolicy ?? FactoredPolicy2D(game: tools.game)
        let size = tools.game.horizon * tools.game.states * tools.game.velocities.count
        guard policy.x.count == size, policy.y.count == size else {
            throw RLError.invalid("\(tools.game.name): a factored policy has \(size) logits per axis, got \(policy.x.count) and \(policy.y.count)")
        }
        self.policy = policy
    }

    /// The distribution of the iterate last evaluated (`[H+1][S]`; empty before the first evaluation).
    public private(set) var distribution: [Double] = []

    /// The evaluation of the current iterate (its distribution into `distribution`), then, with
    /// `update`, one step to the next iterate. Refuses (`NonFiniteResult`) a distribution or values
    /// that are not finite.
    public mutating func evaluate(update: Bool) throws -> FactoredTools2D.Evaluation {
        tools.distribution(of: policy, into: &distribution)
        guard distribution.allSatisfy(\.isFinite) else {
            throw NonFiniteResult(quantity: "the distribution", iteration: completed, advice: TabularRun.advice)
        }
        let e = tools.sweep(&policy, along: distribution, mirrorStep: update ? learningRate : nil)
        guard e.exploitability.isFinite, e.expectedReturn.isFinite else {
            throw NonFiniteResult(quantity: "the exploitability", iteration: completed,
                                  advice: "the game's rewards or values are not finite along this policy; check the game's parameters (--set)")
        }
        if update { completed += 1 }
        return e
    }

    /// `iterations` updates from the current iterate: the evaluations of the first and of the last
    /// iterate (`iterations + 1` evaluations, as `TabularRun`); `distribution` is then the last one's.
    public mutating func run(iterations: Int) throws -> (first: FactoredTools2D.Evaluation, last: FactoredTools2D.Evaluation) {
        let first = try evaluate(update: iterations > 0)
        guard iterations > 0 else { return (first, first) }
        for _ in 1..<iterations { _ = try evaluate(update: true) }
        return (first, try evaluate(update: false))
    }
}
