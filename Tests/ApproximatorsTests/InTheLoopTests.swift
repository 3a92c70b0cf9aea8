import Approximators
import Foundation
import Neural
import PDE
import Problems
import RLBridge
import Testing

func catalogueProblem(_ name: String) throws -> ProblemFile {
    let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("problems")
    return try ProblemFile.load(path: directory.appendingPathComponent(name + ".toml").path)
}

func crowdAversionGame(cells: Int = 10, reference: Int = 40) throws -> DiscretisedProblem {
    guard case let .oneD(p) = try catalogueProblem("crowd-aversion-1d").model else { fatalError("crowd-aversion-1d is 1D") }
    return try DiscretisedProblem.oneD(p, nx: cells, reference: reference)
}

@Suite struct InTheLoopTests {
    /// The agents' mean field tends to the exact one: with N agents the cell counts have L1 error
    /// about sqrt(S / N) (sum over S cells of standard deviations sqrt(p(1-p)/N)), so 4 sqrt(S/N)
    /// bounds it at every step with room.
    @Test func agentMeanFieldApproachesTheExactDistribution() throws {
        let d = try crowdAversionGame()
        let tools = ExactTools(game: d.game)
        let policy = d.game.uniformPolicy
        let exact = tools.evaluate(policy).distribution
        let N = 20000
        let estimate = try AgentMeanField(game: d.game, layout: d.layout, dt: d.dt, approximator: Histogram(), agents: N)
            .estimate(policy: policy, seed: 3)
        let S = d.game.states
        var worst = 0.0
        for t in 0 ... d.game.horizon {
            var l1 = 0.0
            for s in 0 ..< S { l1 += abs(estimate[t * S + s] - exact[t * S + s]) }
            worst = max(worst, l1)
        }
        #expect(worst < 4 * (Double(S) / Double(N)).squareRoot(), "worst L1 \(worst)")
        // The same seed, the same estimate.
        let again = try AgentMeanField(game: d.game, layout: d.layout, dt: d.dt, approximator: Histogram(), agents: N)
            .estimate(policy: policy, seed: 3)
        #expect(again == estimate)
    }

    /// Fictitious play on the histogram of many agents follows the exact-mu run: after 10 iterations its
    /// exact exploitability is within 20% of the exact run's plus 5e-3 (the rewards' relative error is
    /// that of the counts, about 1/sqrt(N p) ~ 2% per cell here, and a best response moves by whole
    /// actions where Q values nearly tie).
    @Test func fictitiousPlayWithManyAgentsFollowsTheExactRun() throws {
        let d = try crowdAversionGame()
        let exact = try InTheLoopRun.run(d, algorithm: .fictitiousPlay, approximator: nil, agents: 1, iterations: 10, seed: 1)
        let agents = try InTheLoopRun.run(d, algorithm: .fictitiousPlay, approximator: Histogram(), agents: 50000,
                                          iterations: 10, seed: 1)
        #expect(exact.exploitability.count == 11 && agents.exploitability.count == 11)
        #expect(exact.exploitability[10] < exact.exploitability[0] / 2)
        #expect(abs(agents.exploitability[10] - exact.exploitability[10]) <= 0.2 * exact.exploitability[10] + 5e-3,
                "agents \(agents.exploitability), exact \(exact.exploitability)")
        print("in the loop: exact \(exact.exploitability.last!) agents \(agents.exploitability.last!)  l1 \(exact.l1) \(agents.l1)")
    }
}

@Suite struct DatasetMeanFieldTests {
    /// The histogram of the importance-weighted states is the importance-sampling estimate itself at
    /// the fitting steps: where every cell has data the floors are inactive, and the two agree to round-off.
    @Test func weightedCellCountsAreTheImportanceSamplingEstimate() throws {
        let d = try crowdAversionGame()
        let game = d.game
        let dataset = try DatasetGenerator.generate(
            game: game, components: [.init(name: "uniform", policy: game.uniformPolicy, proportion: 1)],
            episodes: 4000, seed: 5, gameSpec: [:])
        let reference = MeanFieldEstimator(dataset: dataset)
        let smoothed = try DatasetMeanField(dataset: dataset, layout: d.layout, dt: d.dt, approximator: Histogram(), seed: 1)
        // A policy other than the behaviour, so that the weights are not all 1.
        var policy = game.uniformPolicy
        for k in stride(from: 0, to: policy.count, by: game.actions) {
            for a in 0 ..< game.actions { policy[k + a] = a == 0 ? 0.5 : 0.5 / Double(game.actions - 1) }
        }
        var expected: [Double] = [], actual: [Double] = []
        reference.estimate(policy: policy, into: &expected)
        smoothed.estimate(policy: policy, into: &actual)
        #expect(smoothed.failedFits == 0)
        // At the fitting steps; between them the estimate is interpolated in time.
        let S = game.states
        for t in AgentMeanField.fitSteps(horizon: game.horizon) {
            let difference = (0 ..< S).map { abs(expected[t * S + $0] - actual[t * S + $0]) }.max()!
            #expect(difference < 1e-12, "step \(t): max difference \(difference)")
        }
    }
}
