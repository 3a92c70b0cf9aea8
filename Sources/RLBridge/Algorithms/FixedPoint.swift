/// Fixed point (Banach-Picard, OpenSpiel's `fixed_point.py`): `pi_{k+1}` = the greedy best response to
/// mu^{pi_k} (`ExactTools.bestResponse`: first maximiser, ties to 1e-12).
public struct FixedPoint: TabularAlgorithm {
    public private(set) var policy: [Double]

    /// From the uniform policy.
    public init(game: FiniteMFG) {
        policy = game.uniformPolicy
    }

    public mutating func update(from evaluation: Evaluation, tools: ExactTools) {
        tools.bestResponse(evaluation, into: &policy)
    }
}
