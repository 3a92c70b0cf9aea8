import Neural
import RLBridge

/// Off-MMD's mean field with an approximator in place of the importance-sampling histogram: the
/// dataset's states at the fitting steps (`AgentMeanField.fitSteps`), placed in their cells (centre
/// plus a fixed uniform jitter), carry the importance weights of `MeanFieldEstimator`
/// (`w_{t-1}(s) pi/beta / N`); the approximator is fitted to these weighted samples and its cell
/// masses, interpolated in time between the fitting steps, are the estimate (the mass in the
/// "exited" state, if any, is the importance-sampling one). Each call fits anew, with the seed advanced by
/// one per call, so a run is reproducible.
public final class DatasetMeanField: MeanFieldEstimate {
    public let approximator: any DensityApproximator
    let estimator: MeanFieldEstimator
    let grid: DensityGrid
    let states: Int, horizon: Int, episodes: Int
    let dt: Double
    /// The steps the approximator is fitted at (`AgentMeanField.fitSteps`).
    let fitted: [Int]
    /// `positions[t]`: the points of the episodes whose state at t is a cell, and `episode[t]` which episodes they are.
    let positions: [[Double]], episode: [[Int]]
    var sampleWeights: [Double] = [], importance: [Double] = []
    let seed: UInt64
    var calls: UInt64 = 0
    /// Fits that failed (degenerate weights), where the importance-sampling estimate was used instead.
    public private(set) var failedFits = 0
    /// The last failure's message.
    public private(set) var lastFailure: String?

    public init(dataset: OfflineDataset, layout: CellLayout, dt: Double, approximator: any DensityApproximator, seed: UInt64) throws {
        guard dataset.states == layout.cells || dataset.states == layout.cells + 1 else {
            throw ApproximatorError("the dataset has \(dataset.states) states, the game's grid \(layout.cells) cells")
        }
        estimator = MeanFieldEstimator(dataset: dataset)
        grid = DensityGrid(layout)
        self.approximator = approximator
        self.seed = seed
        states = dataset.states; horizon = dataset.horizon; episodes = dataset.episodes
        self.dt = dt
        fitted = AgentMeanField.fitSteps(horizon: dataset.horizon)
        var generator = SeededGenerator(seed: seed ^ 0xA076_1D64_78BD_642F)
        var positions: [[Double]] = [], episode: [[Int]] = []
        for t in fitted {
            var points: [Double] = [], which: [Int] = []
            for e in 0 ..< episodes {
                let s = Int(dataset.statesVisited[e * (horizon + 1) + t])
                guard s < layout.cells else { continue }
                var point = [0.0, 0.0]
                grid.uniformPoint(inCell: s, generator: &generator, into: &point)
                points.append(contentsOf: point[0 ..< grid.dimension])
                which.append(e)
            }
            positions.append(points)
            episode.append(which)
        }
        guard !positions[0].isEmpty else { throw ApproximatorError("no episode of the dataset starts in a cell of the game") }
        self.positions = positions
        self.episode = episode
    }

    public func estimate(policy: [Double], into mu: inout [Double]) {
        calls += 1
        estimator.estimate(policy: policy, into: &importance, sampleWeights: &sampleWeights)
        var points = positions, weights: [[Double]] = []
        for (k, t) in fitted.enumerated() {
            var w = episode[k].map { sampleWeights[$0 * (horizon + 1) + t] }
            if !(w.reduce(0, +) > 0) {   // no weight at this step: the empirical states, as the estimator falls back to
                w = [Double](repeating: 1, count: w.count)
            }
            if w.isEmpty { points[k] = points[k - 1]; w = weights[k - 1] }
            weights.append(w)
        }
        let present = (0 ... horizon).map { t in states > grid.cellCount ? 1 - importance[t * states + grid.cellCount] : 1 }
        let samples = PopulationSamples(dimension: grid.dimension, times: fitted.map { Double($0) * dt }, points: points,
                                        weights: weights, source: "dataset")
        let fitSeed = seed &+ calls
        do {
            let model = try approximator.fit(FitData(samples: samples, grid: grid), seed: fitSeed)
            mu = model.gameMeanField(grid: grid, fitted: fitted, dt: dt, present: present, states: states, seed: fitSeed)
        } catch {
            // A fit that fails (degenerate weights) leaves the importance-sampling estimate, and is counted.
            failedFits += 1
            lastFailure = "\(error)"
            mu = importance
        }
    }
}
