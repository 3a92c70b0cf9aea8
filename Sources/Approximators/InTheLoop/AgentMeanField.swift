import Neural
import RLBridge

/// The mean field of a policy as a method that sees only N agents knows it: N agents simulated in
/// the game (`GameAgents`), their positions (the cell centre, jittered uniformly in the cell), an
/// approximator fitted to them at every step, and its masses on the game's cells. With exits the
/// agents that left make the "exited" state's mass and the approximator shares out the rest.
///
/// The approximator is fitted at `fitSteps(horizon:)` (every step up to 41 of them, else 41 evenly
/// spaced) and its masses are interpolated linearly in time between them: a fit per step of a
/// 320-step game would cost 320 fits. Masses are floored at `1e-6 / S` and renormalised, as the
/// importance-sampling estimate is (`MeanFieldEstimator`): couplings such as `log m` must stay finite
/// where no agent went.
public struct AgentMeanField: Sendable {
    public let game: FiniteMFG
    public let layout: CellLayout
    /// The game's time step: slice t is at time `t dt`.
    public let dt: Double
    public let approximator: any DensityApproximator
    public let agents: Int

    public init(game: FiniteMFG, layout: CellLayout, dt: Double, approximator: any DensityApproximator, agents: Int) throws {
        guard agents >= 1 else { throw ApproximatorError("the number of agents must be at least 1, got \(agents)") }
        guard dt > 0, dt.isFinite else { throw ApproximatorError("the game's time step must be positive, got \(dt)") }
        self.game = game
        self.layout = layout
        self.dt = dt
        self.approximator = approximator
        self.agents = agents
    }

    /// The estimate `[H+1][S]` of `policy`'s mean field, from agents and a fit seeded by `seed`.
    public func estimate(policy: [Double], seed: UInt64) throws -> [Double] {
        let S = game.states, H = game.horizon, N = agents, cells = layout.cells
        let grid = DensityGrid(layout)
        let states = GameAgents.simulate(game, policy: policy, agents: N, seed: seed)
        var generator = SeededGenerator(seed: seed ^ 0x5DEE_CE66_D1CE_4E5B)
        let fitted = Self.fitSteps(horizon: H)
        var points: [[Double]] = [], present: [Double] = []
        for t in 0 ... H {
            var alive = 0
            for k in 0 ..< N where Int(states[t * N + k]) < cells { alive += 1 }
            present.append(Double(alive) / Double(N))
        }
        for t in fitted {
            var slice: [Double] = []
            slice.reserveCapacity(N * grid.dimension)
            for k in 0 ..< N {
                let s = Int(states[t * N + k])
                guard s < cells else { continue }
                var point = [0.0, 0.0]
                grid.uniformPoint(inCell: s, generator: &generator, into: &point)
                slice.append(contentsOf: point[0 ..< grid.dimension])
            }
            points.append(slice)
        }
        // A step where every agent has left keeps the previous step's points (its cell share is 0 anyway).
        for k in points.indices.dropFirst() where points[k].isEmpty { points[k] = points[k - 1] }
        if points[0].isEmpty { throw ApproximatorError("no agent starts in a cell of the game") }
        let samples = PopulationSamples(dimension: grid.dimension, times: fitted.map { Double($0) * dt }, points: points,
                                        source: "agents")
        let model = try approximator.fit(FitData(samples: samples, grid: grid), seed: seed)
        return model.gameMeanField(grid: grid, fitted: fitted, dt: dt, present: present, states: S, seed: seed)
    }

    /// The steps an approximator is fitted at: all of `0 ... H` when there are at most 41, else 41
    /// evenly spaced ones (rounded), the first and the last included.
    public static func fitSteps(horizon H: Int, most: Int = 41) -> [Int] {
        guard H + 1 > most else { return Array(0 ... H) }
        var steps: [Int] = []
        for k in 0 ..< most {
            let t = Int((Double(k) * Double(H) / Double(most - 1)).rounded())
            if steps.last != t { steps.append(t) }
        }
        return steps
    }
}

extension PopulationModel {
    /// A game's mean field `[H+1][S]` from the model fitted at the steps `fitted` (increasing, from 0
    /// to H): its cell masses at those steps' times, linearly interpolated in time between them; at
    /// step t the share `present[t]` of the mass is in the cells, shared out as those masses, the rest
    /// in the "exited" state (state `cellCount`, when `states` has it); each entry floored at `1e-6 / S`
    /// (active cells and "exited"), then each step renormalised.
    func gameMeanField(grid: DensityGrid, fitted: [Int], dt: Double, present: [Double], states S: Int, seed: UInt64) -> [Double] {
        let cells = grid.cellCount, floor = 1e-6 / Double(S), H = present.count - 1
        let masses = fitted.enumerated().map { k, t in self.masses(on: grid, time: Double(t) * dt, seed: seed &+ UInt64(k)) }
        var mu = [Double](repeating: 0, count: (H + 1) * S)
        var k = 0
        for t in 0 ... H {
            while k + 1 < fitted.count - 1 && fitted[k + 1] <= t { k += 1 }
            let (a, b) = fitted.count > 1 ? (k, k + 1) : (0, 0)
            let w = a == b ? 0 : min(max(Double(t - fitted[a]) / Double(fitted[b] - fitted[a]), 0), 1)
            var total = 0.0
            for s in 0 ..< cells {
                let m = (1 - w) * masses[a][s] + w * masses[b][s]
                mu[t * S + s] = grid.isActive(s) ? max(present[t] * m, floor) : 0
                total += mu[t * S + s]
            }
            if S > cells { mu[t * S + cells] = max(1 - present[t], floor); total += mu[t * S + cells] }
            for s in 0 ..< S { mu[t * S + s] /= total }
        }
        return mu
    }
}

extension PopulationModel {
    /// The model's cell masses on `grid` at time `t`, summing to 1 over the active cells
    /// (`gridMasses`), or, for models with only samples, the histogram of `draws` draws (seeded by
    /// `seed`) binned as the scores bin them (`DensityGrid.bin`).
    public func masses(on grid: DensityGrid, time t: Double, draws: Int = 65536, seed: UInt64) -> [Double] {
        if let masses = gridMasses(on: grid, time: t) { return masses }
        var masses = [Double](repeating: 0, count: grid.cellCount)
        var generator = SeededGenerator(seed: seed)
        let points = sample(time: t, count: draws, generator: &generator)
        points.withUnsafeBufferPointer { p in
            for i in 0 ..< points.count / grid.dimension where p[i * grid.dimension].isFinite {
                let k = grid.bin(p.baseAddress! + i * grid.dimension)
                if grid.isActive(k) { masses[k] += 1 }
            }
        }
        let total = masses.reduce(0, +)
        if total > 0 { for k in masses.indices { masses[k] /= total } }
        return masses
    }
}
