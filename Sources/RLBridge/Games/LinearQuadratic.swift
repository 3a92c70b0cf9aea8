import Foundation

/// OpenSpiel's `mean_field_lin_quad` (Perrin et al. 2020, section 4.1) on a ring of `size` states:
/// H = ceil(horizon/dt) steps; action i moves by m = i - n plus the mean reversion,
/// `x <- x + round((m + mean_revert (mean(mu_t) - x)) dt)`, then noise
/// `x <- round(x + e sqrt(dt) sigma)`, e in -n...n with the discretised N(0, sigma^2) probabilities
/// (tails lumped), rounding half to even as Python's `round`, and `mean(mu_t)` summed as numpy's
/// `np.sum` does (`numpySum`), so that ties round as in OpenSpiel. Reward at (x, t) with the previous
/// move m and `D = mean(mu_t) - x`: `dt/2 (-m^2 + 2 q m D - kappa D^2)` (the terminal cost of the
/// code is never paid). Here the move terms of step t are charged at step t in expectation over the
/// next state (with mu_{t+1}), unless t is the last step. With mean_revert != 0 the moves depend on
/// mu_t (`MoveThenNoise.populationMove`).
public enum LinearQuadraticGame {
    /// OpenSpiel's parameters with its defaults. `terminal_cost` and `spatial_bias` are accepted with any
    /// value, as OpenSpiel accepts them: its game stores them and never uses them (the terminal cost sits
    /// in a branch that is never reached).
    public static let parameters: [GameParameter] = [
        GameParameter("size", .integer, default: "10", "states of the ring"),
        GameParameter("horizon", .integer, default: "10", "time horizon: ceil(horizon / dt) steps"),
        GameParameter("dt", .real, default: "1.0", "time step"),
        GameParameter("n_actions_per_side", .integer, default: "3", "moves -n ... n (2n + 1 actions, and as many noise values)"),
        GameParameter("volatility", .real, default: "1.0", "sigma of the noise"),
        GameParameter("mean_revert", .real, default: "0.0", "K of the move towards the population's mean"),
        GameParameter("cross_q", .real, default: "0.01", "q, weight of the cross term 2 q m (mean - x)"),
        GameParameter("kappa", .real, default: "0.5", "weight of -(mean - x)^2"),
        GameParameter("terminal_cost", .real, default: "1.0", "stored and never used by OpenSpiel's game (accepted, no effect)"),
        GameParameter("spatial_bias", .integer, default: "0", "stored and never used by OpenSpiel's game (accepted, no effect)"),
    ]

    public static func make(
        size: Int, horizon: Double, dt: Double, actionsPerSide n: Int, volatility: Double, meanRevert: Double,
        crossQ: Double, kappa: Double
    ) throws -> FiniteMFG {
        guard dt > 0, horizon > 0, volatility > 0, size >= 2, meanRevert.isFinite else {
            throw RLError.invalid("linear_quadratic needs size >= 2, horizon > 0, dt > 0, volatility > 0 and a finite mean_revert")
        }
        let actions = 2 * n + 1
        // Every count and every jump is checked in Double before it becomes an Int.
        let needed = (horizon / dt).rounded(.up)
        try RLLimits.checkGame("linear_quadratic", states: Double(size), actions: Double(actions), horizon: needed,
                               advice: "horizon / dt = \(horizon) / \(dt) is the number of steps; raise dt or lower the horizon")
        let steps = Int(needed)
        // The largest move, |a - n| + |mean_revert| size, times dt, and the largest noise jump n sqrt(dt) volatility,
        // in cells: rounded to Int, so they must be far from Int's range (a jump of 1e15 cells wraps like any other).
        let largestMove = (Double(n) + abs(meanRevert) * Double(size)) * dt, largestJump = Double(n) * dt.squareRoot() * volatility
        guard largestMove <= 1e15, largestJump <= 1e15 else {
            throw RLError.invalid("linear_quadratic: a step moves up to (n_actions_per_side + |mean_revert| size) dt = \(largestMove) cells "
                                  + "and the noise up to n_actions_per_side sqrt(dt) volatility = \(largestJump) cells; both must be at most 1e15: "
                                  + "lower dt, volatility or mean_revert")
        }
        func phi(_ z: Double) -> Double { 0.5 * erfc(-z / 2.0.squareRoot()) }
        var noise = (0..<actions).map { k -> Double in
            let e = Double(k - n)
            return phi((e + 0.5) / volatility) - phi((e - 0.5) / volatility)
        }
        noise[0] += phi((Double(-n) - 0.5) / volatility)
        noise[actions - 1] += 1 - phi((Double(n) + 0.5) / volatility)
        let probabilities = noise
        @Sendable func wrap(_ v: Int) -> Int { ((v % size) + size) % size }
        // The noise from the moved-to state j.
        let noiseRows: [[(Int, Double)]] = (0..<size).map { j in
            (0..<actions).map { k in (wrap(Int((Double(j) + Double(k - n) * dt.squareRoot() * volatility).rounded(.toNearestOrEven))), probabilities[k]) }
        }
        // The move of action a from s when the population's mean is `mean`.
        @Sendable func moved(_ s: Int, _ a: Int, mean: Double) -> Int {
            let full = (Double(a - n) + meanRevert * (mean - Double(s))) * dt
            return wrap(s + Int(full.rounded(.toNearestOrEven)))
        }
        let mu0 = [Double](repeating: 1 / Double(size), count: size)
        let mean0 = mu0.withUnsafeBufferPointer { Self.mean(of: $0.baseAddress!, size: size) }
        var game = try FiniteMFG(
            name: "linear_quadratic", states: size, actions: actions, horizon: steps, initialDistribution: mu0,
            transitions: { s, a in noiseRows[moved(s, a, mean: mean0)] },
            reward: { t, mu, next, out in
                let mean = Self.mean(of: mu, size: size), meanNext = Self.mean(of: next, size: size)
                for s in 0..<size {
                    let d = mean - Double(s)
                    for a in 0..<actions {
                        var r = -dt / 2 * kappa * d * d
                        if t < steps - 1 {
                            let m = Double(a - n)
                            for (q, p) in noiseRows[moved(s, a, mean: mean)] {
                                r += p * dt / 2 * (-m * m + 2 * crossQ * m * (meanNext - Double(q)))
                            }
                        }
                        out[s * actions + a] = r
                    }
                }
            })
        let populationMove: MoveThenNoise.PopulationMove = { _, mu, move in
            let mean = Self.mean(of: mu, size: size)
            for s in 0..<size { for a in 0..<actions { move[s * actions + a] = Int32(moved(s, a, mean: mean)) } }
        }
        try game.factor(move: { s, a in moved(s, a, mean: mean0) }, noise: { noiseRows[$0] },
                        populationMove: meanRevert == 0 ? nil : populationMove)
        return game
    }

    /// `mean(mu) = sum_x x mu(x)` as OpenSpiel computes it, `np.sum(np.arange(size) * mu)`.
    static func mean(of mu: UnsafePointer<Double>, size: Int) -> Double {
        withUnsafeTemporaryAllocation(of: Double.self, capacity: size) { products in
            for x in 0..<size { products[x] = Double(x) * mu[x] }
            return numpySum(products.baseAddress!, count: size)
        }
    }

    /// numpy's pairwise summation of a contiguous float64 array (`np.sum`): in order below 8 terms,
    /// eight interleaved partial sums up to 128 terms, two halves (split at a multiple of 8) above.
    static func numpySum(_ a: UnsafePointer<Double>, count n: Int) -> Double {
        if n < 8 {
            var r = 0.0
            for i in 0..<n { r += a[i] }
            return r
        }
        if n <= 128 {
            var r = SIMD8<Double>(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7])
            var i = 8
            while i < n - n % 8 {
                r += SIMD8<Double>(a[i], a[i + 1], a[i + 2], a[i + 3], a[i + 4], a[i + 5], a[i + 6], a[i + 7])
                i += 8
            }
            var total = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]))
            while i < n { total += a[i]; i += 1 }
            return total
        }
        var half = n / 2
        half -= half % 8
        return numpySum(a, count: half) + numpySum(a + half, count: n - half)
    }
}
