import Foundation
import PDE
import Testing
@testable import RLBridge

/// The two-road routing game against its closed forms, derived here: with travel times
/// `T_A = tA + sA x`, `T_B = tB + sB (1 - x)` (x = mu_A), the equilibrium equalises the times,
/// `x = clip((tB + sB - tA) / (sA + sB))`; the social cost `C(x) = x T_A + (1 - x) T_B` is minimised where
/// the marginal costs agree, `tA + 2 sA x = tB + 2 sB (1 - x)`. Defaults: 1, 2/3, C = 2 and 11/6, PoA 12/11.
/// Tolerances follow from how each algorithm converges on this game (stated at each test); the
/// exploitability is a difference of values of size 2, so it carries a round-off of a few ulp(2) = 4.4e-16
/// (1e-14 allowed).
@Suite struct WardropTests {
    struct Costs {
        var tA = 1.0, sA = 1.0, tB = 2.0, sB = 0.5
        var equilibrium: Double { min(1, max(0, (tB + sB - tA) / (sA + sB))) }
        var optimum: Double { min(1, max(0, (tB + 2 * sB - tA) / (2 * (sA + sB)))) }
        func socialCost(_ x: Double) -> Double { x * (tA + sA * x) + (1 - x) * (tB + sB * (1 - x)) }
        func game() throws -> FiniteMFG {
            try OpenSpielGames.make("wardrop", parameters: ["time_a": tA, "slope_a": sA, "time_b": tB, "slope_b": sB])
        }
    }

    /// mu_A = mu_1(road_A) and mu_B of a policy's distribution.
    static func split(_ e: Evaluation) -> (a: Double, b: Double) { (e.distribution[3 + 1], e.distribution[3 + 2]) }

    static func run(_ game: FiniteMFG, _ name: TabularAlgorithmName, objective: Objective = .nash, iterations: Int,
                    learningRate: Double = 1) throws -> TabularRun {
        var run = TabularRun(tools: try ExactTools(game: game, objective: objective),
                             algorithm: try name.make(game: game, learningRate: learningRate))
        _ = run.run(iterations: iterations)
        return run
    }

    @Test func closedFormsOfTheDefaults() {
        let c = Costs()
        #expect(c.equilibrium == 1)
        #expect(abs(c.optimum - 2.0 / 3) <= 1e-15)
        #expect(abs(c.socialCost(c.equilibrium) - 2) <= 1e-15)
        #expect(abs(c.socialCost(c.optimum) - 11.0 / 6) <= 1e-15)
    }

    /// The travel times tie at mu_A = 1 (both 2), so the greedy best response there is road A (the first
    /// maximiser): fixed point reaches the equilibrium in one iteration, with exploitability exactly 0.
    @Test func fixedPointFindsTheEquilibriumExactly() throws {
        let run = try Self.run(Costs().game(), .fixedPoint, iterations: 1)
        #expect(Self.split(run.evaluation).a == 1)
        #expect(run.exploitability == 0)
    }

    /// Mirror descent (lr 1) at the boundary equilibrium: the logit d = log(pi_A / pi_B) grows by
    /// `lr (Q_A - Q_B) = 1.5 lr mu_B`, and `e^{d_{k+1}} >= e^{d_k} (1 + 1.5 lr / (1 + e^{d_k})) >= e^{d_k} + 0.75 lr`,
    /// so `mu_B = 1 / (1 + e^d) <= 1 / (2 + 0.75 lr k)` after k iterations; the exploitability is
    /// `mu_B (Q_A - Q_B) = 1.5 mu_B^2`.
    @Test func mirrorDescentApproachesTheEquilibriumAsOneOverK() throws {
        let k = 10_000
        let run = try Self.run(Costs().game(), .mirrorDescent, iterations: k)
        let (a, b) = Self.split(run.evaluation)
        let bound = 1 / (2 + 0.75 * Double(k))
        #expect(b > 0 && b <= bound)
        #expect(abs(a - 1) <= bound + 1e-15)
        #expect(abs(run.exploitability - 1.5 * b * b) <= 1e-12 * b * b + 1e-14)
        #expect(run.exploitability <= 1.5 * bound * bound)
    }

    /// Fictitious play: the best response is always road A (mu_A < 1), so after k updates
    /// `pi(B) = (1/2) prod_{j<=k} (1 - 1/(j+1)) = 1 / (2 (k + 1))` exactly.
    @Test func fictitiousPlayApproachesTheEquilibriumAsOneOverK() throws {
        let k = 1000
        let run = try Self.run(Costs().game(), .fictitiousPlay, iterations: k)
        let b = Self.split(run.evaluation).b
        #expect(abs(b - 1 / (2 * Double(k + 1))) <= 1e-13)
        #expect(abs(run.exploitability - 1.5 * b * b) <= 1e-12 * b * b + 1e-14)
    }

    /// The social optimum is interior (2/3): mirror descent on the planner's rewards, whose difference
    /// is `Q~_A - Q~_B = 2 - 3 mu_A`, contracts the logit's error by `|1 - 2 lr mu_A mu_B (sA + sB)| = 1/3` per
    /// iteration near it (lr 1), so 200 iterations leave only round-off (the cumulative logits reach
    /// ~400, whose spacing 6e-14 bounds the logit's accuracy): 1e-11 on mu_A, and its square on the cost.
    @Test func socialOptimumByMirrorDescent() throws {
        let game = try Costs().game()
        let run = try Self.run(game, .mirrorDescent, objective: .social, iterations: 200)
        let a = Self.split(run.evaluation).a
        #expect(abs(a - 2.0 / 3) <= 1e-11)
        #expect(run.exploitability <= 1e-11)
        let comparison = try FiniteSocialComparison(game: game, optimum: run.policy, equilibrium: run.policy)
        #expect(abs(comparison.optimumCost - 11.0 / 6) <= 1e-12)
    }

    /// The price of anarchy from the two runs of `rl run --game wardrop --objective social` (mirror descent,
    /// lr 1, 10000 iterations each). The found equilibrium has `mu_B = eps <= 1 / 7502` and social cost
    /// `C(1 - eps) = 2 - eps + 1.5 eps^2` (checked against the closed form to round-off), so the price of
    /// anarchy is below 12/11 by `(6/11)(eps - 1.5 eps^2) <= 7.3e-5`.
    @Test func priceOfAnarchy() throws {
        let c = Costs(), game = try c.game(), k = Wardrop.iterations
        let optimum = try Self.run(game, .mirrorDescent, objective: .social, iterations: k, learningRate: Wardrop.learningRate)
        let equilibrium = try Self.run(game, .mirrorDescent, iterations: k, learningRate: Wardrop.learningRate)
        let comparison = try FiniteSocialComparison(game: game, optimum: optimum.policy, equilibrium: equilibrium.policy)
        let eps = Self.split(equilibrium.evaluation).b
        #expect(abs(comparison.optimumCost - 11.0 / 6) <= 1e-12)
        #expect(abs(comparison.equilibriumCost - c.socialCost(1 - eps)) <= 1e-14)
        #expect(abs(comparison.equilibriumCost - (2 - eps + 1.5 * eps * eps)) <= 1e-14)
        let poa = try #require(comparison.priceOfAnarchy)
        #expect(poa <= 12.0 / 11 + 1e-12)
        #expect(12.0 / 11 - poa <= 6.0 / 11 / (2 + 0.75 * Double(k)) + 1e-12)
        #expect(abs(comparison.equilibriumExploitability - 1.5 * eps * eps) <= 1e-12 * eps * eps + 1e-14)
        #expect(comparison.optimumGap <= 1e-11)
        print("wardrop: optimum mu_A \(Self.split(optimum.evaluation).a), equilibrium mu_A \(1 - eps), price of anarchy \(poa) (12/11 = \(12.0 / 11))")
    }

    /// With time_b = 1.5 both solutions are interior (2/3 and 1/2): mirror descent (lr 1) contracts by
    /// `1 - 1.5 mu_A mu_B = 2/3` (equilibrium) and `1 - 3 mu_A mu_B = 1/4` (optimum) per iteration, so 300
    /// iterations reach round-off on both.
    @Test func interiorEquilibriumAndOptimum() throws {
        let c = Costs(tB: 1.5), game = try c.game()
        #expect(abs(c.equilibrium - 2.0 / 3) <= 1e-15 && abs(c.optimum - 0.5) <= 1e-15)
        let equilibrium = try Self.run(game, .mirrorDescent, iterations: 300)
        let optimum = try Self.run(game, .mirrorDescent, objective: .social, iterations: 300)
        #expect(abs(Self.split(equilibrium.evaluation).a - c.equilibrium) <= 1e-11)
        #expect(abs(Self.split(optimum.evaluation).a - c.optimum) <= 1e-11)
        #expect(equilibrium.exploitability <= 1e-11)
        let comparison = try FiniteSocialComparison(game: game, optimum: optimum.policy, equilibrium: equilibrium.policy)
        let poa = try #require(comparison.priceOfAnarchy)
        #expect(abs(poa - c.socialCost(c.equilibrium) / c.socialCost(c.optimum)) <= 1e-12)
        #expect(poa > 1)
    }

    @Test func badParametersAreRefused() throws {
        #expect(throws: RLError.self) { try OpenSpielGames.make("wardrop", parameters: ["slope_a": -1]) }
        #expect(throws: RLError.self) { try OpenSpielGames.make("wardrop", parameters: ["slope": 1]) }
        #expect(throws: RLError.self) { try OpenSpielGames.make("wardrop", parameters: ["time_b": .infinity]) }
    }

    @Test func runDefaults() {
        #expect(OpenSpielGames.runDefaults(for: "wardrop") == (Wardrop.learningRate, Wardrop.iterations))
        #expect(OpenSpielGames.runDefaults(for: "crowd_modelling") == (0.1, 100))
    }
}
