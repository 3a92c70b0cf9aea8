import Neural

/// Draws indices with probabilities proportional to non-negative weights: the cumulative sums and
/// a binary search of `u * total`, `u` uniform (one `next()` per draw).
@usableFromInline struct WeightedTable: Sendable, Equatable {
    let cumulative: [Double]

    /// Nil when the weights have no positive total.
    init?(_ weights: [Double]) {
        var running = 0.0
        cumulative = weights.map { running += max($0, 0); return running }
        guard running > 0, running.isFinite else { return nil }
    }

    var count: Int { cumulative.count }

    @inline(__always) func draw(_ generator: inout SeededGenerator) -> Int { Self.draw(cumulative, &generator) }

    /// The first index with `cumulative[i] > u * cumulative.last` (`u` one uniform draw): an index
    /// with probability proportional to its weight, given the running sums of the weights.
    @inlinable static func draw(_ cumulative: [Double], _ generator: inout SeededGenerator) -> Int {
        let target = generator.unit() * cumulative[cumulative.count - 1]
        var low = 0, high = cumulative.count - 1
        while low < high {
            let mid = (low + high) / 2
            if cumulative[mid] > target { high = mid } else { low = mid + 1 }
        }
        return low
    }
}

/// The weighted samples of every slice, ready for minibatches: a slice drawn uniformly, then an
/// agent of it by weight. Slices without samples are refused.
struct SliceDraws: Sendable {
    let dimension: Int
    let times: [Double]
    let points: [[Double]]
    let tables: [WeightedTable]

    init(_ samples: PopulationSamples, model: String) throws {
        var tables: [WeightedTable] = []
        for k in samples.times.indices {
            guard samples.count(k) > 0, let table = WeightedTable(samples.weights[k]) else {
                throw ApproximatorError("\(model): slice \(k) (t = \(samples.times[k])) has no samples with positive weight")
            }
            for v in samples.points[k] where !v.isFinite {
                throw ApproximatorError("\(model): slice \(k) (t = \(samples.times[k])) has a coordinate that is not a finite number")
            }
            tables.append(table)
        }
        guard !tables.isEmpty else { throw ApproximatorError("\(model): the samples have no time slices") }
        dimension = samples.dimension
        times = samples.times
        points = samples.points
        self.tables = tables
    }

    var sliceCount: Int { times.count }

    /// The index of an agent of slice `k`, by weight.
    @inline(__always) func draw(slice k: Int, _ generator: inout SeededGenerator) -> Int {
        tables[k].draw(&generator)
    }

    /// Weighted mean and standard deviation per axis, each slice counting equally.
    func pooledMoments() -> (mean: [Double], deviation: [Double]) {
        var mean = [Double](repeating: 0, count: dimension), second = mean
        for k in times.indices {
            let w = samples(k)
            for (i, weight) in w.enumerated() {
                for a in 0 ..< dimension {
                    let v = points[k][i * dimension + a]
                    mean[a] += weight * v / Double(times.count)
                    second[a] += weight * v * v / Double(times.count)
                }
            }
        }
        let deviation = zip(mean, second).map { max($1 - $0 * $0, 1e-300).squareRoot() }
        return (mean, deviation)
    }

    /// The normalised weights of slice `k`, from the cumulative table.
    private func samples(_ k: Int) -> [Double] {
        let c = tables[k].cumulative, total = c[c.count - 1]
        return c.indices.map { ($0 == 0 ? c[0] : c[$0] - c[$0 - 1]) / total }
    }
}
