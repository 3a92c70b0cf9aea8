import Foundation
import Testing
@testable import RLBridge

@Suite struct TabularAlgorithmTests {
    @Test func algorithmsReduceExploitability() throws {
        let g = try OpenSpielGames.make("crowd_modelling", parameters: [:])
        for algorithm in TabularAlgorithm.allCases {
            let solver = try TabularSolver(game: g, algorithm: algorithm, learningRate: 1)
            let start = solver.exploitability
            let log = solver.run(iterations: 50)
            print("\(algorithm.rawValue): \(start) -> \(log[9].exploitability) (10) -> \(log.last!.exploitability) (50)")
            if algorithm != .fixedPoint && algorithm != .boltzmannPolicyIteration {
                #expect(log.last!.exploitability < 0.2 * start)
            }
        }
    }

    /// Munchausen mirror descent with alpha = 1 has the iterates of mirror descent.
    @Test func munchausenEqualsMirrorDescentAtAlphaOne() throws {
        let g = try OpenSpielGames.make("crowd_modelling", parameters: ["size": 7, "horizon": 5])
        let a = try TabularSolver(game: g, algorithm: .mirrorDescent, learningRate: 0.3)
        let b = try TabularSolver(game: g, algorithm: .munchausenMirrorDescent, learningRate: 0.3)
        _ = a.run(iterations: 20); _ = b.run(iterations: 20)
        let d = zip(a.policy, b.policy).reduce(0.0) { max($0, abs($1.0 - $1.1)) }
        #expect(d < 1e-12)
    }
}
