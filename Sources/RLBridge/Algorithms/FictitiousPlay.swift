/// Fictitious play (OpenSpiel's `fictitious_play.py`): at the k-th update (k = 1, 2, ...), with BR the
/// greedy best response to mu^pi and `w = 1/(k+1)`,
/// `pi <- ((1-w) mu^pi pi + w mu^BR BR) / ((1-w) mu^pi + w mu^BR)` per (t, s), and the uniform policy
/// where both distributions vanish. pi_0 is uniform.
public struct FictitiousPlay: TabularAlgorithm {
    public private(set) var policy: [Double]
    /// Updates made so far.
    public private(set) var iteration = 0
    let uniform: [Double]
    // Scratch of one update: the best response and its distribution.
    var bestResponse: [Double]
    var bestResponseDistribution: [Double]

    /// From the uniform policy.
    public init(game: FiniteMFG) {
        uniform = game.uniformPolicy
        policy = uniform
        bestResponse = uniform
        bestResponseDistribution = [Double](repeating: 0, count: (game.horizon + 1) * game.states)
    }

    public mutating func update(from evaluation: Evaluation, tools: ExactTools) {
        iteration += 1
        tools.bestResponse(evaluation, into: &bestResponse)
        tools.distribution(of: bestResponse, into: &bestResponseDistribution)
        let w = 1 / Double(iteration + 1)
        let S = tools.game.states, A = tools.game.actions, rows = tools.game.horizon * S
        policy.withUnsafeMutableBufferPointer { pi in
          evaluation.distribution.withUnsafeBufferPointer { mu in
            bestResponse.withUnsafeBufferPointer { br in
              bestResponseDistribution.withUnsafeBufferPointer { muBR in
                uniform.withUnsafeBufferPointer { u in
                    // Rows are (t, s) in order, so the distributions' index t S + s is the row.
                    for row in 0..<rows {
                        let d = mu[row], dBR = muBR[row]
                        let norm = (1 - w) * d + w * dBR
                        if norm > 0 {
                            for a in 0..<A { pi[row * A + a] = ((1 - w) * d * pi[row * A + a] + w * dBR * br[row * A + a]) / norm }
                        } else {
                            for a in 0..<A { pi[row * A + a] = u[row * A + a] }
                        }
                    }
                }
              }
            }
          }
        }
    }
}
