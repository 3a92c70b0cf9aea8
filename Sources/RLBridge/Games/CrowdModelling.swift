import Foundation

/// OpenSpiel's `mfg_crowd_modelling` (and `python_mfg_crowd_modelling`): its parameters and the game.
extension OpenSpielGames {
    public static let crowdModellingParameters: [GameParameter] = [
        GameParameter("size", .integer, default: "10", "cells of the ring"),
        GameParameter("horizon", .integer, default: "10", "decision steps"),
    ]

    /// Crowd modelling on a ring (Perrin et al. 2020, the "beach bar"): moves {-1, 0, +1}, then uniform
    /// noise {-1, 0, +1}; reward `1 - |x - size/2|/(size/2) - |move|/size - log(mu(x) + 1e-25)`.
    public static func crowdModelling(size: Int, horizon: Int) throws -> FiniteMFG {
        let half = Double(size / 2)
        let positional = (0..<size).map { 1 - abs(Double($0) - half) / half }
        var game = try FiniteMFG(
            name: "crowd_modelling", states: size, actions: 3, horizon: horizon,
            initialDistribution: [Double](repeating: 1 / Double(size), count: size),
            transitions: { s, a in
                (-1...1).map { e in (((s + a - 1 + e) % size + size) % size, 1.0 / 3) }
            },
            reward: { t, mu, _, out in
                let moveCost = t < horizon - 1 ? 1 / Double(size) : 0
                // log(mu + 1e-25) of every state into out[0 ..< size], then spread over the actions from
                // the last state down (state s writes 3s ... 3s + 2 >= s, after reading out[s]).
                for s in 0..<size { out[s] = mu[s] + 1e-25 }
                VectorLog.logarithm(out, count: size)
                for s in stride(from: size - 1, through: 0, by: -1) {
                    let base = positional[s] - out[s]
                    out[s * 3] = base - moveCost
                    out[s * 3 + 1] = base
                    out[s * 3 + 2] = base - moveCost
                }
            })
        try game.factor(move: { s, a in ((s + a - 1) % size + size) % size },
                        noise: { j in (-1...1).map { e in ((j + e) % size + size) % size }.map { ($0, 1.0 / 3) } })
        // dR(s', a')/dmu_t(s) = -[s = s'] / (mu_t(s) + 1e-25).
        game.rewardGradient = { _, mu, _, w, now, next in
            for s in 0..<size {
                now[s] = -(w[s * 3] + w[s * 3 + 1] + w[s * 3 + 2]) / (mu[s] + 1e-25)
                next[s] = 0
            }
        }
        return game
    }
}
