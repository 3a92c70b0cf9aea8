/// The tabular algorithms by name (`rl run --algorithm`), each in its own file.
public enum TabularAlgorithmName: String, CaseIterable, Sendable {
    /// `FixedPoint`: the greedy best response to mu^pi.
    case fixedPoint = "fixed-point"
    /// `FictitiousPlay`: the average of the best responses, weighted by their distributions.
    case fictitiousPlay = "fictitious-play"
    /// `MirrorDescent`: `softmax(lr sum_{j<=k} Q_j)`.
    case mirrorDescent = "mirror-descent"
    /// `MunchausenMirrorDescent`: `softmax(lr Q_k + alpha log pi_k)`.
    case munchausenMirrorDescent = "munchausen-mirror-descent"
    /// `BoltzmannPolicyIteration`: `softmax(Q_k / temperature)`.
    case boltzmannPolicyIteration = "boltzmann-policy-iteration"

    /// The algorithm of this name on `game`, from the uniform policy. Every setting is checked, whether
    /// this algorithm uses it or not.
    public func make(game: FiniteMFG, learningRate: Double = 0.1, alpha: Double = 1, temperature: Double = 1) throws -> any TabularAlgorithm {
        try Self.check(learningRate: learningRate, alpha: alpha, temperature: temperature)
        switch self {
        case .fixedPoint: return FixedPoint(game: game)
        case .fictitiousPlay: return FictitiousPlay(game: game)
        case .mirrorDescent: return try MirrorDescent(game: game, learningRate: learningRate)
        case .munchausenMirrorDescent: return try MunchausenMirrorDescent(game: game, learningRate: learningRate, alpha: alpha)
        case .boltzmannPolicyIteration: return try BoltzmannPolicyIteration(game: game, temperature: temperature)
        }
    }

    /// Refuses a learning rate or a temperature that is not positive, or alpha outside [0, 1].
    public static func check(learningRate: Double, alpha: Double, temperature: Double) throws {
        try MirrorDescent.check(learningRate: learningRate)
        try MunchausenMirrorDescent.check(alpha: alpha)
        try BoltzmannPolicyIteration.check(temperature: temperature)
    }
}
