import Foundation
import XCTest
import Neural
@testable import RLBridge

/// The offline learners on crowd modelling (8 cells, 5 steps), small networks, against exact quantities.
final class OfflineLearnerTests: XCTestCase {
    let game = try! OpenSpielGames.crowdModelling(size: 8, horizon: 5)

    func settings(_ iterations: Int, updates: Int = 200) -> OfflineSettings {
        var s = OfflineSettings()
        s.iterations = iterations
        s.updatesPerIteration = updates
        s.batchSize = 128
        s.hidden = [32, 32]
        s.tau = 0.5
        s.learningRate = 3e-3
        return s
    }

    func expertData(_ episodes: Int) throws -> (OfflineDataset, [Double]) {
        let expert = try ReferencePolicies.mirrorDescentExpert(game: game, iterations: 300, learningRate: 0.3)
        let d = try DatasetGenerator.generate(game: game, components: [.init(name: "expert", policy: expert, proportion: 1)],
                                              episodes: episodes, seed: 5, gameSpec: [:])
        return (d, expert)
    }

    func testTabularOffMMDWithTheExactMeanFieldConverges() throws {
        let (d, _) = try expertData(100)
        var s = settings(300)
        s.exactMeanField = true
        let logs = try OfflineTraining(game: game, dataset: d, algorithm: .tabularOffMMD, settings: s).run()
        print("tabular Off-MMD (exact mean field):", logs[0].exploitability, logs[50].exploitability, logs.last!.exploitability)
        XCTAssertLessThan(logs.last!.exploitability, 1e-2 * logs[0].exploitability)
    }

    func testBehaviourCloningRecoversTheExpert() throws {
        let (d, expert) = try expertData(4000)
        let learner = try OfflineTraining(game: game, dataset: d, algorithm: .behaviorCloning, settings: settings(3))
        _ = try learner.run()
        // mu-weighted L1 distance between the policies, per step.
        var mu: [Double] = []
        ExactTools(game: game).distribution(of: expert, into: &mu)
        var distance = 0.0
        let S = game.states, A = game.actions
        for t in 0..<game.horizon { for s in 0..<S { for a in 0..<A {
            distance += mu[t * S + s] * abs(learner.policy[(t * S + s) * A + a] - expert[(t * S + s) * A + a])
        } } }
        distance /= Double(game.horizon)
        print("behaviour cloning: mu-weighted L1 distance to the expert \(distance)")
        // 4000 episodes: ~ sqrt(A / (n_ts)) sampling error per visited state ~ 0.05.
        XCTAssertLessThan(distance, 0.1)
    }

    func testDeepLearnersReduceExploitability() throws {
        let (d, _) = try expertData(2000)
        for algorithm in [OfflineAlgorithm.offMMD, .inSample, .dMOMD] {
            var s = settings(15)
            s.cqlWeight = 0.5
            s.episodesPerIteration = 500
            let logs = try OfflineTraining(game: game, dataset: algorithm == .dMOMD ? nil : d, algorithm: algorithm, settings: s).run()
            let best = logs.map(\.exploitability).min()!
            print("\(algorithm.rawValue): \(logs.map { String(format: "%.3f", $0.exploitability) }.joined(separator: " "))")
            XCTAssertLessThan(best, 0.5 * logs[0].exploitability, algorithm.rawValue)
            XCTAssert(logs.allSatisfy { $0.exploitability.isFinite })
        }
    }

    func testDatasetOfAnotherGameIsRefused() throws {
        let (d, _) = try expertData(10)
        let other = try OpenSpielGames.crowdModelling(size: 9, horizon: 5)
        XCTAssertThrowsError(try OfflineTraining(game: other, dataset: d, algorithm: .offMMD, settings: settings(1))) { e in
            XCTAssert("\(e)".contains("is not of"), "\(e)")
        }
        var s = settings(1)
        s.tau = 0
        XCTAssertThrowsError(try OfflineTraining(game: game, dataset: d, algorithm: .offMMD, settings: s))
    }
}

final class OfflineIterationTests: XCTestCase {
    /// With the target refreshed H times per iteration, tabular Off-MMD evaluates pi_k fully and is
    /// Munchausen mirror descent with step 1/tau (alpha log pi_k): with the exact mean field its iterates
    /// are those of Munchausen mirror descent (`MunchausenMirrorDescent`), written out here.
    func testFullTargetRefreshIsMunchausenMirrorDescent() throws {
        let game = try OpenSpielGames.crowdModelling(size: 8, horizon: 5)
        let expert = try ReferencePolicies.mirrorDescentExpert(game: game, iterations: 10, learningRate: 0.3)
        let d = try DatasetGenerator.generate(game: game, components: [.init(name: "e", policy: expert, proportion: 1)],
                                              episodes: 10, seed: 1, gameSpec: [:])
        var s = OfflineSettings()
        s.iterations = 20
        s.tau = 2
        s.alpha = 0.9
        s.exactMeanField = true
        s.targetUpdates = game.horizon
        let logs = try OfflineTraining(game: game, dataset: d, algorithm: .tabularOffMMD, settings: s).run()
        // Munchausen MD: pi_{k+1} ∝ pi_k^alpha exp(Q^{pi_k}_reg / tau) where Q_reg includes the entropy
        // terms; compare the exploitability curve with the exact iteration written out here.
        let tools = ExactTools(game: game)
        let S = game.states, A = game.actions, H = game.horizon
        var pi = game.uniformPolicy
        var expected = [tools.evaluate(pi).exploitability]
        for _ in 0..<20 {
            let rewards = tools.evaluate(pi).rewards
            // Regularised evaluation: Q = r + alpha tau log pi + P sum pi (Q - tau log pi).
            var v = [Double](repeating: 0, count: (H + 1) * S)
            var q = [Double](repeating: 0, count: H * S * A)
            for t in stride(from: H - 1, through: 0, by: -1) {
                for x in 0..<S {
                    var vx = 0.0
                    for a in 0..<A {
                        let k = (t * S + x) * A + a
                        var e = 0.0
                        for j in game.rowStart[x * A + a]..<game.rowStart[x * A + a + 1] { e += game.probability[j] * v[(t + 1) * S + Int(game.successor[j])] }
                        // log pi clipped at log 1e-6, as the learner does.
                        let lp = max(log(pi[k]), log(1e-6))
                        q[k] = rewards[k] + s.alpha * s.tau * lp + e
                        vx += pi[k] * (q[k] - s.tau * lp)
                    }
                    v[t * S + x] = vx
                }
            }
            for row in 0..<(H * S) {
                let m = (0..<A).map { q[row * A + $0] / s.tau }.max()!
                let z = (0..<A).map { exp(q[row * A + $0] / s.tau - m) }
                let total = z.reduce(0, +)
                for a in 0..<A { pi[row * A + a] = z[a] / total }
            }
            expected.append(tools.evaluate(pi).exploitability)
        }
        for (k, (got, want)) in zip(logs.map(\.exploitability), expected).enumerated() {
            XCTAssertEqual(got, want, accuracy: 1e-12 * max(1, want), "iteration \(k)")
        }
        // The residual entropy weight tau (1 - alpha) = 0.2 keeps it off the unregularised equilibrium.
        XCTAssertLessThan(expected.last!, 0.3 * expected[0])
    }

    func testCoverageAndQualityOfKnownDatasets() throws {
        let game = try OpenSpielGames.crowdModelling(size: 8, horizon: 5)
        let expert = try ReferencePolicies.mirrorDescentExpert(game: game, iterations: 200, learningRate: 0.3)
        let refs = try ReferencePolicies(game: game, expert: expert)
        // Uniform behaviour, many episodes: every reachable (t, s, a) is seen, quality ~ 0.
        let random = try DatasetGenerator.generate(game: game, components: [.init(name: "random", policy: refs.uniform, proportion: 1)],
                                                   episodes: 20_000, seed: 2, gameSpec: [:])
        let r = try DatasetStatistics(dataset: random, game: game, references: refs)
        XCTAssertEqual(r.reachableStateActionCoverage, 1)
        XCTAssertEqual(r.reachableStateCoverage, 1)
        // The mean return estimates V_random with standard error ~ sd / sqrt(N); quality = error / (V_e - V_r).
        XCTAssertEqual(r.quality!, 0, accuracy: 0.05)
        let e = try DatasetStatistics(
            dataset: try DatasetGenerator.generate(game: game, components: [.init(name: "expert", policy: expert, proportion: 1)],
                                                   episodes: 20_000, seed: 3, gameSpec: [:]),
            game: game, references: refs)
        XCTAssertEqual(e.quality!, 1, accuracy: 0.05)
        // One episode covers one state per step: state coverage H / (S H) of all cells.
        let one = try DatasetGenerator.generate(game: game, components: [.init(name: "random", policy: refs.uniform, proportion: 1)],
                                                episodes: 1, seed: 4, gameSpec: [:])
        XCTAssertEqual(try DatasetStatistics(dataset: one, game: game, references: nil).stateCoverage, 1 / Double(game.states), accuracy: 1e-15)
    }
}
