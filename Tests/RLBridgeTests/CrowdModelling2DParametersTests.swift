import Foundation
import Testing
@testable import RLBridge

/// crowd_modelling_2d's parameters land where OpenSpiel 2.0.2 puts them, and its exploitability equals
/// OpenSpiel's nash_conv (exact here: only_distribution_reward) on the game of the acceptance
/// command. The reference numbers were printed by OpenSpiel 2.0.2 (PyPI open_spiel==2.0.2) with
/// `bench/openspiel_compare.py --parameters` (docs/rl.md).
@Suite struct CrowdModelling2DParametersTests {
    static let settings = GameParametersTests.acceptanceSettings

    func message(_ settings: [String], game: String = "crowd_modelling_2d") -> String {
        do { _ = try OpenSpielGames.make(game, settings: settings); return "" } catch { return "\(error)" }
    }

    @Test func startCellsWallsAndMasses() throws {
        let g = try OpenSpielGames.make("crowd_modelling_2d", settings: Self.settings)
        let n = 9
        // OpenSpiel's chance outcomes: (20, 0.4000000059604645) -> state "(2, 2, 0)" and
        // (59, 0.6000000238418579) -> "(5, 6, 0)": the entry 6|5 starts at x = 5, y = 6.
        var expected = [Double](repeating: 0, count: n * n)
        expected[2 * n + 2] = 0.4000000059604645
        expected[5 * n + 6] = 0.6000000238418579
        #expect(g.initialDistribution == expected)
        // No move enters a wall; every other move on the torus is legal.
        let walls: Set = [4 * n + 1, 4 * n + 2, 4 * n + 3]
        let dx = [0, -1, 0, 1, 0], dy = [-1, 0, 0, 0, 1]
        for s in 0..<(n * n) where !walls.contains(s) {
            for a in 0..<5 {
                let target = ((s / n + dx[a] + n) % n) * n + (s % n + dy[a] + n) % n
                #expect(g.legal[s * 5 + a] == !walls.contains(target), "state \(s) action \(a)")
            }
        }
        // No mass ever reaches a wall.
        let mu = ExactTools(game: g).evaluate(g.uniformPolicy).distribution
        for t in 0...g.horizon { for w in walls { #expect(mu[t * n * n + w] == 0) } }
        // Three entries: a|b starts at (b, a) (OpenSpiel: [(3, 0.25, "(3, 0, 0)"), (16, 0.25, "(2, 2, 0)"), (43, 0.5, "(1, 6, 0)")]).
        let h = try OpenSpielGames.make("crowd_modelling_2d", settings: ["size=7", "initial_distribution=[0|3;6|1;2|2]",
                                                                         "initial_distribution_value=[0.25;0.5;0.25]"])
        #expect(h.initialDistribution[3 * 7 + 0] == 0.25 && h.initialDistribution[1 * 7 + 6] == 0.5 && h.initialDistribution[2 * 7 + 2] == 0.25)
    }

    /// OpenSpiel's rewards at the decision states (3, 4, 0) and (0, 6, 0) of size 7 with positional_reward
    /// [1|2;5|5], positional_reward_value [0.5;1.5], crowd_aversion_coef 0.7 (uniform start): 2.8671313515345815
    /// and 1.4385599229631532 (`state.rewards()`).
    @Test func positionalRewards() throws {
        let g = try OpenSpielGames.make("crowd_modelling_2d", settings: ["size=7", "horizon=3", "positional_reward=[1|2;5|5]",
                                                                         "positional_reward_value=[0.5;1.5]", "crowd_aversion_coef=0.7"])
        let mu = [Double](repeating: 1.0 / 49, count: 49)
        var out = [Double](repeating: 0, count: 49 * 5)
        mu.withUnsafeBufferPointer { m in out.withUnsafeMutableBufferPointer { g.reward(0, m.baseAddress!, m.baseAddress!, $0.baseAddress!) } }
        // The stay action carries no move cost: the state's reward.
        #expect(abs(out[(3 * 7 + 4) * 5 + 2] - 2.8671313515345815) <= 1e-14)
        #expect(abs(out[(0 * 7 + 6) * 5 + 2] - 1.4385599229631532) <= 1e-14)
    }

    @Test func whatOpenSpielCannotPlaceIsRefused() {
        let cases: [([String], String)] = [
            (["forbidden_states=[2|2]", "initial_distribution=[2|2]", "initial_distribution_value=[1.0]"], "entry 2|2 is a forbidden state"),
            (["forbidden_states=[4|1]", "initial_distribution=[1|4]", "initial_distribution_value=[1.0]"], "entry 1|4 starts at cell 4|1"),
            (["initial_distribution=[1|1;2|2]", "initial_distribution_value=[1.0]"], "initial_distribution_value has 1 values for the 2 cells"),
            (["initial_distribution=[1|1;2|2]", "initial_distribution_value=[0.5;0.4]"], "sums to 0.9"),
            (["initial_distribution=[1|1;2|2]", "initial_distribution_value=[1.5;-0.5]"], "negative mass"),
            (["size=9", "forbidden_states=[9|0]", "initial_distribution=[1|1]", "initial_distribution_value=[1.0]"], "entry 9|0 lies outside the grid 0...8"),
            (["forbidden_states=[4|1]"], "with forbidden_states give initial_distribution"),
            (["positional_reward=[1|1]"], "positional_reward_value has 0 values for the 1 cells"),
            (["noise_intensity=1.5"], "noise_intensity must lie in [0, 1]"),
            (["size=1"], "size must be an integer in 2...1000000"),
            (["size=2", "forbidden_states=[0|0;0|1;1|0;1|1;0|0]"], "has 5 entries, more than the 4 cells"),
        ]
        for (settings, reason) in cases {
            let m = message(settings)
            #expect(m.contains(reason), "\(settings): \(m)")
        }
        #expect(message(["size=15"], game: "crowd_modelling_2d_four_rooms").contains("the preset has size 13"))
    }

    /// OpenSpiel's presets: its factory settings (walls, horizon, start at (1, 1), only_distribution_reward).
    @Test func presetsAreOpenSpielSettings() throws {
        let g = try OpenSpielGames.make("crowd_modelling_2d_four_rooms", settings: [])
        #expect(g.horizon == 40 && g.states == 169 && g.initialDistribution[1 * 13 + 1] == 1)
        #expect(g.name.contains("only_distribution_reward"))
        let forbidden = try OpenSpielGames.parameters("crowd_modelling_2d_four_rooms").cells("forbidden_states")
        #expect(forbidden.count == 65 && forbidden.contains(GridCell(6, 1)) && !forbidden.contains(GridCell(6, 3)))
        let maze = try OpenSpielGames.parameters("crowd_modelling_2d_maze")
        #expect(maze.integer("size") == 22 && maze.integer("horizon") == 100)
        // Overriding a preset's parameter other than its size.
        #expect(try OpenSpielGames.make("crowd_modelling_2d_four_rooms", settings: ["horizon=6", "only_distribution_reward=false"]).horizon == 6)
    }

    /// Per-iteration nash_conv of OpenSpiel 2.0.2 on the acceptance game: the uniform policy, its
    /// FictitiousPlay and FixedPoint (unchanged), and its MirrorDescent with lr 0.1 whose tree walk
    /// evaluates pi_k (the projected policy frozen during the walk; OpenSpiel's own walk reads the
    /// cumulative values it is updating: docs/rl.md).
    @Test func exploitabilityEqualsOpenSpielNashConv() throws {
        let g = try OpenSpielGames.make("crowd_modelling_2d", settings: Self.settings)
        #expect(abs(ExactTools(game: g).evaluate(g.uniformPolicy).exploitability - 2.92732993186954) <= 1e-9)
        let references: [(TabularAlgorithmName, [Double])] = [
            (.fictitiousPlay, [3.4754887560869534, 2.902708421969095, 2.4076483179836323, 1.2505374781787246, 0.8708320330179298]),
            (.fixedPoint, [201.8517648451953, 205.4432900139695, 202.13393323816462, 205.17697086258607, 202.13393323816462]),
            (.mirrorDescent, [2.528748064277984, 2.185905382658163, 1.8921777047697077, 1.6411568626852855, 1.4268642408035603]),
        ]
        for (name, expected) in references {
            var run = TabularRun(game: g, algorithm: try name.make(game: g, learningRate: 0.1))
            let log = run.run(iterations: expected.count)
            for (entry, value) in zip(log, expected) {
                #expect(abs(entry.exploitability - value) <= 1e-9, "\(name.rawValue) iteration \(entry.iteration): \(entry.exploitability) vs \(value)")
            }
        }
    }
}
