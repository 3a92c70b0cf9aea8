import Foundation
import Neural

/// Scores an approximation of `mu_t` against the reference grid measure, slice by slice (`SliceScores`).
///
/// Every measure is compared as point masses at the cell centres of the reference grid: a model with a
/// density by its grid masses (`gridMasses`: cell integrals, or density at centres times volume,
/// normalised over the active cells), a model with samples only by `M` draws binned to their cells (mass
/// in an obstacle cell stays there, an error), the oracle by `N` draws of the reference binned the same
/// way. Binning removes the `h/4` bias that within-cell positions would add to W1 against point masses
/// (larger than the sampling floor at `N >= 1000` on a 200-cell grid); the reference cannot resolve
/// positions within a cell anyway.
///
/// - MMD^2: exact quadratic form for grid measures; for a sample-only model unbiased in its draws
///   (U-statistic) and exact in the reference; the oracle floor is the MMD^2 of its empirical measure (V).
/// - KL(reference || model): model masses floored at `klFloor` per active cell and renormalised; the oracle's
///   histogram with additive smoothing `(n_c + 1/2) / (N + |active| / 2)` (Krichevsky-Trofimov).
/// - Moments of the measures as point masses (on a torus: on the unrolled interval).
/// - 2D tori: the sliced distances see the square cut at its seams (the MMD kernels are wrapped).
public struct DensityScore: Sendable {
    public static let klFloor = 1e-12
    public static let smoothing = 0.5

    public let reference: GridDensity
    let projections: SlicedProjections?
    let kernels: [KernelDiscrepancy]
    let referenceMoments: [WeightedMoments]

    public init(reference: GridDensity) throws {
        guard !reference.times.isEmpty else { throw ApproximatorError("the reference has no time slices") }
        for (k, m) in reference.masses.enumerated() {
            guard m.allSatisfy(\.isFinite), abs(m.reduce(0, +) - 1) < 1e-9 else {
                throw ApproximatorError("reference slice \(k) (t = \(reference.times[k])) is not a probability vector: no mass left or a non-finite value")
            }
        }
        self.reference = reference
        projections = reference.grid.dimension == 2 ? SlicedProjections(grid: reference.grid) : nil
        kernels = reference.masses.map { KernelDiscrepancy(grid: reference.grid, reference: $0) }
        referenceMoments = reference.masses.map { WeightedMoments(masses: $0, grid: reference.grid) }
    }

    /// The scores of `model` at the reference's slices; `drawCount` draws per slice from `seed` when the
    /// model has samples only.
    public static func score(model: any PopulationModel, reference: GridDensity, drawCount: Int, seed: UInt64) throws -> SliceScores {
        try DensityScore(reference: reference).score(model: model, drawCount: drawCount, seed: seed)
    }

    /// The oracle floor: the scores of `N` i.i.d. draws of the reference, averaged over `seeds`.
    public static func oracleFloor(reference: GridDensity, sampleCount: Int, seeds: [UInt64]) throws -> SliceScores {
        try DensityScore(reference: reference).oracleFloor(sampleCount: sampleCount, seeds: seeds)
    }

    public func score(model: any PopulationModel, drawCount M: Int, seed: UInt64) throws -> SliceScores {
        let grid = reference.grid
        guard model.dimension == grid.dimension else {
            throw ApproximatorError("a \(model.dimension)D model against a \(grid.dimension)D reference: score it on its own problem")
        }
        var generator = SeededGenerator(seed: seed)
        var scratch = [Double](repeating: 0, count: grid.cellCount)   // the MMD quadratic forms'
        var rows: [[Metric: Double]] = []
        var used = 0
        for (k, t) in reference.times.enumerated() {
            if let q = model.gridMasses(on: grid, time: t) {
                rows.append(metrics(k, q, mmd: kernels[k].squared(q, reference.masses[k], scratch: &scratch), kl: q))
                continue
            }
            if model.density(at: grid.centre(0), time: t) != nil {
                throw ApproximatorError("the \(model.kind.rawValue) model's density at t = \(t) is not finite or has no mass on the grid")
            }
            guard M >= 2 else { throw ApproximatorError("draw count \(M): a model with samples only needs at least 2 draws per slice") }
            used = M
            let draws = model.sample(time: t, count: M, generator: &generator)
            let counts = try histogram(draws, slice: k)
            let p = counts.map { $0 / Double(M) }
            rows.append(metrics(k, p, mmd: kernels[k].unbiased(counts: counts, draws: M, reference.masses[k], scratch: &scratch), kl: nil))
        }
        return scores(rows, draws: used)
    }

    public func oracleFloor(sampleCount N: Int, seeds: [UInt64]) throws -> SliceScores {
        try checkCount(N, "oracle draws per slice")
        guard N >= 2 else { throw ApproximatorError("oracle draws per slice: \(N); give at least 2") }
        guard !seeds.isEmpty else { throw ApproximatorError("no seeds for the oracle floor: give at least one") }
        let grid = reference.grid, active = Double(grid.activeCount)
        var sums = [[Metric: Double]](repeating: [:], count: reference.times.count)
        var scratch = [Double](repeating: 0, count: grid.cellCount)
        for seed in seeds {
            let samples = try OracleSamples.draw(reference, count: N, seed: seed)
            for k in reference.times.indices {
                let counts = try histogram(samples.points[k], slice: k)
                let p = counts.map { $0 / Double(N) }
                let smoothed = counts.indices.map { grid.isActive($0) ? (counts[$0] + Self.smoothing) / (Double(N) + Self.smoothing * active) : 0 }
                let row = metrics(k, p, mmd: kernels[k].squared(p, reference.masses[k], scratch: &scratch), kl: smoothed)
                for (metric, value) in row { sums[k][metric, default: 0] += value / Double(seeds.count) }
            }
        }
        return scores(sums, draws: N)
    }

    /// The weighted counts of draws in each cell (`DensityGrid.bin`: obstacle cells included).
    func histogram(_ points: [Double], slice k: Int) throws -> [Double] {
        let grid = reference.grid, d = grid.dimension
        var counts = [Double](repeating: 0, count: grid.cellCount)
        try points.withUnsafeBufferPointer { p in
            for i in 0..<points.count / d {
                for a in 0..<d where !p[i * d + a].isFinite {
                    throw ApproximatorError("draw \(i) at t = \(reference.times[k]) has a coordinate \(p[i * d + a]): the model's samples must be finite")
                }
                counts[grid.bin(p.baseAddress! + i * d)] += 1
            }
        }
        return counts
    }

    /// Every metric of slice `k` for the measure `p` (probabilities per cell), given its MMD^2 per bandwidth
    /// and, for KL, the masses to compare (nil: no density).
    func metrics(_ k: Int, _ p: [Double], mmd: [Double], kl q: [Double]?) -> [Metric: Double] {
        let grid = reference.grid, r = reference.masses[k]
        var out: [Metric: Double] = [:]
        out[.l1] = zip(p, r).reduce(0) { $0 + abs($1.0 - $1.1) }
        if let projections {
            let (w1, w2) = projections.distances(p, r)
            out[.slicedW1] = w1; out[.slicedW2] = w2
        } else {
            var scratch = [Double](repeating: 0, count: grid.cellCount)
            out[.w1] = Transport1D.w1(grid: p, r, spacing: grid.spacing[0], periodic: grid.periodic, scratch: &scratch)
        }
        out[.mmd2Half] = mmd[0]; out[.mmd2One] = mmd[1]; out[.mmd2Two] = mmd[2]; out[.mmd2] = mmd.reduce(0, +)
        if let q { out[.kl] = Self.kl(r, q, grid: grid) }
        let model = WeightedMoments(masses: p, grid: grid), ref = referenceMoments[k]
        out[.meanError] = zip(model.mean, ref.mean).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }.squareRoot()
        out[.covarianceError] = zip(model.covariance, ref.covariance).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }.squareRoot()
        return out
    }

    /// `sum_c r_c log(r_c / q~_c)`, `q~` = `max(q, klFloor)` on the active cells, renormalised.
    static func kl(_ r: [Double], _ q: [Double], grid: DensityGrid) -> Double {
        var total = 0.0
        for c in q.indices where grid.isActive(c) { total += max(q[c], klFloor) }
        var sum = 0.0
        for c in r.indices where r[c] > 0 { sum += r[c] * log(r[c] * total / max(q[c], klFloor)) }
        return sum
    }

    func scores(_ rows: [[Metric: Double]], draws: Int) -> SliceScores {
        var perSlice: [String: [Double]] = [:]
        for metric in Metric.allCases where rows.allSatisfy({ $0[metric] != nil }) {
            perSlice[metric.rawValue] = rows.map { $0[metric]! }
        }
        return SliceScores(times: reference.times, perSlice: perSlice, bandwidths: kernels.map(\.bandwidths), draws: draws)
    }
}
