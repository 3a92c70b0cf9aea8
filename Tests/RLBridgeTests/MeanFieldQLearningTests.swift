import Foundation
import Testing
@testable import RLBridge

/// Issue 15, point 6: mean-field Q-learning against a case with a known answer.
@Suite struct MeanFieldQLearningTests {
    /// On the mean-field Ising game (J = 2, h = 0) with Boltzmann exploration at T = 1.5, the agents'
    /// mean spin settles at a regularised equilibrium `m = tanh(J m / T)`: +-m*, m* = 0.7755 (the table
    /// of ../shared/reference/rl-methods.md; the sign is chosen by the first episodes' noise). With 2000 agents a single episode's mean spin fluctuates by
    /// about 2 sqrt((1 - m*^2)/4 / 2000) = 0.014 (two standard deviations), so the last 100 episodes'
    /// average is checked to 0.01.
    @Test func isingMeanSpinIsTheRegularisedEquilibrium() throws {
        let game = try MeanFieldIsing.make(field: 0, coupling: 2)
        let exact = MeanFieldIsing.equilibriumMean(field: 0, coupling: 2, temperature: 1.5)
        #expect(abs(exact - 0.7755) < 1e-4)
        var learner = try MeanFieldQLearning(game: game, agents: 2000, temperature: 1.5, learningRate: 0.1, bins: 20, seed: 1)
        var spins: [Double] = []
        for k in 0..<400 {
            let abar = learner.episode()
            if k >= 300 { spins.append(abar[0] - abar[1]) }
        }
        let mean = abs(spins.reduce(0, +) / Double(spins.count))
        #expect(abs(mean - exact) < 0.01, "MF-Q mean spin \(mean), exact \(exact)")
        // Above the critical temperature (T_c = J = 2) the only equilibrium is m = 0.
        var hot = try MeanFieldQLearning(game: game, agents: 2000, temperature: 3, learningRate: 0.1, bins: 20, seed: 2)
        var hotSpins: [Double] = []
        for k in 0..<400 { let abar = hot.episode(); if k >= 300 { hotSpins.append(abar[0] - abar[1]) } }
        #expect(abs(hotSpins.reduce(0, +) / Double(hotSpins.count)) < 0.02)
    }

    /// On crowd_modelling the learned policy's exact exploitability falls well below the uniform policy's.
    @Test func learnsOnCrowdModelling() throws {
        let game = try OpenSpielGames.make("crowd_modelling", parameters: [:])
        let tools = ExactTools(game: game)
        let uniform = tools.evaluate([Double](repeating: 1.0 / 3, count: game.policySize)).exploitability
        var learner = try MeanFieldQLearning(game: game, agents: 500, temperature: 0.2, learningRate: 0.2, bins: 3, seed: 0)
        for _ in 0..<300 { learner.episode() }
        let learned = tools.evaluate(learner.learnedPolicy).exploitability
        #expect(learned < 0.5 * uniform, "learned \(learned), uniform \(uniform)")
    }

    @Test func refusesBadSettings() throws {
        let game = try MeanFieldIsing.make()
        #expect(throws: RLError.self) { try MeanFieldQLearning(game: game, agents: 0) }
        #expect(throws: RLError.self) { try MeanFieldQLearning(game: game, temperature: 0) }
        #expect(throws: RLError.self) { try MeanFieldQLearning(game: game, learningRate: 2) }
        #expect(throws: RLError.self) { try MeanFieldQLearning(game: game, bins: 0) }
    }
}
