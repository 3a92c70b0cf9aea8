import Foundation

/// OpenSpiel's `mfg_crowd_modelling_2d` (C++, open_spiel 2.0.2) on a size x size torus, state
/// `s = x size + y`. Actions 0..4 move by x {0, -1, 0, 1, 0}, y {-1, 0, 0, 0, 1} (2 = stay); moves into
/// forbidden cells are not legal. Noise: a legal move of the same set from the new position, each
/// with probability `noise / L`, plus `1 - noise` on staying. Reward at (x, y, t):
/// `-coef log(mu_t + 1e-25)`, plus (unless only_distribution_reward) the positional rewards
/// `1 - sum 2 v |x - x_i| / size`, the same in y, and the move cost `-(|dx| + |dy|)/size` of the previous
/// action (times the density with congestion), charged here at the step of the move. The parameters,
/// OpenSpiel's presets and the placement of start cells: `CrowdModelling2DParameters.swift`.
///
/// OpenSpiel registers no distribution before the first decision, so its reward at t = 0 uses the
/// uniform distribution, whatever the start; here it uses mu_0. Both values shift by the same amount
/// (the agent's state at t = 0 does not depend on its policy), so the exploitability is the same.
public enum CrowdModelling2D {
    static let moveX = [0, -1, 0, 1, 0], moveY = [-1, 0, 0, 0, 1]

    public struct Settings: Sendable {
        public var size = 10, horizon = 10
        public var onlyDistributionReward = false, withCongestion = false
        public var noiseIntensity = 1.0, crowdAversion = 1.0
        /// Walls (x, y).
        public var forbidden: [(Int, Int)] = []
        /// (x, y, mass): the cells where agents start (after OpenSpiel's swap of its `a|b` entries:
        /// `settings(from:)`), masses used as given; empty: uniform over all cells.
        public var initial: [(Int, Int, Double)] = []
        /// (x, y, weight); empty: the centre with weight 1.
        public var positional: [(Int, Int, Double)] = []
        public init() {}
    }

    public static func make(_ c: Settings) throws -> FiniteMFG {
        let n = c.size
        guard n >= 2, c.horizon >= 1 else { throw RLError.invalid("crowd_modelling_2d needs size >= 2 and horizon >= 1") }
        guard c.noiseIntensity >= 0, c.noiseIntensity <= 1 else {
            throw RLError.invalid("noise_intensity must lie in [0, 1], got \(c.noiseIntensity)")
        }
        var blocked = [Bool](repeating: false, count: n * n)
        for (x, y) in c.forbidden { blocked[x * n + y] = true }
        func target(_ s: Int, _ a: Int) -> Int {
            let x = s / n, y = s % n
            return ((x + moveX[a] + n) % n) * n + (y + moveY[a] + n) % n
        }
        // OpenSpiel's kEpsilon is a float: 1e-25 rounded to 32 bits (it matters where mu = 0).
        let epsilon = Double(Float(1e-25))
        var mu0 = [Double](repeating: c.initial.isEmpty ? 1 / Double(n * n) : 0, count: n * n)
        for (x, y, p) in c.initial { mu0[x * n + y] += p }
        let positional = c.positional.isEmpty ? [(n / 2, n / 2, 1.0)] : c.positional
        var base = [Double](repeating: 0, count: n * n)
        for s in 0..<(n * n) {
            var rx = 1.0, ry = 1.0
            for (px, py, v) in positional {
                rx -= 2 * v / Double(n) * Double(abs(s / n - px))
                ry -= 2 * v / Double(n) * Double(abs(s % n - py))
            }
            base[s] = rx + ry
        }
        let positionalReward = base
        let horizon = c.horizon, only = c.onlyDistributionReward, congestion = c.withCongestion
        let coef = c.crowdAversion, noise = c.noiseIntensity
        // Cells with no legal move (inside walls; never reached) get a "stay" self-loop.
        let stuck = (0..<(n * n)).map { s in (0..<5).allSatisfy { blocked[target(s, $0)] } }
        // Successor distributions, reused by the congestion term.
        var successors = [[(Int, Double)]](repeating: [], count: n * n * 5)
        for s in 0..<(n * n) {
            if stuck[s] { successors[s * 5 + 2] = [(s, 1)]; continue }
            for a in 0..<5 where !blocked[target(s, a)] {
                let s1 = target(s, a)
                let moves = (0..<5).filter { !blocked[target(s1, $0)] }
                let p = noise / Double(moves.count)
                successors[s * 5 + a] = moves.map { (target(s1, $0), $0 == 2 ? 1 - noise + p : p) }
            }
        }
        let table = successors
        var game = try FiniteMFG(
            name: only ? "crowd_modelling_2d (only_distribution_reward)" : "crowd_modelling_2d",
            states: n * n, actions: 5, horizon: horizon, initialDistribution: mu0, massTolerance: 1e-4,
            legal: { s, a in stuck[s] ? a == 2 : !blocked[target(s, a)] },
            transitions: { s, a in table[s * 5 + a] },
            reward: { t, mu, next, out in
                for s in 0..<(n * n) {
                    var r = -coef * log(mu[s] + epsilon)
                    if !only { r += positionalReward[s] }
                    for a in 0..<5 {
                        var v = r
                        if !only && t < horizon - 1 {
                            let cost = -Double(abs(moveX[a]) + abs(moveY[a])) / Double(n)
                            if congestion {
                                var e = 0.0
                                for (q, p) in table[s * 5 + a] { e += p * next[q] }
                                v += cost * e
                            } else {
                                v += cost
                            }
                        }
                        out[s * 5 + a] = v
                    }
                }
            })
        game.gridSize = [n, n]
        // The noise depends on the cell reached by the move only.
        try game.factor(move: { s, a in stuck[s] ? s : target(s, a) },
                        noise: { j in
                            if stuck[j] || blocked[j] { return [(j, 1)] }
                            let moves = (0..<5).filter { !blocked[target(j, $0)] }
                            let p = noise / Double(moves.count)
                            return moves.map { (target(j, $0), $0 == 2 ? 1 - noise + p : p) }
                        })
        // dR(s', a')/dmu_t(s) = -[s = s'] coef / (mu_t(s) + epsilon); with congestion (and the positional and
        // move rewards), dR(s', a')/dmu_{t+1}(q) = cost(a') P(q | s', a') before the last step.
        game.rewardGradient = { t, mu, _, w, now, next in
            for q in 0..<(n * n) { next[q] = 0 }
            for s in 0..<(n * n) {
                var weight = 0.0
                for a in 0..<5 { weight += w[s * 5 + a] }
                now[s] = -coef * weight / (mu[s] + epsilon)
                guard !only, congestion, t < horizon - 1 else { continue }
                for a in 0..<5 where w[s * 5 + a] != 0 {
                    let cost = -Double(abs(moveX[a]) + abs(moveY[a])) / Double(n)
                    for (q, p) in table[s * 5 + a] { next[q] += w[s * 5 + a] * cost * p }
                }
            }
        }
        return game
    }
}
