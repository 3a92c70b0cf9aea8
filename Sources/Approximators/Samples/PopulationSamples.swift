/// Weighted samples of a population at a list of times: what an approximator is fitted to.
///
/// Slice `k` holds `points[k]`, `count(k) * dimension` coordinates row-major (`x` or `x, y` per
/// agent), and `weights[k]`, one non-negative weight per agent summing to 1.
public struct PopulationSamples: Sendable {
    /// 1 or 2.
    public let dimension: Int
    /// The time of each slice.
    public let times: [Double]
    public var points: [[Double]]
    public var weights: [[Double]]
    /// Where the samples come from (`oracle`, `agents`, `dataset`, `policy`), for reports.
    public var source: String

    /// Equal weights when `weights` is nil; otherwise each slice's weights are normalised.
    public init(dimension: Int, times: [Double], points: [[Double]], weights: [[Double]]? = nil, source: String) {
        precondition(dimension == 1 || dimension == 2, "samples are 1D or 2D")
        precondition(points.count == times.count && points.allSatisfy { $0.count % dimension == 0 },
                     "one slice of points per time, dimension coordinates per point")
        self.dimension = dimension
        self.times = times
        self.points = points
        self.source = source
        self.weights = points.enumerated().map { k, slice in
            let n = slice.count / dimension
            guard let given = weights?[k] else { return [Double](repeating: 1 / Double(max(n, 1)), count: n) }
            precondition(given.count == n, "one weight per point")
            let total = given.reduce(0, +)
            return total > 0 ? given.map { $0 / total } : given
        }
    }

    /// The number of agents in slice `k`.
    public func count(_ k: Int) -> Int { points[k].count / dimension }
}
