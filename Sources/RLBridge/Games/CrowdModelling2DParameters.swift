/// The parameters of `mfg_crowd_modelling_2d` with OpenSpiel 2.0.2's names, defaults and syntax, its
/// two presets (OpenSpiel's `crowd_modelling_2d_four_rooms` and `crowd_modelling_2d_maze` settings of
/// `python/mfg/games/factory.py`), and the reading of a parameter set into `CrowdModelling2D.Settings`,
/// where OpenSpiel's placements are made explicit:
/// - `initial_distribution` entry `a|b` is cell (b, a): OpenSpiel turns `a|b` into the chance outcome
///   `b + a size` and reads an outcome k as x = k mod size, y = k / size (`[2|2;6|5]` starts at (2, 2)
///   and (5, 6));
/// - `forbidden_states` and `positional_reward` entries `x|y` are cells (x, y);
/// - the masses of `initial_distribution_value` and the weights of `positional_reward_value` are 32-bit
///   floats, used as given (not normalised): OpenSpiel's mass is 1.0000000298 for `[0.4;0.6]`.
extension CrowdModelling2D {
    /// OpenSpiel's parameters with its defaults.
    public static let parameters: [GameParameter] = [
        GameParameter("size", .integer, default: "10", "cells per side of the torus"),
        GameParameter("horizon", .integer, default: "10", "decision steps"),
        GameParameter("only_distribution_reward", .boolean, default: "false", "reward -crowd_aversion_coef log(mu) only (no position or move terms)"),
        GameParameter("forbidden_states", .cells, default: "[]", "walls x|y: no move enters them"),
        GameParameter("initial_distribution", .cells, default: "[]", "start cells a|b (the agent starts at (b, a), as in OpenSpiel); [] uniform on all cells"),
        GameParameter("initial_distribution_value", .floats, default: "[]", "mass of each start cell (32-bit floats summing to 1 within 1e-4)"),
        GameParameter("positional_reward", .cells, default: "[]", "attracting cells x|y; [] the centre (size/2, size/2)"),
        GameParameter("positional_reward_value", .floats, default: "[]", "weight v_i of each: reward 1 - sum 2 v_i |x - x_i| / size, the same in y"),
        GameParameter("with_congestion", .boolean, default: "false", "the move cost is multiplied by the density of the cell reached"),
        GameParameter("noise_intensity", .real, default: "1.0", "probability spread uniformly over the legal moves after each move, in [0, 1]"),
        GameParameter("crowd_aversion_coef", .real, default: "1.0", "coefficient of -log(mu)"),
    ]

    static let fourRoomsMap = [
        "#############", "#     #     #", "#     #     #", "#           #", "#     #     #", "#     #     #",
        "### ##### ###", "#     #     #", "#     #     #", "#           #", "#     #     #", "#     #     #",
        "#############",
    ]

    static let mazeMap = [
        "######################", "#      #     #     # #", "#      #     #     # #", "######    #  # ##  # #",
        "#         #  # #   # #", "#         #  # ### # #", "#  ########  #   #   #", "#    # # #  ##   #   #",
        "#    # # #     # # ###", "#    # # #     # # # #", "###### # ####### # # #", "#  #         #   # # #",
        "#  # ## ###  #   # # #", "## # #    #  ##### # #", "## # # #  #      # # #", "#    # ####        # #",
        "# ####  # ########   #", "#       #  #   # ### #", "#  #  # #  # # #   # #", "# ##### #    # #     #",
        "#            #       #", "######################",
    ]

    /// The parameters of a preset: OpenSpiel's setting (walls, horizon, start at (1, 1), only the
    /// distribution reward) as defaults; `size` is fixed by the walls.
    public static func presetParameters(_ map: [String], horizon: Int) -> [GameParameter] {
        let preset = ["size": "\(map.count)", "horizon": "\(horizon)", "only_distribution_reward": "true",
                      "forbidden_states": forbiddenStates(map), "initial_distribution": "[1|1]", "initial_distribution_value": "[1.0]"]
        return parameters.map { p in
            preset[p.name].map { GameParameter(p.name, p.kind, default: $0, p.name == "size" ? "fixed by the walls" : p.doc) } ?? p
        }
    }

    /// The '#' cells of a map given row by row (row y, column x) as a list `[x|y;...]`, as OpenSpiel's
    /// `grid_to_forbidden_states`.
    static func forbiddenStates(_ rows: [String]) -> String {
        var cells: [String] = []
        for (y, row) in rows.enumerated() { for (x, c) in row.enumerated() where c == "#" { cells.append("\(x)|\(y)") } }
        return "[" + cells.joined(separator: ";") + "]"
    }

    /// The settings of a parameter set (of `parameters` or a preset's), with OpenSpiel's checks and
    /// placements; `preset` refuses a size (the walls are drawn for theirs).
    public static func settings(from p: GameParameters, preset: Bool = false) throws -> Settings {
        let game = p.game
        if preset, p.isGiven("size") {
            let size = p.declared.first { $0.name == "size" }?.defaultText ?? "?"
            throw RLError.invalid("\(game): the preset has size \(size) (its walls are drawn for it); use crowd_modelling_2d with forbidden_states for another size")
        }
        var c = Settings()
        c.size = try p.integer("size", atLeast: 2)
        c.horizon = try p.integer("horizon", atLeast: 1)
        c.onlyDistributionReward = p.boolean("only_distribution_reward")
        c.withCongestion = p.boolean("with_congestion")
        c.noiseIntensity = p.real("noise_intensity")
        c.crowdAversion = p.real("crowd_aversion_coef")
        guard c.noiseIntensity >= 0, c.noiseIntensity <= 1 else {
            throw RLError.invalid("\(game): noise_intensity must lie in [0, 1], got \(c.noiseIntensity)")
        }
        let n = c.size
        func cells(_ name: String) throws -> [GridCell] {
            let list = p.cells(name)
            guard list.count <= n * n else { throw RLError.invalid("\(game): \(name) has \(list.count) entries, more than the \(n * n) cells") }
            if let bad = list.first(where: { !(0..<n).contains($0.x) || !(0..<n).contains($0.y) }) {
                throw RLError.invalid("\(game): \(name) entry \(bad) lies outside the grid 0...\(n - 1)")
            }
            return list
        }
        func values(_ name: String, for cellsName: String, count: Int) throws -> [Double] {
            let list = p.floats(name)
            guard list.count == count else {
                throw RLError.invalid("\(game): \(name) has \(list.count) values for the \(count) cells of \(cellsName)")
            }
            return list
        }
        let forbidden = try cells("forbidden_states")
        let walls = Set(forbidden)
        c.forbidden = forbidden.map { ($0.x, $0.y) }
        let start = try cells("initial_distribution")
        let masses = try values("initial_distribution_value", for: "initial_distribution", count: start.count)
        if start.isEmpty, !walls.isEmpty {
            throw RLError.invalid("\(game): with forbidden_states give initial_distribution: OpenSpiel's uniform start puts agents on the forbidden cells too, where its game has no position")
        }
        if let bad = start.first(where: { walls.contains($0) }) {
            throw RLError.invalid("\(game): initial_distribution entry \(bad) is a forbidden state (OpenSpiel refuses the overlap)")
        }
        if let bad = start.first(where: { walls.contains(GridCell($0.y, $0.x)) }) {
            throw RLError.invalid("\(game): initial_distribution entry \(bad) starts at cell \(bad.y)|\(bad.x) (OpenSpiel reads a|b as (b, a)), which is forbidden")
        }
        if let bad = masses.first(where: { $0 < 0 }) {
            throw RLError.invalid("\(game): initial_distribution_value has a negative mass \(bad)")
        }
        let total = masses.reduce(0, +)
        if !start.isEmpty, abs(total - 1) >= 1e-4 {
            throw RLError.invalid("\(game): initial_distribution_value sums to \(total), not 1 (OpenSpiel's tolerance is 1e-4)")
        }
        c.initial = zip(start, masses).map { ($0.y, $0.x, $1) }
        let attractors = try cells("positional_reward")
        let weights = try values("positional_reward_value", for: "positional_reward", count: attractors.count)
        c.positional = zip(attractors, weights).map { ($0.x, $0.y, $1) }
        return c
    }
}
