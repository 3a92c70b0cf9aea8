import Foundation
import XCTest
@testable import RLBridge

final class OfflineDatasetTests: XCTestCase {
    /// A stochastic game (crowd modelling: uniform noise) and a non-uniform target policy.
    func smallGame() throws -> (FiniteMFG, [Double]) {
        let game = try OpenSpielGames.crowdModelling(size: 8, horizon: 5)
        let target = try ReferencePolicies.mirrorDescentExpert(game: game, iterations: 20, learningRate: 1)
        return (game, target)
    }

    func l1(_ a: [Double], _ b: [Double]) -> Double { zip(a, b).reduce(0) { $0 + abs($1.0 - $1.1) } }

    func testGeneratorStoresPolicyRewardsAndFollowsTheMeanField() throws {
        let (game, policy) = try smallGame()
        let d = try DatasetGenerator.generate(game: game, components: [.init(name: "expert", policy: policy, proportion: 1)],
                                              episodes: 40_000, seed: 7, gameSpec: ["game": "crowd_modelling"])
        let S = game.states, A = game.actions, H = game.horizon
        let evaluation = ExactTools(game: game).evaluate(policy)
        let mu = evaluation.distribution
        for i in stride(from: 0, to: d.episodes * H, by: 997) {
            let e = i / H, t = i % H, s = Int(d.statesVisited[e * (H + 1) + t]), a = Int(d.actionsTaken[i])
            XCTAssertEqual(d.logProbabilities[i], log(policy[(t * S + s) * A + a]), accuracy: 1e-15)
            XCTAssertEqual(d.rewards[i], evaluation.rewards[(t * S + s) * A + a])
            XCTAssertEqual(d.meanField[i], mu[t * S + s])
        }
        // Empirical state frequencies approach mu: the L1 error of a multinomial sample of size N is
        // about sqrt(2 S / (pi N)) = 0.011 here; allow 3x.
        let est = MeanFieldEstimator(dataset: d)
        for t in 0...H {
            let e = l1(Array(est.empirical[(t * S)..<((t + 1) * S)]), Array(mu[(t * S)..<((t + 1) * S)]))
            XCTAssertLessThan(e, 0.035, "step \(t)")
        }
        // Same seed, same dataset.
        let again = try DatasetGenerator.generate(game: game, components: [.init(name: "expert", policy: policy, proportion: 1)],
                                                  episodes: 40_000, seed: 7, gameSpec: ["game": "crowd_modelling"])
        XCTAssertEqual(again, d)
    }

    func testMixtureCountsAndMarginalBehaviour() throws {
        let (game, policy) = try smallGame()
        let uniform = game.uniformPolicy
        XCTAssertEqual(DatasetGenerator.counts([0.5, 0.3, 0.2], total: 11), [6, 3, 2])
        let d = try DatasetGenerator.generate(
            game: game, components: [.init(name: "expert", policy: policy, proportion: 0.7), .init(name: "random", policy: uniform, proportion: 0.3)],
            episodes: 1000, seed: 1, gameSpec: [:])
        XCTAssertEqual(d.components.filter { $0 == 0 }.count, 700)
        // At t = 0 every episode starts from mu0: beta_0 = 0.7 pi + 0.3 uniform where both components have mass.
        let S = game.states, A = game.actions
        for e in [0, 699, 700, 999] {
            let s = Int(d.statesVisited[e * (game.horizon + 1)]), a = Int(d.actionsTaken[e * game.horizon])
            XCTAssertEqual(exp(d.logProbabilities[e * game.horizon]), 0.7 * policy[s * A + a] + 0.3 / Double(A), accuracy: 1e-14)
            _ = S
        }
    }

    /// Acceptance 1 of issue 6: the importance-sampling estimate is the empirical distribution when the
    /// target is the behaviour (exact, all weights 1), and converges to the target's exact mean field at
    /// the Monte Carlo rate N^-1/2 otherwise.
    func testImportanceSamplingEstimatorIsExactOnBehaviourAndConvergesAtRateOneHalf() throws {
        let (game, target) = try smallGame()
        let uniform = game.uniformPolicy
        var exact: [Double] = []
        ExactTools(game: game).distribution(of: target, into: &exact)
        let sizes = [500, 2000, 8000, 32000]
        var errors: [Double] = []
        for n in sizes {
            var total = 0.0
            let seeds: [UInt64] = [1, 2, 3, 4, 5, 6]
            for seed in seeds {
                let d = try DatasetGenerator.generate(game: game, components: [.init(name: "random", policy: uniform, proportion: 1)],
                                                      episodes: n, seed: seed, gameSpec: [:])
                let est = MeanFieldEstimator(dataset: d)
                est.floor = 0  // the 1e-6 / S floor of empty cells aside
                var mu: [Double] = []
                est.estimate(policy: uniform, into: &mu)
                // Exact up to the round-off of sums of N terms (pi / beta = 1 to an ulp): N eps per step.
                XCTAssertLessThan(l1(mu, est.empirical), Double(n) * Double.ulpOfOne * Double(game.horizon + 1))
                est.estimate(policy: target, into: &mu)
                total += l1(mu, exact) / Double(game.horizon + 1)
            }
            errors.append(total / Double(seeds.count))
        }
        var orders: [Double] = []
        for i in 1..<sizes.count { orders.append(log(errors[i - 1] / errors[i]) / log(Double(sizes[i]) / Double(sizes[i - 1]))) }
        print("MIS estimator, mean L1 error per step vs N = \(sizes): \(errors.map { String(format: "%.3e", $0) }), orders \(orders.map { String(format: "%.2f", $0) })")
        let mean = orders.reduce(0, +) / Double(orders.count)
        XCTAssertEqual(mean, 0.5, accuracy: 0.15)
        XCTAssertLessThan(errors.last!, 0.05)
    }

    func testFourRoomsIsDeterministicWithWalls() throws {
        let game = try FourRooms.make(task: .exploration)
        XCTAssertEqual(game.states, 169)
        XCTAssertEqual(game.horizon, 40)
        XCTAssertEqual(game.discount, 0.99)
        // From (1, 1): up (y - 1) hits the wall and stays; down moves to (1, 2).
        let s = 1 * 13 + 1
        for a in 0..<5 {
            let row = s * 5 + a
            XCTAssertEqual(game.rowStart[row + 1] - game.rowStart[row], 1)
            XCTAssertEqual(game.probability[game.rowStart[row]], 1)
        }
        XCTAssertEqual(Int(game.successor[game.rowStart[s * 5 + 0]]), s)
        XCTAssertEqual(Int(game.successor[game.rowStart[s * 5 + 1]]), 1 * 13 + 2)
        XCTAssertEqual(Int(game.successor[game.rowStart[s * 5 + 2]]), s)
        XCTAssertEqual(Int(game.successor[game.rowStart[s * 5 + 3]]), 2 * 13 + 1)
        // Exploration reward -log clip(mu, 1e-6, 1): a cell with all the mass pays 0, an empty one log 1e6.
        let rewards = ExactTools(game: game).evaluate(game.uniformPolicy).rewards
        XCTAssertEqual(rewards[s * 5], 0)
        XCTAssertEqual(rewards[(2 * 13 + 2) * 5], log(1e6), accuracy: 1e-12)
    }

    func testBadInputsAreRefusedOrNormalised() throws {
        let (game, policy) = try smallGame()
        // Proportions are normalised: 0.5 alone is the whole dataset, with every episode sampled.
        let d = try DatasetGenerator.generate(game: game, components: [.init(name: "e", policy: policy, proportion: 0.5)],
                                              episodes: 100, seed: 1, gameSpec: [:])
        XCTAssertEqual(d.behaviors[0].proportion, 1)
        XCTAssertThrowsError(try DatasetGenerator.generate(game: game, components: [.init(name: "e", policy: policy, proportion: -1)],
                                                           episodes: 10, seed: 1, gameSpec: [:]))
        // A logged action with zero behaviour probability is refused.
        var bad = d
        bad.logProbabilities[7] = -.infinity
        XCTAssertThrowsError(try bad.validate()) { XCTAssert("\($0)".contains("positive probability"), "\($0)") }
        // Statistics of a dataset against another game are refused, not indexed out of range.
        let other = try OpenSpielGames.crowdModelling(size: 8, horizon: 6)
        XCTAssertThrowsError(try DatasetStatistics(dataset: d, game: other, references: nil))
    }
}

final class MoveThenNoiseTests: XCTestCase {
    /// The factored propagation and evaluation equal the generic CSR ones (same exploitability to
    /// round-off) on every factored game, for a random policy.
    func testFactoredEvaluationEqualsTheGenericOne() throws {
        let games = [try OpenSpielGames.crowdModelling(size: 12, horizon: 6),
                     try OpenSpielGames.make("periodic_aversion", parameters: ["size": 15, "horizon": 5]),
                     try OpenSpielGames.make("crowd_modelling_2d_four_rooms", parameters: ["horizon": 6]),
                     try OpenSpielGames.make("crowd_modelling_2d", parameters: ["size": 5, "horizon": 4, "noise_intensity": 0.5]),
                     try FourRooms.make(task: .navigation, horizon: 7)]
        for game in games {
            XCTAssertNotNil(game.moveThenNoise, game.name)
            var generic = game
            generic.moveThenNoise = nil
            var g = 0.3
            var pi = [Double](repeating: 0, count: game.policySize)
            for row in 0..<(game.horizon * game.states) {
                let s = row % game.states
                var total = 0.0
                for a in 0..<game.actions where game.legal[s * game.actions + a] {
                    g = (g * 9301 + 0.49297).truncatingRemainder(dividingBy: 1)
                    pi[row * game.actions + a] = 0.1 + g; total += 0.1 + g
                }
                for a in 0..<game.actions { pi[row * game.actions + a] /= total }
            }
            let factored = ExactTools(game: game).evaluate(pi), plain = ExactTools(game: generic).evaluate(pi)
            XCTAssertEqual(factored.exploitability, plain.exploitability, accuracy: 1e-12 * max(1, abs(plain.exploitability)), game.name)
            for k in 0..<plain.distribution.count { XCTAssertEqual(factored.distribution[k], plain.distribution[k], accuracy: 1e-14, game.name) }
            // Both Q tables, on the legal actions (illegal ones are never read).
            for k in 0..<game.policySize where game.legal[k % (game.states * game.actions)] {
                XCTAssertEqual(factored.policyQ[k], plain.policyQ[k], accuracy: 1e-12 * max(1, abs(plain.policyQ[k])), game.name)
                XCTAssertEqual(factored.bestResponseQ[k], plain.bestResponseQ[k], accuracy: 1e-12 * max(1, abs(plain.bestResponseQ[k])), game.name)
            }
        }
    }
}
