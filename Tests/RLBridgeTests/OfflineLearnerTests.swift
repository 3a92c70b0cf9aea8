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
        let logs = try OfflineLearner(game: game, dataset: d, algorithm: .tabularOffMMD, settings: s).run()
        print("tabular Off-MMD (exact mean field):", logs[0].exploitability, logs[50].exploitability, logs.last!.exploitability)
        XCTAssertLessThan(logs.last!.exploitability, 1e-2 * logs[0].exploitability)
    }

    func testBehaviourCloningRecoversTheExpert() throws {
        let (d, expert) = try expertData(4000)
        let learner = try OfflineLearner(game: game, dataset: d, algorithm: .behaviorCloning, settings: settings(3))
        _ = try learner.run()
        // mu-weighted L1 distance between the policies, per step.
        var mu: [Double] = []
        learner.tools.distribution(of: expert, into: &mu)
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
            let logs = try OfflineLearner(game: game, dataset: algorithm == .dMOMD ? nil : d, algorithm: algorithm, settings: s).run()
            let best = logs.map(\.exploitability).min()!
            print("\(algorithm.rawValue): \(logs.map { String(format: "%.3f", $0.exploitability) }.joined(separator: " "))")
            XCTAssertLessThan(best, 0.5 * logs[0].exploitability, algorithm.rawValue)
            XCTAssert(logs.allSatisfy { $0.exploitability.isFinite })
        }
    }

    func testDatasetOfAnotherGameIsRefused() throws {
        let (d, _) = try expertData(10)
        let other = try OpenSpielGames.crowdModelling(size: 9, horizon: 5)
        XCTAssertThrowsError(try OfflineLearner(game: other, dataset: d, algorithm: .offMMD, settings: settings(1))) { e in
            XCTAssert("\(e)".contains("is not of"), "\(e)")
        }
        var s = settings(1)
        s.tau = 0
        XCTAssertThrowsError(try OfflineLearner(game: game, dataset: d, algorithm: .offMMD, settings: s))
    }
}
