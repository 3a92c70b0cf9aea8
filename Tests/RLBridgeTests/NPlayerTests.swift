import Foundation
import PDE
import Testing
@testable import RLBridge

/// Issue 16, point 2: N-player validation.
@Suite struct NPlayerTests {
    /// A policy that is not an equilibrium keeps its epsilon: at N = 10,000 it is the exact mean-field
    /// exploitability (uniform policy on crowd_modelling: 2.7867) up to the O(1/sqrt N) fluctuations
    /// of the empirical distribution (2%).
    @Test func uniformPolicyKeepsItsExploitability() throws {
        let game = try OpenSpielGames.make("crowd_modelling", parameters: [:])
        let uniform = [Double](repeating: 1.0 / Double(game.actions), count: game.policySize)
        let exact = ExactTools(game: game).evaluate(uniform).exploitability
        let e = try FiniteNPlayer.estimate(game, policy: uniform, players: 10_000, runs: 20)
        #expect(abs(e.epsilon - exact) < 0.02 * exact, "epsilon \(e.epsilon), exact \(exact)")
        #expect(e.low <= e.epsilon && e.epsilon <= e.high)
    }

    /// The mean-field equilibrium's epsilon falls with N (mirror descent to exploitability 2e-4).
    @Test func equilibriumEpsilonVanishes() throws {
        let game = try OpenSpielGames.make("crowd_modelling", parameters: [:])
        var run = TabularRun(game: game, algorithm: try TabularAlgorithmName.mirrorDescent.make(game: game, learningRate: 1))
        for _ in 0..<300 { _ = run.step() }
        let estimates = try [10, 10_000].map { try FiniteNPlayer.estimate(game, policy: run.policy, players: $0, runs: 100) }
        #expect(estimates[1].epsilon < 0.1 * estimates[0].epsilon, "\(estimates.map(\.epsilon))")
        #expect(estimates[1].epsilon < 0.05)
    }

    /// Continuous: agents following half the equilibrium feedback of the linear-quadratic problem;
    /// at N = 2000 epsilon_N is the PDE exploitability of that control on the same grid
    /// (`ControlEvaluation`, an independent computation: the FP scheme against Euler-Maruyama
    /// agents) within 3%: the two discretisations differ by 2.0%, 0.75%, 0.67% on 100 x 20, 200 x 40,
    /// 400 x 80, and the 95% interval of 10 runs is +-1.3%.
    @Test func continuousEpsilonTendsToThePDEExploitability() throws {
        let problem = try Catalogue.linearQuadratic()
        let grid = GridSize(nx: 200, nt: 40)
        let s = try MFGSolver.solve(.oneD(problem), grid: grid)
        let half = try FeedbackControl(t: s.t, x: s.x, y: nil, components: [s.control[0].map { 0.5 * $0 }])
        let pde = try ControlEvaluation.evaluate(.oneD(problem), control: half, grid: grid).exploitability
        let e = try ContinuousNPlayer.estimate(problem, control: half, grid: grid, players: 2000, runs: 10)
        #expect(abs(e.epsilon - pde) < 0.03 * pde, "N-player \(e.epsilon), PDE \(pde)")
    }

    @Test func refusesBadSizes() throws {
        let game = try OpenSpielGames.make("crowd_modelling", parameters: [:])
        let uniform = [Double](repeating: 1.0 / 3, count: game.policySize)
        #expect(throws: RLError.self) { try FiniteNPlayer.estimate(game, policy: uniform, players: 1, runs: 10) }
        #expect(throws: RLError.self) { try FiniteNPlayer.estimate(game, policy: uniform, players: 10, runs: 1) }
        #expect(throws: RLError.self) { try FiniteNPlayer.estimate(game, policy: [1], players: 10, runs: 5) }
    }
}
