/// The metrics of an approximation against the reference, by their names in JSON and reports.
public enum Metric: String, Sendable, Codable, CaseIterable {
    /// `sum_c |p_c - r_c|` (= 2 TV) on the grid's cells.
    case l1
    /// 1D: exact W1 between the cell measures (on the circle for a torus).
    case w1
    /// 2D: sliced W1 and W2 over 128 equally spaced directions.
    case slicedW1 = "sliced-w1"
    case slicedW2 = "sliced-w2"
    /// MMD^2 with Gaussian kernels at 0.5, 1 and 2 times the reference's median pairwise distance, and their sum.
    case mmd2Half = "mmd2-0.5"
    case mmd2One = "mmd2-1"
    case mmd2Two = "mmd2-2"
    case mmd2 = "mmd2"
    /// `KL(reference || model) = sum_c r_c log(r_c / q_c)`, models with a density (masses floored at 1e-12).
    case kl
    /// `|mean_model - mean_ref|` (Euclidean).
    case meanError = "mean-error"
    /// `|Sigma_model - Sigma_ref|_F` (the variance error in 1D).
    case covarianceError = "covariance-error"
}

/// The metrics of one approximation (or of the oracle) against the reference, per time slice and
/// averaged over the slices. Metrics that do not apply (W1 in 2D, KL without a density) are absent.
public struct SliceScores: Sendable, Codable, Equatable {
    /// The slice times.
    public var times: [Double]
    /// `perSlice[metric][k]`.
    public var perSlice: [String: [Double]]
    /// The mean over the slices of each metric.
    public var average: [String: Double]
    /// The MMD bandwidths of each slice, `[k][0.5, 1, 2 x median]`.
    public var bandwidths: [[Double]]
    /// Model draws per slice (sample-only models; 0 when the model's density was used), or the oracle's N.
    public var draws: Int

    public init(times: [Double], perSlice: [String: [Double]], bandwidths: [[Double]], draws: Int) {
        self.times = times
        self.perSlice = perSlice
        self.bandwidths = bandwidths
        self.draws = draws
        average = perSlice.mapValues { $0.reduce(0, +) / Double(max($0.count, 1)) }
    }

    public subscript(_ metric: Metric) -> [Double]? { perSlice[metric.rawValue] }

    /// Each time-averaged metric divided by the same metric of `floor` (the oracle's), where both exist.
    public func ratios(to floor: SliceScores) -> [String: Double] {
        var out: [String: Double] = [:]
        for (name, value) in average { if let f = floor.average[name] { out[name] = value / f } }
        return out
    }
}
