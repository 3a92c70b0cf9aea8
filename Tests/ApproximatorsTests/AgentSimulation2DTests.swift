import Approximators
import Foundation
import Neural
import PDE
import RLBridge
import Testing

/// Agents in 2D: obstacles and exits.
@Suite struct AgentSimulation2DTests {
    /// evacuation-2d on a 40 x 40 grid, 80 steps, 4 agent substeps per step (a pillar in front of a door on the
    /// right wall): every agent stays in active cells, and the fraction still in the room matches the PDE's
    /// remaining mass within 4 sampling standard deviations plus 0.03, the discretisation gap measured: at
    /// t = T/4 the PDE's remaining mass is 0.825, 0.844, 0.854, 0.858, 0.860 on 20, 40 (nt 40), 40, 60, 80 cells
    /// (first order, still rising) while the agents give 0.876-0.880 from 40 cells on; at t = T/2 and 3T/4 they
    /// agree within 0.03 at 40 cells and 0.01 at 80. (On 20 cells and 20 steps, dt = 0.1, the gap is 0.12.)
    @Test func obstaclesAndExits() throws {
        let (model, equilibrium) = try solved("evacuation-2d.toml", grid: GridSize(nx: 40, ny: 40, nt: 80))
        let times = GridDensity.sliceTimes(equilibrium, count: 5)
        let simulation = try AgentSimulation(model: model, equilibrium: equilibrium, substeps: 4)
        let agents = 8192
        let run = try simulation.run(agents: agents, times: times, seed: 1)
        let grid = simulation.grid
        for k in times.indices {
            try #require(run.samples.count(k) == Int((run.remaining[k] * Double(agents)).rounded()))
            let inside = run.samples.points[k].withUnsafeBufferPointer { p in
                (0..<run.samples.count(k)).allSatisfy { grid.cell(containing: p.baseAddress! + 2 * $0) != nil }
            }
            #expect(inside, "slice \(k): an agent outside the active cells")
        }
        let reference = GridDensity.reference(equilibrium, times: times)
        for k in times.indices {
            let pde = reference.totals[k] / reference.totals[0], agentsLeft = run.remaining[k]
            let sd = (pde * (1 - pde) / Double(agents)).squareRoot()
            print("evacuation-2d t = \(times[k]): remaining \(agentsLeft) agents, \(pde) PDE")
            #expect(abs(agentsLeft - pde) < 4 * sd + 0.03, "t = \(times[k])")
        }
        #expect(run.remaining.last! < 0.9)   // the door is used
    }

    /// A policy run of the discretised 1D game: draws of its distribution, jittered into the cells.
    @Test func statesOfADiscretisedGame() throws {
        let (model, equilibrium) = linearQuadratic
        guard case let .oneD(problem) = model else { return }
        let game = try ContinuousGame(problem: problem, nx: 40, minimumSteps: 20, actions: 5, maximumVelocity: 3)
        let alpha = try FeedbackControl(t: equilibrium.t, x: equilibrium.x, y: nil, components: equilibrium.control)
        let sampled = alpha.sampled(times: (0..<game.game.horizon).map { Double($0) * game.dt }, x: game.x, y: nil)[0]
        let policy = game.policy { t, x in sampled[min(Int((t / game.dt).rounded()), game.game.horizon - 1) * game.x.count + min(max(Int(((x - game.x[0]) / game.h).rounded()), 0), game.x.count - 1)] }
        var mu: [Double] = []
        ExactTools(game: game.game).distribution(of: policy, into: &mu)
        let S = game.game.states, steps = [0, game.game.horizon]
        let states = try DiscreteStateSamples.draw(distribution: mu, states: S, steps: steps, count: 20000, seed: 1)
        let grid = DensityGrid(game)
        let samples = try DiscreteStateSamples.jittered(grid: grid, states: states, times: steps.map { Double($0) * game.dt }, source: "policy", seed: 2)
        let model2 = try Histogram().fit(FitData(samples: samples, grid: grid), seed: 0) as! HistogramModel
        for (k, t) in steps.enumerated() {
            let l1 = zip(model2.masses[k], mu[t * S ..< (t + 1) * S]).reduce(0) { $0 + abs($1.0 - $1.1) }
            #expect(l1 < 0.06, "L1 \(l1) at step \(t)")   // 40 cells, 20000 draws: E L1 ~ sqrt(2 * 40 / (pi * 20000)) = 0.036
        }
    }
}
