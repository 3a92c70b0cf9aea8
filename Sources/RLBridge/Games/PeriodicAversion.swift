import Foundation

/// OpenSpiel's `python_mfg_periodic_aversion`: its parameters and the game.
extension OpenSpielGames {
    public static let periodicAversionParameters: [GameParameter] = [
        GameParameter("size", .integer, default: "21", "points of the periodic grid on [xmin, xmax]"),
        GameParameter("horizon", .integer, default: "20", "decision steps"),
        GameParameter("dt", .real, default: "0.01", "time step"),
        GameParameter("xmin", .real, default: "0.0", "left end of the domain"),
        GameParameter("xmax", .real, default: "1.0", "right end of the domain"),
        GameParameter("n_actions_per_side", .integer, default: "10", "moves of 1 ... n cells each way (2n + 1 actions, and as many noise jumps)"),
        GameParameter("volatility", .real, default: "1.0", "sigma of the Gaussian noise"),
        GameParameter("coef_aversion", .real, default: "1.0", "coefficient of -log(mu / dx)"),
    ]

    /// Periodic aversion (Almulla-Ferreira-Gomes 2017; OpenSpiel python_mfg_periodic_aversion):
    /// jumps of k cells, Gaussian noise jumps, reward
    /// `dt (-(k dx/dt)^2/2 - coef log(mu/dx + 1e-15) + sigma 2 pi^2 sin - 2 pi^2 cos^2 + (2/sigma^2) sin)`.
    public static func periodicAversion(
        size: Int, horizon: Int, dt: Double, xmin: Double, xmax: Double, actionsPerSide n: Int,
        volatility: Double, aversion: Double
    ) throws -> FiniteMFG {
        guard dt > 0, dt.isFinite, xmax > xmin, (xmax - xmin).isFinite, volatility > 0, volatility.isFinite, aversion.isFinite else {
            throw RLError.invalid("periodic_aversion needs finite parameters with dt > 0, xmax > xmin and volatility > 0")
        }
        let dx = (xmax - xmin) / Double(size - 1)
        let actions = 2 * n + 1
        let sd = volatility * dt.squareRoot()
        var noise = (0..<actions).map { a -> Double in
            let z = Double(a - n) * dx / sd
            return exp(-0.5 * z * z)
        }
        let total = noise.reduce(0, +)
        noise = noise.map { $0 / total }
        let probabilities = noise
        // The state's geometric term and each action's kinetic cost, fixed for the whole game.
        let geometry = (0..<size).map { s -> Double in
            let pos = xmin + Double(s) * dx
            let pix2 = 2 * Double.pi * pos
            return volatility * 2 * Double.pi * Double.pi * sin(pix2)
                - 2 * Double.pi * Double.pi * cos(pix2) * cos(pix2) + (2 / (volatility * volatility)) * sin(pix2)
        }
        let moveCost = (0..<actions).map { a -> Double in
            let velocity = Double(a - n) * dx / dt
            return -0.5 * velocity * velocity * dt
        }
        guard moveCost.allSatisfy(\.isFinite), geometry.allSatisfy(\.isFinite), probabilities.allSatisfy(\.isFinite) else {
            throw RLError.invalid("periodic_aversion: the rewards are not finite with dt = \(dt), volatility = \(volatility) on \(size) states "
                                  + "(the largest move costs (n dx/dt)^2 dt/2 = \(-(moveCost.first ?? 0))); raise dt or volatility")
        }
        var game = try FiniteMFG(
            name: "periodic_aversion", states: size, actions: actions, horizon: horizon,
            initialDistribution: [Double](repeating: 1 / Double(size), count: size),
            transitions: { s, a in
                (0..<actions).map { j in (((s + a - n + j - n) % size + size) % size, probabilities[j]) }
            },
            reward: { t, mu, _, out in
                // log(mu/dx + 1e-15) of every state into out[0 ..< size], then spread over the actions
                // from the last state down (state s writes from s * actions >= s, after reading out[s]).
                for s in 0..<size { out[s] = mu[s] / dx + 1e-15 }
                VectorLog.logarithm(out, count: size)
                let last = t == horizon - 1
                for s in stride(from: size - 1, through: 0, by: -1) {
                    let base = (aversion * -out[s] + geometry[s]) * dt
                    for a in 0..<actions { out[s * actions + a] = base + (last ? 0 : moveCost[a]) }
                }
            })
        try game.factor(move: { s, a in ((s + a - n) % size + size) % size },
                        noise: { j in (0..<actions).map { k in (((j + k - n) % size + size) % size, probabilities[k]) } })
        // dR(s', a')/dmu_t(s) = -[s = s'] coef dt / (mu_t(s) + 1e-15 dx).
        game.rewardGradient = { _, mu, _, w, now, next in
            for s in 0..<size {
                var weight = 0.0
                for a in 0..<actions { weight += w[s * actions + a] }
                now[s] = -aversion * dt * weight / (mu[s] + 1e-15 * dx)
                next[s] = 0
            }
        }
        return game
    }
}
