import Foundation
import Neural
import PDE
import RLBridge

/// The agents source: `N` agents drawn from the equilibrium's `m0` (a cell by mass, uniform in the
/// cell) follow its feedback control by Euler-Maruyama on `dX = a(t, X) dt + sqrt(2 nu) dW`,
/// `substeps` steps per time step of the grid, the control of level `n` during step `n -> n+1`:
/// `ParticleStep1D` (shared with `ContinuousNPlayer`) in 1D, `ParticleStep2D` in 2D (walls reflect,
/// tori wrap, obstacles reflect, exits absorb with the Brownian-bridge crossing test). An agent that
/// leaves through an exit is dropped: each slice holds the agents still present, equally weighted,
/// and `remaining` the fraction of the `N` agents they are.
public struct AgentSimulation: Sendable {
    public let model: MFGModel
    public let equilibrium: Equilibrium
    public let grid: DensityGrid
    public let substeps: Int

    /// The positions at a list of time levels, and the fraction of the agents still present there.
    public struct Run: Sendable {
        public let samples: PopulationSamples
        public let remaining: [Double]
    }

    public init(model: MFGModel, equilibrium: Equilibrium, substeps: Int = 1) throws {
        guard (equilibrium.t?.count ?? 0) > 1 else {
            throw ApproximatorError("agent simulation needs a time-dependent equilibrium; \(model.name) is ergodic (sample it with OracleSamples)")
        }
        guard model.dimension == equilibrium.dimension else {
            throw ApproximatorError("a \(model.dimension)D problem with a \(equilibrium.dimension)D equilibrium: solve the same problem")
        }
        try checkCount(substeps, "substeps per time step")
        self.model = model
        self.equilibrium = equilibrium
        grid = DensityGrid(equilibrium, model: model)
        self.substeps = substeps
    }

    /// Simulates `agents` agents from `seed` and records them at the time levels nearest to `times`.
    public func run(agents: Int, times: [Double], seed: UInt64) throws -> Run {
        try checkCount(agents, "agents")
        guard !times.isEmpty, times.allSatisfy(\.isFinite) else { throw ApproximatorError("give at least one finite slice time, got \(times)") }
        let t = equilibrium.t!, nt = equilibrium.nt, d = grid.dimension
        let record = times.map { equilibrium.level(nearest: $0) }
        var generator = SeededGenerator(seed: seed)
        var normals = NormalDraws()
        let initial = equilibrium.level(equilibrium.m, 0).map { $0 * equilibrium.cellVolume }
        var positions = try CellSampler(grid: grid, masses: initial).sample(count: agents, generator: &generator)
        var present = [Bool](repeating: true, count: agents)
        var slices = [[Double]](repeating: [], count: record.count)
        var remaining = [Double](repeating: 0, count: record.count)
        /// Records the agents present after step `n` (level `n`) in the slices that want that level.
        func snapshot(_ n: Int, _ pos: UnsafeMutableBufferPointer<Double>) {
            for (k, level) in record.enumerated() where level == n {
                var slice: [Double] = []
                slice.reserveCapacity(agents * d)
                var alive = 0
                for a in 0..<agents where present[a] {
                    alive += 1
                    for c in 0..<d { slice.append(pos[a * d + c]) }
                }
                slices[k] = slice
                remaining[k] = Double(alive) / Double(agents)
            }
        }
        let dt = (t[1] - t[0]) / Double(substeps), size = equilibrium.levelSize
        positions.withUnsafeMutableBufferPointer { pos in
            snapshot(0, pos)
            switch model {
            case let .oneD(problem):
                let particle = ParticleStep1D(lower: problem.lower, upper: problem.upper, count: grid.nx,
                                              periodic: problem.boundary == .periodic, dt: dt, viscosity: problem.viscosity,
                                              leftExit: problem.leftExit != nil, rightExit: problem.rightExit != nil)
                equilibrium.control[0].withUnsafeBufferPointer { control in
                    for n in 0..<nt {
                        let row = control.baseAddress! + n * size
                        for _ in 0..<substeps {
                            for a in 0..<agents where present[a] {
                                let p = pos[a]
                                let z = normals.next(&generator)
                                let u = particle.hasExit ? generator.unit() : nil
                                if let q = particle.step(p, velocity: particle.velocity(row, at: p), normal: z, crossing: u) {
                                    pos[a] = q
                                } else { present[a] = false }
                            }
                        }
                        snapshot(n + 1, pos)
                    }
                }
            case let .twoD(problem):
                let particle = ParticleStep2D(problem: problem, grid: grid, dt: dt)
                equilibrium.control[0].withUnsafeBufferPointer { cx in
                    equilibrium.control[1].withUnsafeBufferPointer { cy in
                        for n in 0..<nt {
                            let ax = cx.baseAddress! + n * size, ay = cy.baseAddress! + n * size
                            for _ in 0..<substeps {
                                for a in 0..<agents where present[a] {
                                    let p = pos.baseAddress! + 2 * a
                                    let z = (normals.next(&generator), normals.next(&generator))
                                    let u = particle.hasExit ? generator.unit() : 0
                                    if !particle.step(p, velocity: particle.velocity(ax, ay, at: p), normals: z, crossing: u) {
                                        present[a] = false
                                    }
                                }
                            }
                            snapshot(n + 1, pos)
                        }
                    }
                }
            }
        }
        let samples = PopulationSamples(dimension: d, times: record.map { t[$0] }, points: slices, source: "agents")
        return Run(samples: samples, remaining: remaining)
    }
}
