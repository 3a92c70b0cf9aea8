import Foundation

/// OpenSpiel's mean-field games (open_spiel 2.0.2), reproduced with its conventions:
/// rewards at step t use the distribution of step t and the move made at t-1 is charged at t
/// (so the move of the last step is free and there is no terminal reward). Here the move of step t is
/// charged at step t itself unless t is the last step: the same expected returns, hence the true
/// values and exploitability. (OpenSpiel's own evaluators cache values by "(x, t)", which drops the
/// previous move; see docs/rl.md.)
///
/// Each game declares its parameters with OpenSpiel's names, types and defaults (`GameDefinition`,
/// `GameParameter`); `parameters(_:settings:)` reads them from a game string and `--set` items.
public enum OpenSpielGames {
    public static var names: [String] { definitions.map(\.name) }
    /// The games that give the exact derivative of their rewards with respect to the distribution
    /// (`FiniteMFG.rewardGradient`), which the social objective needs (`SocialObjective.swift`).
    public static let socialNames = ["wardrop", "crowd_modelling", "periodic_aversion", "crowd_modelling_2d", "crowd_modelling_2d_four_rooms", "crowd_modelling_2d_maze", "four_rooms"]

    /// `rl run`'s learning rate and number of iterations when they are not given: 0.1 and 100, except on
    /// wardrop (`Wardrop.learningRate`, `Wardrop.iterations`: its equilibrium is reached only as 1/k).
    /// `name` may be a game string or one of OpenSpiel's names.
    public static func runDefaults(for name: String) -> (learningRate: Double, iterations: Int) {
        let game = (try? GameString.parse(name)).flatMap { try? definition(named: $0.name).name } ?? name
        return game == "wardrop" ? (Wardrop.learningRate, Wardrop.iterations) : (0.1, 100)
    }

    /// The games, in the order of `names`, with their parameters (OpenSpiel's names and defaults).
    public static let definitions: [GameDefinition] = [
        GameDefinition("crowd_modelling", aliases: ["mfg_crowd_modelling", "python_mfg_crowd_modelling"],
                       "OpenSpiel's crowd modelling on a ring (the beach bar)", parameters: crowdModellingParameters) { p in
            try crowdModelling(size: p.integer("size", atLeast: 2), horizon: p.integer("horizon", atLeast: 1))
        },
        GameDefinition("periodic_aversion", aliases: ["python_mfg_periodic_aversion"],
                       "OpenSpiel's periodic aversion (Almulla-Ferreira-Gomes)", parameters: periodicAversionParameters) { p in
            try periodicAversion(size: p.integer("size", atLeast: 2), horizon: p.integer("horizon", atLeast: 1), dt: p.real("dt"),
                                 xmin: p.real("xmin"), xmax: p.real("xmax"), actionsPerSide: p.integer("n_actions_per_side", atLeast: 0),
                                 volatility: p.real("volatility"), aversion: p.real("coef_aversion"))
        },
        GameDefinition("linear_quadratic", aliases: ["mean_field_lin_quad"],
                       "OpenSpiel's mean_field_lin_quad", parameters: LinearQuadraticGame.parameters) { p in
            try LinearQuadraticGame.make(
                size: p.integer("size", atLeast: 2), horizon: Double(p.integer("horizon", atLeast: 1)), dt: p.real("dt"),
                actionsPerSide: p.integer("n_actions_per_side", atLeast: 0), volatility: p.real("volatility"),
                meanRevert: p.real("mean_revert"), crossQ: p.real("cross_q"), kappa: p.real("kappa"))
        },
        GameDefinition("crowd_modelling_2d", aliases: ["mfg_crowd_modelling_2d"],
                       "OpenSpiel's crowd modelling on a torus, with walls", parameters: CrowdModelling2D.parameters) { p in
            try CrowdModelling2D.make(CrowdModelling2D.settings(from: p))
        },
        GameDefinition("crowd_modelling_2d_four_rooms", "OpenSpiel's four-rooms setting of mfg_crowd_modelling_2d",
                       parameters: CrowdModelling2D.presetParameters(CrowdModelling2D.fourRoomsMap, horizon: 40)) { p in
            try CrowdModelling2D.make(CrowdModelling2D.settings(from: p, preset: true))
        },
        GameDefinition("crowd_modelling_2d_maze", "OpenSpiel's maze setting of mfg_crowd_modelling_2d",
                       parameters: CrowdModelling2D.presetParameters(CrowdModelling2D.mazeMap, horizon: 100)) { p in
            try CrowdModelling2D.make(CrowdModelling2D.settings(from: p, preset: true))
        },
        GameDefinition("four_rooms", "Off-MMD's deterministic four-rooms task (not an OpenSpiel game)", parameters: FourRooms.parameters) { p in
            let discount = p.real("discount")
            return try FourRooms.make(task: FourRooms.Task(rawValue: p.choice("task"))!, horizon: p.integer("horizon", atLeast: 1),
                                      discount: discount)
        },
        GameDefinition("wardrop", "the two-road routing game (not an OpenSpiel game)", parameters: Wardrop.parameters) { p in
            try Wardrop.make(timeA: p.real("time_a"), slopeA: p.real("slope_a"), timeB: p.real("time_b"), slopeB: p.real("slope_b"))
        },
        GameDefinition("ising", "the mean-field Ising game, mean-field Q-learning's known answer (not an OpenSpiel game)",
                       parameters: MeanFieldIsing.parameters) { p in
            try MeanFieldIsing.make(field: p.real("field"), coupling: p.real("coupling"))
        },
    ]

    /// The definition of a game by solve-mfg's name or one of OpenSpiel's.
    public static func definition(named name: String) throws -> GameDefinition {
        if let d = definitions.first(where: { $0.answers(to: name) }) { return d }
        let hint = names.first { $0.hasPrefix(String(name.prefix(4))) }.map { " (did you mean '\($0)'?)" } ?? ""
        throw RLError.invalid("unknown game '\(name)'\(hint); games: \(names.joined(separator: ", ")) (or OpenSpiel's names: \(definitions.flatMap(\.aliases).joined(separator: ", ")))")
    }

    /// The parameters of `game`, a name or a game string as OpenSpiel writes a loaded game
    /// (`mfg_crowd_modelling_2d(size=7,horizon=6)`), with `settings` (`name=value` items, `--set`)
    /// taking precedence over the string's values.
    public static func parameters(_ game: String, settings: [String] = []) throws -> GameParameters {
        let (name, inline) = try GameString.parse(game)
        let d = try definition(named: name)
        let overrides = try GameParameters.items(settings)
        let overridden = Set(overrides.map(\.name))
        _ = try GameParameters(game: d.name, declared: d.parameters, items: inline)  // the string alone: no repeats
        return try GameParameters(game: d.name, declared: d.parameters,
                                  items: inline.filter { !overridden.contains($0.name) } + overrides)
    }

    /// The game of a checked parameter set.
    public static func make(_ parameters: GameParameters) throws -> FiniteMFG {
        try definition(named: parameters.game).build(parameters)
    }

    /// The game named `game` (a name or a game string) with `--set` items.
    public static func make(_ game: String, settings: [String]) throws -> FiniteMFG {
        try make(parameters(game, settings: settings))
    }

    /// The game with numeric parameters (a convenience for code and tests; integral values are written
    /// as integers, booleans as 0 and 1, choices by position).
    public static func make(_ name: String, parameters: [String: Double]) throws -> FiniteMFG {
        try make(name, settings: parameters.sorted { $0.key < $1.key }.map { key, v in
            v == v.rounded() && abs(v) < 1e15 ? "\(key)=\(Int(v))" : "\(key)=\(v)"
        })
    }

    /// One line per game with its parameters and defaults (`rl run --help`).
    public static var parameterHelp: String { definitions.map(\.helpLine).joined(separator: "\n") }

}
