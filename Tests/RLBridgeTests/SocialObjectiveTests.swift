import Foundation
import PDE
import Testing
@testable import RLBridge

/// The social objective (mean-field control, `Objective`) on every game that provides the derivative of
/// its rewards: the exact `rewardGradient` against central differences of the rewards, and the planner's
/// rewards against the definition they come from, `dJ/dpi_t(a|s) = gamma^t mu_t(s) Q~_t(s,a)` with
/// `J(pi)` the population's total reward, by central differences of J.
@Suite struct SocialObjectiveTests {
    /// SplitMix64, so that the test's random points do not depend on the platform.
    struct Random {
        var state: UInt64
        mutating func next() -> Double {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return Double((z ^ (z >> 31)) >> 11) / Double(1 << 53)
        }
    }

    /// Small versions of the games of `OpenSpielGames.socialNames` (crowd_modelling_2d with congestion,
    /// whose reward depends on mu_{t+1} through stochastic transitions), plus a discounted game written here.
    static func games() throws -> [FiniteMFG] {
        [
            try OpenSpielGames.make("wardrop", parameters: [:]),
            try OpenSpielGames.make("wardrop", parameters: ["time_b": 1.5, "slope_a": 0.3]),
            try OpenSpielGames.make("crowd_modelling", parameters: ["size": 5, "horizon": 4]),
            try OpenSpielGames.make("periodic_aversion", parameters: ["size": 7, "horizon": 3, "n_actions_per_side": 2]),
            try OpenSpielGames.make("crowd_modelling_2d", parameters: ["size": 4, "horizon": 4, "with_congestion": 1]),
            try OpenSpielGames.make("crowd_modelling_2d_four_rooms", parameters: ["horizon": 3]),
            try OpenSpielGames.make("four_rooms", parameters: ["task": 1, "horizon": 4]),
            try discountedGame(),
        ]
    }

    /// Four states, three actions, random transitions, discount 0.9 and
    /// `R_t(s,a) = c(s,a) - (1 + a) mu_t(s)^2 - k_a sum_q P(q|s,a) mu_{t+1}(q)^2`, with its gradient by hand:
    /// `now[s] = -2 mu_t(s) sum_a w(s,a)(1 + a)`, `next[q] = -2 mu_{t+1}(q) sum_{s,a} w(s,a) k_a P(q|s,a)`.
    static func discountedGame() throws -> FiniteMFG {
        let S = 4, A = 3
        var rng = Random(state: 7)
        let rows: [[(Int, Double)]] = (0..<(S * A)).map { _ in
            let p = (0..<S).map { _ in 0.1 + rng.next() }
            let total = p.reduce(0, +)
            return (0..<S).map { ($0, p[$0] / total) }
        }
        let c = (0..<(S * A)).map { _ in rng.next() }, k = [0.5, 1.5, 2.5]
        var game = try FiniteMFG(
            name: "discounted test game", states: S, actions: A, horizon: 3, discount: 0.9,
            initialDistribution: [0.4, 0.3, 0.2, 0.1], transitions: { s, a in rows[s * A + a] },
            reward: { _, mu, next, out in
                for s in 0..<S {
                    for a in 0..<A {
                        var e = 0.0
                        for (q, p) in rows[s * A + a] { e += p * next[q] * next[q] }
                        out[s * A + a] = c[s * A + a] - Double(1 + a) * mu[s] * mu[s] - k[a] * e
                    }
                }
            })
        game.rewardGradient = { _, mu, next, w, now, nextOut in
            for q in 0..<S { nextOut[q] = 0 }
            for s in 0..<S {
                var weight = 0.0
                for a in 0..<A {
                    weight += w[s * A + a] * Double(1 + a)
                    for (q, p) in rows[s * A + a] { nextOut[q] += w[s * A + a] * k[a] * p }
                }
                now[s] = -2 * mu[s] * weight
            }
            for q in 0..<S { nextOut[q] *= 2 * next[q] * -1 }
        }
        return game
    }

    /// A policy with every legal action's probability at least about 0.1 / A.
    static func randomPolicy(_ g: FiniteMFG, _ rng: inout Random) -> [Double] {
        var pi = [Double](repeating: 0, count: g.policySize)
        let S = g.states, A = g.actions
        for row in 0..<(g.horizon * S) {
            let legal = (0..<A).filter { g.legal[(row % S) * A + $0] }
            let p = legal.map { _ in 0.1 + rng.next() }
            let total = p.reduce(0, +)
            for (a, v) in zip(legal, p) { pi[row * A + a] = v / total }
        }
        return pi
    }

    /// `sum_{s,a} w(s,a) R_t(s,a; mu, next)`.
    static func weighted(_ g: FiniteMFG, _ t: Int, _ mu: [Double], _ next: [Double], _ w: [Double]) -> Double {
        var out = [Double](repeating: 0, count: g.states * g.actions)
        mu.withUnsafeBufferPointer { m in next.withUnsafeBufferPointer { n in out.withUnsafeMutableBufferPointer { o in
            g.reward(t, m.baseAddress!, n.baseAddress!, o.baseAddress!)
        } } }
        return zip(out, w).reduce(0) { $0 + $1.0 * $1.1 }
    }

    /// The gradient against central differences with step h = 1e-7 at distributions whose entries lie
    /// in [0.2, 1.2] / S (inside four_rooms' clip, away from log's pole): the truncation error
    /// `h^2 |f'''| / 6 ~ h^2 / mu^3` is below 1e-8 and the round-off `eps |sum w R| / h` below 1e-6 for these
    /// games, whose weighted rewards are O(10); so 1e-5 (relative to max(1, |derivative|)).
    @Test(arguments: 0..<8)
    func gradientEqualsDifferences(index: Int) throws {
        let g = try Self.games()[index]
        let S = g.states, A = g.actions
        var rng = Random(state: UInt64(100 + index))
        let gradient = try #require(g.rewardGradient)
        for t in Set([0, g.horizon / 2, g.horizon - 1]).sorted() {
            let mu = (0..<S).map { _ in (0.2 + rng.next()) / Double(S) }
            let next = (0..<S).map { _ in (0.2 + rng.next()) / Double(S) }
            let w = (0..<(S * A)).map { g.legal[$0] ? rng.next() / Double(S) : 0 }
            var now = [Double](repeating: .nan, count: S), nextOut = now
            mu.withUnsafeBufferPointer { m in next.withUnsafeBufferPointer { n in w.withUnsafeBufferPointer { wp in
                now.withUnsafeMutableBufferPointer { o in nextOut.withUnsafeMutableBufferPointer { no in
                    gradient(t, m.baseAddress!, n.baseAddress!, wp.baseAddress!, o.baseAddress!, no.baseAddress!)
                } }
            } } }
            let h = 1e-7
            for s in 0..<S {
                var up = mu, down = mu
                up[s] += h; down[s] -= h
                let dNow = (Self.weighted(g, t, up, next, w) - Self.weighted(g, t, down, next, w)) / (2 * h)
                var upNext = next, downNext = next
                upNext[s] += h; downNext[s] -= h
                let dNext = (Self.weighted(g, t, mu, upNext, w) - Self.weighted(g, t, mu, downNext, w)) / (2 * h)
                #expect(abs(now[s] - dNow) <= 1e-5 * max(1, abs(dNow)), "\(g.name) t \(t) s \(s): dR/dmu_t \(now[s]) vs \(dNow)")
                #expect(abs(nextOut[s] - dNext) <= 1e-5 * max(1, abs(dNext)), "\(g.name) t \(t) s \(s): dR/dmu_t+1 \(nextOut[s]) vs \(dNext)")
            }
        }
    }

    /// `J(pi) = sum_s mu0(s) V^pi_0(s)` (the game's own rewards) is the population's total reward; moving
    /// probability h from action b to action a at (t, s) changes it at rate `gamma^t mu_t(s) (Q~(s,a) - Q~(s,b))`,
    /// Q~ the policy's Q under the planner's rewards. Central differences with h = 1e-6 at a random interior
    /// policy: J is smooth there, truncation ~h^2, round-off ~1e-16 |J| / h < 1e-8; so 1e-6 (relative to
    /// max(1, |rate|)).
    @Test(arguments: 0..<8)
    func plannerRewardsGiveTheGradientOfTheTotalReward(index: Int) throws {
        let g = try Self.games()[index]
        let S = g.states, A = g.actions
        var rng = Random(state: UInt64(200 + index))
        let pi = Self.randomPolicy(g, &rng)
        let nash = ExactTools(game: g), social = try ExactTools(game: g, objective: .social)
        let planner = social.evaluate(pi)
        var checked = 0
        for t in Set([0, g.horizon - 1]).sorted() {
            let occupied = (0..<S).filter { planner.distribution[t * S + $0] > 1e-3 / Double(S) }
            for _ in 0..<3 {
                let s = occupied[Int(rng.next() * Double(occupied.count)) % occupied.count]
                let legal = (0..<A).filter { g.legal[s * A + $0] }
                guard legal.count >= 2 else { continue }
                let a = legal[0], b = legal[legal.count - 1]
                let h = 1e-6, k = (t * S + s) * A
                var up = pi, down = pi
                up[k + a] += h; up[k + b] -= h
                down[k + a] -= h; down[k + b] += h
                let rate = (nash.evaluate(up).expectedReturn - nash.evaluate(down).expectedReturn) / (2 * h)
                let predicted = pow(g.discount, Double(t)) * planner.distribution[t * S + s] * (planner.policyQ[k + a] - planner.policyQ[k + b])
                #expect(abs(rate - predicted) <= 1e-6 * max(1, abs(rate)), "\(g.name) t \(t) s \(s): dJ \(rate) vs gamma^t mu Q~ \(predicted)")
                checked += 1
            }
        }
        #expect(checked > 0)
    }

    /// crowd_modelling's coupling is `-log(mu + 1e-25)`: the planner's term is `-mu/(mu + 1e-25) = -1` up to
    /// 1e-25/mu, the same for every action, so the planner's Q differs from the game's by a constant per
    /// (t, s) and mirror descent takes the same steps (to round-off): the social optimum is the equilibrium,
    /// with the same social cost (negative: the rewards are gains, so no price of anarchy).
    @Test func entropyCouplingHasNoPriceOfAnarchy() throws {
        let g = try OpenSpielGames.make("crowd_modelling", parameters: [:])
        var optimum = TabularRun(tools: try ExactTools(game: g, objective: .social), algorithm: try MirrorDescent(game: g, learningRate: 0.1))
        var equilibrium = TabularRun(game: g, algorithm: try MirrorDescent(game: g, learningRate: 0.1))
        _ = optimum.run(iterations: 50)
        _ = equilibrium.run(iterations: 50)
        let gap = zip(optimum.policy, equilibrium.policy).map { abs($0 - $1) }.max()!
        #expect(gap <= 1e-10)
        let comparison = try FiniteSocialComparison(game: g, optimum: optimum.policy, equilibrium: equilibrium.policy)
        #expect(abs(comparison.optimumCost - comparison.equilibriumCost) <= 1e-10 * abs(comparison.equilibriumCost))
        #expect(comparison.optimumCost < 0 && comparison.priceOfAnarchy == nil)
    }

    @Test func gamesWithoutTheDerivativeAreRefused() throws {
        let g = try OpenSpielGames.make("linear_quadratic", parameters: [:])
        do {
            _ = try ExactTools(game: g, objective: .social)
            Issue.record("linear_quadratic has no reward gradient")
        } catch let error as RLError {
            #expect(error.description.contains("available for the games: wardrop"))
        }
        #expect(throws: Never.self) { _ = try ExactTools(game: g, objective: .nash) }
    }

    /// `socialNames` lists exactly the games (default parameters) that give their gradient.
    @Test func socialNamesAreTheGamesWithAGradient() throws {
        for name in OpenSpielGames.names {
            let g = try OpenSpielGames.make(name, parameters: name.hasPrefix("crowd_modelling_2d_") ? ["horizon": 2] : [:])
            #expect((g.rewardGradient != nil) == OpenSpielGames.socialNames.contains(name), "\(name)")
        }
    }
}
