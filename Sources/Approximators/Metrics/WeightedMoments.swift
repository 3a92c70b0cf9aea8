/// The mean and covariance of a weighted point set (weights summing to 1):
/// `mean = sum w_i x_i`, `cov = sum w_i (x_i - mean)(x_i - mean)^T` (row-major `d x d`).
public struct WeightedMoments: Sendable, Equatable {
    public let mean: [Double]
    public let covariance: [Double]

    /// `points`: `dimension` coordinates per point, row-major; `weights`: one per point.
    public init(points: [Double], weights: [Double], dimension d: Int) {
        var mean = [Double](repeating: 0, count: d), cov = [Double](repeating: 0, count: d * d)
        for (i, w) in weights.enumerated() { for a in 0..<d { mean[a] += w * points[i * d + a] } }
        for (i, w) in weights.enumerated() {
            for a in 0..<d {
                let da = points[i * d + a] - mean[a]
                for b in 0..<d { cov[a * d + b] += w * da * (points[i * d + b] - mean[b]) }
            }
        }
        self.mean = mean
        covariance = cov
    }

    /// The moments of a measure on a grid's cells, as point masses at the cell centres.
    public init(masses: [Double], grid: DensityGrid) {
        self.init(points: grid.centres, weights: masses, dimension: grid.dimension)
    }

    /// The effective sample size of weights summing to 1, `1 / sum w_i^2` (n for equal weights).
    public static func effectiveCount(_ weights: [Double]) -> Double {
        1 / weights.reduce(0) { $0 + $1 * $1 }
    }
}
