import Neural
import PDE
import RLBridge

/// The discrete source: the states of a finite game's agents (a trajectory dataset, or a policy
/// run of a discretised continuous game) turned into points. States `0 ..< cellCount` are the grid's
/// cells (`ContinuousGame`, `ContinuousGame2D`: cell `i n + j` in 2D); a state beyond them (the
/// "exited" state of games with exits) is an agent that left, and is dropped. Each agent's point is
/// its cell's centre jittered uniformly within the cell (`x_i + (u - 1/2) h` per axis).
public enum DiscreteStateSamples {
    /// Points for the states of each slice; the same seed gives the same jitter.
    public static func jittered(grid: DensityGrid, states: [[Int]], times: [Double], source: String, seed: UInt64) throws -> PopulationSamples {
        guard states.count == times.count else {
            throw ApproximatorError("\(states.count) slices of states for \(times.count) times: give one slice per time")
        }
        var generator = SeededGenerator(seed: seed)
        let d = grid.dimension
        var points: [[Double]] = []
        for (k, slice) in states.enumerated() {
            var p = [Double](repeating: 0, count: slice.count * d), n = 0
            try p.withUnsafeMutableBufferPointer { buffer in
                for s in slice {
                    guard s >= 0 else { throw ApproximatorError("state \(s) in slice \(k): states are non-negative cell indices") }
                    guard s < grid.cellCount else { continue }   // exited
                    guard grid.isActive(s) else {
                        throw ApproximatorError("state \(s) in slice \(k) is an obstacle cell: the states do not belong to this grid")
                    }
                    grid.uniformPoint(inCell: s, generator: &generator, into: buffer.baseAddress! + n * d)
                    n += 1
                }
            }
            points.append(Array(p[0 ..< n * d]))
        }
        return PopulationSamples(dimension: d, times: times, points: points, source: source)
    }

    /// The states of a dataset's episodes at each step `t = 0 ... H`: `[H + 1][episodes]`.
    public static func states(of dataset: OfflineDataset) -> [[Int]] {
        let H = dataset.horizon
        return (0...H).map { t in (0..<dataset.episodes).map { Int(dataset.statesVisited[$0 * (H + 1) + t]) } }
    }

    /// `count` agents' states at each of `steps`, drawn independently per step from the game's
    /// distribution `mu[t][s]` (`Evaluation.distribution`, `[(H + 1) S]` row-major, `S = states`): the
    /// marginals of a policy run (agents in the exited state included, to be dropped by `jittered`).
    public static func draw(distribution mu: [Double], states S: Int, steps: [Int], count: Int, seed: UInt64) throws -> [[Int]] {
        try checkCount(count, "agents per step")
        guard S > 0, mu.count % S == 0 else { throw ApproximatorError("a distribution of \(mu.count) values is not rows of \(S) states") }
        var generator = SeededGenerator(seed: seed)
        return try steps.map { t in
            guard t >= 0, (t + 1) * S <= mu.count else {
                throw ApproximatorError("step \(t) is outside the distribution's \(mu.count / S) rows")
            }
            let row = Array(mu[t * S ..< (t + 1) * S]) + (S == 1 ? [0] : [])
            let sampler = try CellSampler(grid: DensityGrid.states(S), masses: row)
            return (0..<count).map { _ in sampler.cell(&generator) }
        }
    }
}

extension DensityGrid {
    /// A 1D grid of `count` unit cells, to draw state indices by mass with `CellSampler`.
    static func states(_ count: Int) -> DensityGrid {
        DensityGrid(x: (0..<max(count, 2)).map(Double.init), lower: [-0.5], upper: [Double(max(count, 2)) - 0.5])
    }

    /// The cells of a discretised 1D game (its states `0 ..< cells`).
    public init(_ game: ContinuousGame) {
        let h = game.h
        self.init(x: game.x, lower: [game.x[0] - h / 2], upper: [game.x[game.x.count - 1] + h / 2], periodic: game.periodic)
    }

    /// The cells of a discretised 2D game (its states `i n + j`, obstacles inactive).
    public init(_ game: ContinuousGame2D) {
        let h = game.h
        self.init(x: game.x, y: game.y, active: game.active.contains(false) ? game.active : nil,
                  lower: [game.x[0] - h / 2, game.y[0] - h / 2], upper: [game.x[game.n - 1] + h / 2, game.y[game.n - 1] + h / 2],
                  periodic: game.periodic)
    }
}
