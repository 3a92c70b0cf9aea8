import Foundation
import XCTest
import Neural
@testable import RLBridge

final class OfflineLearnerTests: XCTestCase {
    func testExplore() throws {
        let game = try FourRooms.make(task: .exploration)
        let expert = try ReferencePolicies.mirrorDescentExpert(game: game, iterations: 2000, learningRate: 0.03)
        let data = try DatasetGenerator.generate(game: game, components: [.init(name: "expert", policy: expert, proportion: 1)], episodes: 2000, seed: 1, gameSpec: [:])
        for (alg, exact, its) in [(OfflineAlgorithm.offMMD, false, 20), (.behaviorCloning, false, 3), (.inSample, false, 5)] {
            var s = OfflineSettings()
            s.iterations = its
            s.exactMeanField = exact
            s.updatesPerIteration = 500
            let l = try OfflineLearner(game: game, dataset: data, algorithm: alg, settings: s)
            let logs = try l.run()
            print(alg, exact, logs.map { String(format: "%.2f/%.3f", $0.exploitability, $0.meanFieldError) }.joined(separator: " "), logs.last!.seconds)
        }
    }
}
