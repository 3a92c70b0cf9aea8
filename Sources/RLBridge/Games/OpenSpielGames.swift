import Foundation

/// OpenSpiel's mean-field games (open_spiel 2.0.2), reproduced with its conventions:
/// rewards at step t use the distribution of step t and the move made at t-1 is charged at t
/// (so the move of the last step is free and there is no terminal reward). Here the move of step t is
/// charged at step t itself unless t is the last step: the same expected returns, hence the true
/// values and exploitability. (OpenSpiel's own evaluators cache values by "(x, t)", which drops the
/// previous move; see docs/rl.md.)
public enum OpenSpielGames {
    public static let names = ["crowd_modelling", "periodic_aversion", "linear_quadratic", "crowd_modelling_2d", "crowd_modelling_2d_four_rooms", "crowd_modelling_2d_maze", "four_rooms", "wardrop"]
    /// The games that give the exact derivative of their rewards with respect to the distribution
    /// (`FiniteMFG.rewardGradient`), which the social objective needs (`SocialObjective.swift`).
    public static let socialNames = ["wardrop", "crowd_modelling", "periodic_aversion", "crowd_modelling_2d", "crowd_modelling_2d_four_rooms", "crowd_modelling_2d_maze", "four_rooms"]

    /// `rl run`'s learning rate and number of iterations when they are not given: 0.1 and 100, except on
    /// wardrop (`Wardrop.learningRate`, `Wardrop.iterations`: its equilibrium is reached only as 1/k).
    public static func runDefaults(for name: String) -> (learningRate: Double, iterations: Int) {
        name == "wardrop" ? (Wardrop.learningRate, Wardrop.iterations) : (0.1, 100)
    }

    /// Parses `name=value` settings: numbers, booleans (true/false) and the four-rooms task names.
    public static func parse(settings: [String]) throws -> [String: Double] {
        var values: [String: Double] = [:]
        for item in settings {
            let parts = item.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2, !parts[0].isEmpty else { throw RLError.invalid("--set expects NAME=VALUE, got '\(item)'") }
            if let v = Double(parts[1]), v.isFinite {
                values[parts[0]] = v
            } else if ["true", "false"].contains(parts[1].lowercased()) {
                values[parts[0]] = parts[1].lowercased() == "true" ? 1 : 0
            } else if parts[0] == "task", let task = FourRooms.Task.allCases.firstIndex(where: { $0.rawValue == parts[1] }) {
                values[parts[0]] = Double(task)
            } else {
                throw RLError.invalid("--set \(parts[0]): '\(parts[1])' is not a number\(parts[0] == "task" ? " or a task (exploration, navigation)" : "")")
            }
        }
        return values
    }

    /// Game by OpenSpiel's short name and parameters (`size=13`, `horizon=7`, ...).
    public static func make(_ name: String, parameters: [String: Double]) throws -> FiniteMFG {
        func check(_ allowed: [String]) throws {
            for key in parameters.keys where !allowed.contains(key) {
                throw RLError.invalid("unknown parameter '\(key)' of \(name); parameters: \(allowed.joined(separator: ", "))")
            }
        }
        func integer(_ key: String, _ fallback: Int, minimum: Int) throws -> Int {
            guard let v = parameters[key] else { return fallback }
            guard v == v.rounded(), v >= Double(minimum), v <= 1e6 else {
                throw RLError.invalid("\(name): \(key) must be an integer >= \(minimum), got \(v)")
            }
            return Int(v)
        }
        switch name {
        case "crowd_modelling", "mfg_crowd_modelling", "python_mfg_crowd_modelling":
            try check(["size", "horizon"])
            return try crowdModelling(size: integer("size", 10, minimum: 2), horizon: integer("horizon", 10, minimum: 1))
        case "periodic_aversion", "python_mfg_periodic_aversion":
            try check(["size", "horizon", "dt", "xmin", "xmax", "n_actions_per_side", "volatility", "coef_aversion"])
            return try periodicAversion(
                size: integer("size", 21, minimum: 2), horizon: integer("horizon", 20, minimum: 1),
                dt: parameters["dt"] ?? 0.01, xmin: parameters["xmin"] ?? 0, xmax: parameters["xmax"] ?? 1,
                actionsPerSide: integer("n_actions_per_side", 10, minimum: 0), volatility: parameters["volatility"] ?? 1,
                aversion: parameters["coef_aversion"] ?? 1)
        case "linear_quadratic", "mean_field_lin_quad":
            try check(["size", "horizon", "dt", "n_actions_per_side", "volatility", "mean_revert", "cross_q", "kappa", "terminal_cost", "spatial_bias"])
            // terminal_cost and spatial_bias are accepted as OpenSpiel accepts them: its game stores them
            // and never uses them (the terminal cost sits in a branch that is never reached).
            return try LinearQuadraticGame.make(
                size: integer("size", 10, minimum: 2), horizon: parameters["horizon"] ?? 10, dt: parameters["dt"] ?? 1,
                actionsPerSide: integer("n_actions_per_side", 3, minimum: 0), volatility: parameters["volatility"] ?? 1,
                meanRevert: parameters["mean_revert"] ?? 0, crossQ: parameters["cross_q"] ?? 0.01, kappa: parameters["kappa"] ?? 0.5)
        case "crowd_modelling_2d", "mfg_crowd_modelling_2d", "crowd_modelling_2d_four_rooms", "crowd_modelling_2d_maze":
            try check(["size", "horizon", "only_distribution_reward", "with_congestion", "noise_intensity", "crowd_aversion_coef"])
            let preset = name.hasSuffix("four_rooms") || name.hasSuffix("maze")
            var c = name.hasSuffix("four_rooms") ? CrowdModelling2D.fourRooms()
                : name.hasSuffix("maze") ? CrowdModelling2D.maze() : CrowdModelling2D.Settings()
            c.size = try integer("size", c.size, minimum: 2)
            c.horizon = try integer("horizon", c.horizon, minimum: 1)
            c.onlyDistributionReward = (parameters["only_distribution_reward"] ?? (c.onlyDistributionReward ? 1 : 0)) != 0
            c.withCongestion = (parameters["with_congestion"] ?? 0) != 0
            c.noiseIntensity = parameters["noise_intensity"] ?? c.noiseIntensity
            c.crowdAversion = parameters["crowd_aversion_coef"] ?? c.crowdAversion
            if preset, parameters["size"] != nil {
                throw RLError.invalid("the \(name) preset has size \(c.size) (its walls are drawn for it)")
            }
            return try CrowdModelling2D.make(c)
        case "four_rooms":
            // Off-MMD's deterministic task (not an OpenSpiel game): task=0 exploration, 1 navigation.
            try check(["task", "horizon", "discount"])
            let task = parameters["task"] ?? 0
            guard task == 0 || task == 1 else { throw RLError.invalid("four_rooms: task must be exploration (0) or navigation (1)") }
            return try FourRooms.make(task: task == 0 ? .exploration : .navigation, horizon: integer("horizon", 40, minimum: 1),
                                      discount: parameters["discount"] ?? 0.99)
        case "wardrop":
            try check(Wardrop.parameters)
            return try Wardrop.make(timeA: parameters["time_a"] ?? 1, slopeA: parameters["slope_a"] ?? 1,
                                    timeB: parameters["time_b"] ?? 2, slopeB: parameters["slope_b"] ?? 0.5)
        default:
            let hint = names.first { $0.hasPrefix(String(name.prefix(4))) }.map { " (did you mean '\($0)'?)" } ?? ""
            throw RLError.invalid("unknown game '\(name)'\(hint); games: \(names.joined(separator: ", "))")
        }
    }

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

    /// Periodic aversion (Almulla-Ferreira-Gomes 2017; OpenSpiel python_mfg_periodic_aversion):
    /// jumps of k cells, Gaussian noise jumps, reward
    /// `dt (-(k dx/dt)^2/2 - coef log(mu/dx + 1e-15) + sigma 2 pi^2 sin - 2 pi^2 cos^2 + (2/sigma^2) sin)`.
    public static func periodicAversion(
        size: Int, horizon: Int, dt: Double, xmin: Double, xmax: Double, actionsPerSide n: Int,
        volatility: Double, aversion: Double
    ) throws -> FiniteMFG {
        guard dt > 0, xmax > xmin, volatility > 0 else {
            throw RLError.invalid("periodic_aversion needs dt > 0, xmax > xmin and volatility > 0")
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
