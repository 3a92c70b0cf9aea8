import Foundation

/// OpenSpiel's `mean_field_lin_quad` (Perrin et al. 2020, section 4.1) on a ring of `size` states:
/// H = ceil(horizon/dt) steps; action i moves by m = i - n (`x <- x + round(m dt)`), then noise
/// `x <- round(x + e sqrt(dt) sigma)`, e in -n...n with the discretised N(0, sigma^2) probabilities
/// (tails lumped), rounding half to even as Python's `round`. Reward at (x, t) with the previous
/// move m and `D = mean(mu_t) - x`: `dt/2 (-m^2 + 2 q m D - kappa D^2)` (the terminal cost of the
/// code is never paid). Here the move terms of step t are charged at step t in expectation over the
/// next state (with mu_{t+1}), unless t is the last step. `mean_revert` must be 0 (otherwise the
/// dynamics depend on mu).
public enum LinearQuadraticGame {
    public static func make(
        size: Int, horizon: Double, dt: Double, actionsPerSide n: Int, volatility: Double, meanRevert: Double,
        crossQ: Double, kappa: Double
    ) throws -> FiniteMFG {
        guard meanRevert == 0 else {
            throw RLError.invalid("linear_quadratic with mean_revert != 0 has dynamics that depend on the distribution; only mean_revert = 0 is supported")
        }
        guard dt > 0, horizon > 0, volatility > 0, size >= 2 else {
            throw RLError.invalid("linear_quadratic needs size >= 2, horizon > 0, dt > 0 and volatility > 0")
        }
        let steps = Int((horizon / dt).rounded(.up))
        let actions = 2 * n + 1
        func phi(_ z: Double) -> Double { 0.5 * erfc(-z / 2.0.squareRoot()) }
        var noise = (0..<actions).map { k -> Double in
            let e = Double(k - n)
            return phi((e + 0.5) / volatility) - phi((e - 0.5) / volatility)
        }
        noise[0] += phi((Double(-n) - 0.5) / volatility)
        noise[actions - 1] += 1 - phi((Double(n) + 0.5) / volatility)
        let probabilities = noise
        func wrap(_ v: Int) -> Int { ((v % size) + size) % size }
        var table = [[(Int, Double)]]()
        for s in 0..<size {
            for a in 0..<actions {
                let moved = wrap(s + Int((Double(a - n) * dt).rounded(.toNearestOrEven)))
                table.append((0..<actions).map { k in
                    (wrap(Int((Double(moved) + Double(k - n) * dt.squareRoot() * volatility).rounded(.toNearestOrEven))), probabilities[k])
                })
            }
        }
        let successors = table
        return try FiniteMFG(
            name: "linear_quadratic", states: size, actions: actions, horizon: steps,
            initialDistribution: [Double](repeating: 1 / Double(size), count: size),
            transitions: { s, a in successors[s * actions + a] },
            reward: { t, mu, next, out in
                var mean = 0.0, meanNext = 0.0
                for s in 0..<size { mean += Double(s) * mu[s]; meanNext += Double(s) * next[s] }
                for s in 0..<size {
                    let d = mean - Double(s)
                    for a in 0..<actions {
                        var r = -dt / 2 * kappa * d * d
                        if t < steps - 1 {
                            let m = Double(a - n)
                            for (q, p) in successors[s * actions + a] {
                                r += p * dt / 2 * (-m * m + 2 * crossQ * m * (meanNext - Double(q)))
                            }
                        }
                        out[s * actions + a] = r
                    }
                }
            })
    }
}
