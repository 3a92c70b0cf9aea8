import Neural

/// The histogram on the grid: the weighted count of the samples in each active cell,
/// `p_c = sum_{X_i in c} w_i / sum_{X_i in an active cell} w_i`; samples outside the domain or in an
/// obstacle are left out.
public struct Histogram: DensityApproximator {
    public var kind: ApproximatorKind { .histogram }

    public init() {}

    public func fit(_ data: FitData, seed: UInt64) throws -> any PopulationModel {
        try checkSamples(data.samples)
        let grid = data.grid, samples = data.samples, d = grid.dimension
        let masses = try samples.times.indices.map { k -> [Double] in
            var m = [Double](repeating: 0, count: grid.cellCount), total = 0.0
            samples.points[k].withUnsafeBufferPointer { p in
                for (i, w) in samples.weights[k].enumerated() {
                    guard let c = grid.cell(containing: p.baseAddress! + i * d) else { continue }
                    m[c] += w; total += w
                }
            }
            guard total > 0 else {
                throw ApproximatorError("slice \(k) (t = \(samples.times[k])): no sample falls in an active cell of the grid")
            }
            return m.map { $0 / total }
        }
        return try HistogramModel(grid: grid, times: samples.times, masses: masses)
    }
}

/// A piecewise-constant density on a grid's cells per time slice: `m(x) = p_c / |c|` on cell `c`.
public struct HistogramModel: CellMassModel {
    public var kind: ApproximatorKind { .histogram }
    public var dimension: Int { grid.dimension }
    public let grid: DensityGrid
    public let times: [Double]
    /// `masses[k][cell]`, summing to 1 per slice.
    public let masses: [[Double]]
    private let samplers: [CellSampler]

    public init(grid: DensityGrid, times: [Double], masses: [[Double]]) throws {
        self.grid = grid
        self.times = times
        self.masses = masses
        samplers = try masses.map { try CellSampler(grid: grid, masses: $0) }
    }

    public func density(at points: [Double], time t: Double) -> [Double]? {
        let slice = masses[nearestSlice(times, t)], d = grid.dimension, volume = grid.cellVolume
        return points.withUnsafeBufferPointer { p in
            (0..<points.count / d).map { i in grid.cell(containing: p.baseAddress! + i * d).map { slice[$0] / volume } ?? 0 }
        }
    }

    public func sample(time t: Double, count: Int, generator: inout SeededGenerator) -> [Double] {
        samplers[nearestSlice(times, t)].sample(count: count, generator: &generator)
    }

    public func cellMasses(on other: DensityGrid, time t: Double) -> [Double] {
        if other == grid { return masses[nearestSlice(times, t)] }
        return density(at: other.centres, time: t)!.map { $0 * other.cellVolume }
    }
}
