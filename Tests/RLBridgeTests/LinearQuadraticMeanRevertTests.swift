import Foundation
import Testing
@testable import RLBridge

/// OpenSpiel's `mean_field_lin_quad` with mean reversion, checked against an independent
/// implementation that follows OpenSpiel's game engine literally: states (x, previous action), the
/// previous move charged at the next decision node, the move `round((m + K (mean - x)) dt)` taken
/// with the mean of the current distribution, no terminal reward.
struct LinearQuadraticMeanRevertTests {
    struct Engine {
        let size: Int, n: Int, steps: Int
        let dt: Double, sigma: Double, revert: Double, crossQ: Double, kappa: Double
        var actions: Int { 2 * n + 1 }

        func wrap(_ v: Int) -> Int { ((v % size) + size) % size }
        func phi(_ z: Double) -> Double { 0.5 * erfc(-z / 2.0.squareRoot()) }
        var noise: [Double] {
            var p = (0..<actions).map { k in phi((Double(k - n) + 0.5) / sigma) - phi((Double(k - n) - 0.5) / sigma) }
            p[0] += phi((Double(-n) - 0.5) / sigma)
            p[actions - 1] += 1 - phi((Double(n) + 0.5) / sigma)
            return p
        }
        func mean(_ mu: [Double]) -> Double { (0..<size).reduce(0) { $0 + Double($1) * mu[$1] } }
        /// Where action a from x lands after the noise outcome k.
        func next(_ x: Int, _ a: Int, _ k: Int, mean: Double) -> Int {
            let moved = wrap(x + Int(((Double(a - n) + revert * (mean - Double(x))) * dt).rounded(.toNearestOrEven)))
            return wrap(Int((Double(moved) + Double(k - n) * dt.squareRoot() * sigma).rounded(.toNearestOrEven)))
        }
        /// Reward at a decision node: previous action `previous` (nil at t = 0: no move charged).
        func reward(_ x: Int, previous: Int?, mean: Double) -> Double {
            let m = Double((previous ?? n) - n), d = mean - Double(x)
            return dt / 2 * (-m * m + 2 * crossQ * m * d - kappa * d * d)
        }

        /// Exploitability of `pi[(t S + x) A + a]` and its distribution's means.
        func exploitability(_ pi: [Double]) -> Double {
            let S = size, A = actions, p = noise
            var mu = [[Double]](repeating: [Double](repeating: 1 / Double(S), count: S), count: steps + 1)
            for t in 0..<steps {
                var nxt = [Double](repeating: 0, count: S)
                let m = mean(mu[t])
                for x in 0..<S { for a in 0..<A { for k in 0..<A { nxt[next(x, a, k, mean: m)] += mu[t][x] * pi[(t * S + x) * A + a] * p[k] } } }
                mu[t + 1] = nxt
            }
            // Values on (x, previous action); index A stands for "none" (t = 0).
            var v = [Double](repeating: 0, count: S * (A + 1)), w = v
            for t in stride(from: steps - 1, through: 0, by: -1) {
                let m = mean(mu[t])
                var nv = v, nw = w
                for x in 0..<S {
                    for prev in 0...A {
                        let r = reward(x, previous: prev == A ? nil : prev, mean: m)
                        var ev = 0.0, best = -Double.infinity
                        for a in 0..<A {
                            var cv = 0.0, cw = 0.0
                            for k in 0..<A { let y = next(x, a, k, mean: m); cv += p[k] * v[y * (A + 1) + a]; cw += p[k] * w[y * (A + 1) + a] }
                            ev += pi[(t * S + x) * A + a] * cv
                            best = max(best, cw)
                        }
                        nv[x * (A + 1) + prev] = r + ev
                        nw[x * (A + 1) + prev] = r + best
                    }
                }
                v = nv; w = nw
            }
            return (0..<S).reduce(0) { $0 + (w[$1 * (A + 1) + A] - v[$1 * (A + 1) + A]) / Double(S) }
        }
    }

    @Test(arguments: [0.0, 0.7, 1.2])
    func exploitabilityEqualsTheEngine(revert: Double) throws {
        let engine = Engine(size: 10, n: 3, steps: 10, dt: 1, sigma: 1, revert: revert, crossQ: 0.01, kappa: 0.5)
        let game = try OpenSpielGames.make("linear_quadratic", parameters: ["mean_revert": revert])
        #expect(game.populationDependentDynamics == (revert != 0))
        // The uniform policy, and the policy after 5 mirror-descent iterations (far from uniform).
        var solver = TabularRun(game: game, algorithm: try MirrorDescent(game: game, learningRate: 1))
        let uniform = solver.exploitability
        #expect(abs(uniform - engine.exploitability(game.uniformPolicy)) <= 1e-12 * max(1, abs(uniform)))
        for _ in 0..<5 { solver.step() }
        let e = solver.exploitability
        let reference = engine.exploitability(solver.policy)
        print("linear_quadratic mean_revert \(revert): uniform \(uniform), after 5 mirror-descent iterations \(e) (engine \(reference))")
        #expect(abs(e - reference) <= 1e-12 * max(1, abs(reference)))
        #expect(e < uniform)
    }

    @Test func offlineToolsRefuseMeanReversion() throws {
        let game = try OpenSpielGames.make("linear_quadratic", parameters: ["mean_revert": 0.5])
        #expect(throws: RLError.self) {
            _ = try DatasetGenerator.generate(game: game, components: [.init(name: "u", policy: game.uniformPolicy, proportion: 1)],
                                              episodes: 10, seed: 1, gameSpec: [:])
        }
        #expect(throws: RLError.self) { _ = try OfflineTraining(game: game, dataset: nil, algorithm: .dMOMD, settings: OfflineSettings()) }
    }
}
