import Foundation
import Testing
@testable import RLBridge

@Suite struct TabularAlgorithmTests {
    @Test func algorithmsReduceExploitability() throws {
        let g = try OpenSpielGames.make("crowd_modelling", parameters: [:])
        for name in TabularAlgorithmName.allCases {
            var run = TabularRun(game: g, algorithm: try name.make(game: g, learningRate: 1))
            let start = run.exploitability
            let log = run.run(iterations: 50)
            print("\(name.rawValue): \(start) -> \(log[9].exploitability) (10) -> \(log.last!.exploitability) (50)")
            if name != .fixedPoint && name != .boltzmannPolicyIteration {
                #expect(log.last!.exploitability < 0.2 * start)
            }
        }
    }

    /// Munchausen mirror descent with alpha = 1 has the iterates of mirror descent.
    @Test func munchausenEqualsMirrorDescentAtAlphaOne() throws {
        let g = try OpenSpielGames.make("crowd_modelling", parameters: ["size": 7, "horizon": 5])
        var a = TabularRun(game: g, algorithm: try MirrorDescent(game: g, learningRate: 0.3))
        var b = TabularRun(game: g, algorithm: try MunchausenMirrorDescent(game: g, learningRate: 0.3, alpha: 1))
        _ = a.run(iterations: 20); _ = b.run(iterations: 20)
        let d = zip(a.policy, b.policy).reduce(0.0) { max($0, abs($1.0 - $1.1)) }
        #expect(d < 1e-12)
    }
}
