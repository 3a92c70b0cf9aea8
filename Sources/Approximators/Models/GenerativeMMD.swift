import Foundation
import Neural

/// The generator ``GeneratorModel`` trained against a fixed kernel instead of a discriminator
/// (a generative moment-matching network: Li, Swersky, Zemel 2015; Dziugaite, Roy, Ghahramani
/// 2015): each step draws `slicesPerStep` slices `k >= 1` and minimises the unbiased
///
///     MMD^2_k = mean_{i != j} k(y_i, y_j) - 2 mean_{i, j} k(y_i, x_j) + mean_{i != j} k(x_i, x_j)
///
/// between `n` generated points `y = G(t_k, z)` and `n` observed agents `x` of the slice, in the
/// normalised coordinates `x~`, with the multi-bandwidth Gaussian kernel
/// `k(a, b) = sum_{m < M} exp(-|a - b|^2 / (2 s_m^2))`, `s_m = 2 s_med / 2^m` (`s_med` the median
/// pairwise distance of the observed agents, fixed before training), so `exp_{m+1} = exp_m^4`.
/// The gradient `dMMD^2/dy_i = 2/(n(n-1)) sum_{j != i} d1 k(y_i, y_j) - 2/n^2 sum_j d1 k(y_i, x_j)`,
/// `d1 k(a, b) = -sum_m k_m(a, b) (a - b) / s_m^2`, goes through the fold and `G`. No adversary, so
/// the training is a plain minimisation (the stable variant). A sample-only model.
public struct GenerativeMMD: DensityApproximator {
    /// The generator's network and the training length; `batch` generated rows per step, split
    /// evenly between the slices of the step.
    public var training: TrainingSettings
    public var slicesPerStep: Int
    /// The number of kernel bandwidths `M`.
    public var bandwidths: Int
    /// The standard deviation, in cells, of the Gaussian smoothing of the slice-0 draws.
    public var initialSmoothing: Double

    public var kind: ApproximatorKind { .generativeMMD }

    /// Defaults: width 64, two tanh layers, 2000 steps of 512 generated rows over 4 slices (128
    /// each, against 128 observed), step size 2e-3, 4 bandwidths, m0 smoothed by half a cell.
    public init(training: TrainingSettings = TrainingSettings(steps: 2000, batch: 512, learningRate: 2e-3),
                slicesPerStep: Int = 4, bandwidths: Int = 4, initialSmoothing: Double = 0.5) {
        self.training = training
        self.slicesPerStep = slicesPerStep
        self.bandwidths = bandwidths
        self.initialSmoothing = initialSmoothing
    }

    public func fit(_ data: FitData, seed: UInt64) throws -> any PopulationModel {
        let name = "generative-mmd"
        try training.validate(name)
        try checkSetting(slicesPerStep, in: 1 ... 1024, "slices per step", model: name)
        try checkSetting(bandwidths, in: 1 ... 8, "the number of bandwidths", model: name)
        try checkSetting(initialSmoothing, in: 0 ... 100, "the initial smoothing (cells)", model: name)
        guard training.batch / slicesPerStep >= 2 else {
            throw ApproximatorError("\(name): the batch (\(training.batch)) must give at least 2 points to each of the \(slicesPerStep) slices of a step")
        }
        let draws = try generatorSlices(data, model: name)
        let grid = data.grid, d = grid.dimension, S = slicesPerStep, n = training.batch / slicesPerStep
        let scaling = InputScaling(grid: grid, horizon: draws.times[draws.sliceCount - 1])
        let initial = InitialDraws(draws, grid: grid, smoothingCells: initialSmoothing)
        var generator = SeededGenerator(seed: seed ^ 0x3D_5EED)
        let kernel = MultiBandwidthKernel(bandwidths: bandwidths,
                                          median: Self.medianDistance(draws, scaling: scaling, generator: &generator))
        let trainer = GeneratorTrainer(training: training, grid: grid, scaling: scaling, maxRows: S * n, seed: seed)
        var times = [Double](repeating: 0, count: S * n), z = [Double](repeating: 0, count: S * n * d)
        var observed = [Double](repeating: 0, count: n * d), gradient = z
        var y = [Double](repeating: 0, count: n * d), gy = y
        var slices = [Int](repeating: 0, count: S)
        for _ in 0 ..< training.steps {
            z.withUnsafeMutableBufferPointer { p in
                for s in 0 ..< S {
                    let k = 1 + generator.index(below: draws.sliceCount - 1)
                    slices[s] = k
                    for i in 0 ..< n {
                        times[s * n + i] = draws.times[k]
                        initial.draw(into: p.baseAddress! + (s * n + i) * d, &generator)
                    }
                }
            }
            trainer.forward(times: times, z: z, rows: S * n)
            for s in 0 ..< S {
                let k = slices[s]
                for i in 0 ..< n {
                    let j = draws.draw(slice: k, &generator)
                    for a in 0 ..< d {
                        observed[i * d + a] = Double(scaling.position(draws.points[k][j * d + a], axis: a))
                        y[i * d + a] = Double(scaling.position(trainer.x[(s * n + i) * d + a], axis: a))
                    }
                }
                kernel.gradient(generated: y, observed: observed, count: n, dimension: d, into: &gy)
                for i in 0 ..< n * d { gradient[s * n * d + i] = gy[i] / Double(S) / scaling.halfWidth[i % d] }
            }
            trainer.backward(gradient, rows: S * n)
            trainer.step()
        }
        return GeneratorModel(kind: kind, grid: grid, scaling: scaling, network: FrozenNetwork(trainer.network),
                              initial: initial)
    }

    /// The median distance between 512 pairs of observed agents (normalised coordinates, slices
    /// drawn uniformly).
    static func medianDistance(_ draws: SliceDraws, scaling: InputScaling, generator: inout SeededGenerator) -> Double {
        let d = draws.dimension
        var distances: [Double] = []
        for _ in 0 ..< 512 {
            let k = generator.index(below: draws.sliceCount)
            let i = draws.draw(slice: k, &generator), j = draws.draw(slice: k, &generator)
            var s = 0.0
            for a in 0 ..< d {
                let e = Double(scaling.position(draws.points[k][i * d + a], axis: a) - scaling.position(draws.points[k][j * d + a], axis: a))
                s += e * e
            }
            distances.append(s.squareRoot())
        }
        distances.sort()
        return max(distances[distances.count / 2], 1e-3)
    }
}

/// `k(a, b) = sum_{m < M} exp(-|a - b|^2 / (2 s_m^2))`, `s_m = 2 median / 2^m`.
struct MultiBandwidthKernel: Sendable {
    let inverseVariances: [Double]

    init(bandwidths: Int, median: Double) {
        inverseVariances = (0 ..< bandwidths).map { m in
            let s = 2 * median / Double(1 << m)
            return 1 / (s * s)
        }
    }

    /// `sum_m k_m` and `sum_m k_m / s_m^2` at squared distance `r2` (one exp, then squarings).
    @inline(__always) func values(_ r2: Double) -> (value: Double, slope: Double) {
        var k = exp(-r2 * inverseVariances[0] / 2), value = 0.0, slope = 0.0
        for m in inverseVariances.indices {
            if m > 0 { k = k * k; k = k * k }
            value += k
            slope += k * inverseVariances[m]
        }
        return (value, slope)
    }

    /// The unbiased MMD^2 between `count` generated and `count` observed points.
    func mmd2(generated y: [Double], observed x: [Double], count n: Int, dimension d: Int) -> Double {
        func mean(_ p: [Double], _ q: [Double], excludeDiagonal: Bool) -> Double {
            var total = 0.0
            for i in 0 ..< n {
                for j in 0 ..< n where !(excludeDiagonal && i == j) {
                    var r2 = 0.0
                    for a in 0 ..< d { let e = p[i * d + a] - q[j * d + a]; r2 += e * e }
                    total += values(r2).value
                }
            }
            return total / Double(excludeDiagonal ? n * (n - 1) : n * n)
        }
        return mean(y, y, excludeDiagonal: true) - 2 * mean(y, x, excludeDiagonal: false) + mean(x, x, excludeDiagonal: true)
    }

    /// `dMMD^2/dy` into `gradient` (`[count, d]`).
    func gradient(generated y: [Double], observed x: [Double], count n: Int, dimension d: Int, into gradient: inout [Double]) {
        let selfScale = 2 / Double(n * (n - 1)), crossScale = 2 / Double(n * n)
        for k in 0 ..< n * d { gradient[k] = 0 }
        for i in 0 ..< n {
            for j in 0 ..< n {
                // generated-generated (j != i) and generated-observed pairs
                if j != i {
                    var r2 = 0.0
                    for a in 0 ..< d { let e = y[i * d + a] - y[j * d + a]; r2 += e * e }
                    let slope = values(r2).slope
                    for a in 0 ..< d { gradient[i * d + a] -= selfScale * slope * (y[i * d + a] - y[j * d + a]) }
                }
                var r2 = 0.0
                for a in 0 ..< d { let e = y[i * d + a] - x[j * d + a]; r2 += e * e }
                let slope = values(r2).slope
                for a in 0 ..< d { gradient[i * d + a] += crossScale * slope * (y[i * d + a] - x[j * d + a]) }
            }
        }
    }
}
