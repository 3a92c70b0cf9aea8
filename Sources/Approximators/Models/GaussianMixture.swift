import Foundation
import Neural
import RLBridge

/// A Gaussian mixture per slice, `m(x) = sum_j pi_j N(x; mu_j, Sigma_j)` (full covariances in 2D), fitted to
/// the weighted samples by expectation-maximisation: responsibilities `r_ij ∝ pi_j N(X_i; mu_j, Sigma_j)`,
/// then `pi_j = sum_i w_i r_ij`, `mu_j`, `Sigma_j` the `w r`-weighted moments. Started k-means++-style
/// (first mean a sample drawn by weight, each next one drawn by `w_i D_i^2`, `D_i` the distance to the
/// nearest mean chosen; covariances the slice's), stopped after `maximumIterations` or when the weighted
/// mean log-likelihood changes by less than `tolerance`. Each variance is at least `h^2/12` (a uniform
/// cell's: the reference does not resolve narrower components), and a 2D correlation at most 0.999 in
/// absolute value. On a torus the mixture is fitted on the unrolled interval and its density wrapped.
public struct GaussianMixture: DensityApproximator {
    /// Components per slice; nil: 3 in 1D, 4 in 2D.
    public var components: Int?
    public var maximumIterations: Int
    public var tolerance: Double

    public init(components: Int? = nil, maximumIterations: Int = 300, tolerance: Double = 1e-9) {
        self.components = components
        self.maximumIterations = maximumIterations
        self.tolerance = tolerance
    }

    public var kind: ApproximatorKind { .gmm }

    public func fit(_ data: FitData, seed: UInt64) throws -> any PopulationModel {
        try checkSamples(data.samples)
        let d = data.grid.dimension, k = components ?? (d == 1 ? 3 : 4)
        try checkCount(k, "mixture components")
        try checkCount(maximumIterations, "EM iterations")
        guard tolerance.isFinite, tolerance >= 0 else { throw ApproximatorError("EM tolerance \(tolerance): give a finite non-negative number") }
        var generator = SeededGenerator(seed: seed)
        let floor = data.grid.spacing.map { $0 * $0 / 12 }
        let s = data.samples
        let mixtures = s.times.indices.map { slice in
            ExpectationMaximisation(points: s.points[slice], weights: s.weights[slice], dimension: d, floor: floor)
                .fit(components: k, iterations: maximumIterations, tolerance: tolerance, generator: &generator)
        }
        return GaussianMixtureModel(grid: data.grid, times: s.times, mixtures: mixtures)
    }
}

/// One Gaussian component: its weight, mean and covariance (row-major `d x d`).
public struct GaussianComponent: Sendable, Codable, Equatable {
    public var weight: Double
    public var mean: [Double]
    public var covariance: [Double]

    public init(weight: Double, mean: [Double], covariance: [Double]) {
        self.weight = weight; self.mean = mean; self.covariance = covariance
    }

    /// `log N(x; mean, covariance)` for `d = 1` or 2.
    @inline(__always) func logDensity(_ x: UnsafePointer<Double>) -> Double {
        if mean.count == 1 {
            let z = x[0] - mean[0], v = covariance[0]
            return -0.5 * (log(2 * Double.pi * v) + z * z / v)
        }
        let a = covariance[0], b = covariance[1], c = covariance[3], det = a * c - b * b
        let dx = x[0] - mean[0], dy = x[1] - mean[1]
        let q = (c * dx * dx - 2 * b * dx * dy + a * dy * dy) / det
        return -0.5 * (2 * log(2 * Double.pi) + log(det) + q)
    }
}

/// The fitted mixtures, one per slice.
public struct GaussianMixtureModel: CellMassModel {
    public var kind: ApproximatorKind { .gmm }
    public var dimension: Int { grid.dimension }
    public let grid: DensityGrid
    public let times: [Double]
    public let mixtures: [[GaussianComponent]]

    public init(grid: DensityGrid, times: [Double], mixtures: [[GaussianComponent]]) {
        self.grid = grid; self.times = times; self.mixtures = mixtures
    }

    /// The images of a point on a torus (one period either side per axis), else the point.
    private var shifts: [[Double]] {
        (0..<dimension).map { a in grid.periodic ? [-(grid.upper[a] - grid.lower[a]), 0, grid.upper[a] - grid.lower[a]] : [0] }
    }

    public func density(at points: [Double], time t: Double) -> [Double]? {
        let mixture = mixtures[nearestSlice(times, t)], d = dimension, shift = shifts
        var x = [Double](repeating: 0, count: d)
        return (0..<points.count / d).map { p in
            var sum = 0.0
            for sx in shift[0] {
                for sy in (d == 2 ? shift[1] : [0]) {
                    x[0] = points[p * d] + sx
                    if d == 2 { x[1] = points[p * d + 1] + sy }
                    for c in mixture where c.weight > 0 { sum += c.weight * exp(c.logDensity(x)) }
                }
            }
            return sum
        }
    }

    public func sample(time t: Double, count: Int, generator: inout SeededGenerator) -> [Double] {
        let mixture = mixtures[nearestSlice(times, t)], d = dimension
        let choose = try! CellSampler(grid: DensityGrid.states(mixture.count), masses: mixture.map(\.weight) + (mixture.count == 1 ? [0] : []))
        var normals = NormalDraws()
        var out = [Double](repeating: 0, count: count * d)
        for n in 0..<count {
            let c = mixture[choose.cell(&generator)]
            let z0 = normals.next(&generator)
            if d == 1 {
                out[n] = grid.wrap(c.mean[0] + c.covariance[0].squareRoot() * z0, axis: 0)
            } else {  // Cholesky: L = [[l00, 0], [l10, l11]]
                let z1 = normals.next(&generator)
                let l00 = c.covariance[0].squareRoot(), l10 = c.covariance[2] / l00
                let l11 = max(c.covariance[3] - l10 * l10, 0).squareRoot()
                out[2 * n] = grid.wrap(c.mean[0] + l00 * z0, axis: 0)
                out[2 * n + 1] = grid.wrap(c.mean[1] + l10 * z0 + l11 * z1, axis: 1)
            }
        }
        return out
    }

    /// 1D: the exact cell integrals `sum_j pi_j [Phi((c + h/2 - mu_j)/s_j) - Phi((c - h/2 - mu_j)/s_j)]`;
    /// 2D: the density at the cell centres times the cell volume (midpoint rule, error O(h^2)).
    public func cellMasses(on target: DensityGrid, time t: Double) -> [Double] {
        guard dimension == 1 else { return density(at: target.centres, time: t)!.map { $0 * target.cellVolume } }
        let mixture = mixtures[nearestSlice(times, t)]
        var masses = [Double](repeating: 0, count: target.cellCount), buffer = masses
        for c in mixture where c.weight > 0 {
            let (lo, hi) = AxisIntegrals.gaussian(centre: c.mean[0], width: c.covariance[0].squareRoot(), axis: target.x,
                                                  shifts: shifts[0], into: &buffer)
            for i in lo..<hi { masses[i] += c.weight * buffer[i] }
        }
        return masses
    }
}
