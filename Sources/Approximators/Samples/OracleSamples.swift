import Neural

/// The oracle source: `N` i.i.d. draws of the reference itself at each of its slices (a cell by
/// mass, then a point uniform in the cell, `CellSampler`). One generator seeded with `seed`
/// serves the slices in order, so the same seed gives the same samples.
public enum OracleSamples {
    public static func draw(_ reference: GridDensity, count: Int, seed: UInt64) throws -> PopulationSamples {
        try checkCount(count, "oracle draws per slice")
        var generator = SeededGenerator(seed: seed)
        var points: [[Double]] = []
        for (k, masses) in reference.masses.enumerated() {
            let sampler: CellSampler
            do { sampler = try CellSampler(grid: reference.grid, masses: masses) } catch let error as ApproximatorError {
                throw ApproximatorError("reference slice \(k) (t = \(reference.times[k])): \(error.description)")
            }
            points.append(sampler.sample(count: count, generator: &generator))
        }
        return PopulationSamples(dimension: reference.grid.dimension, times: reference.times, points: points, source: "oracle")
    }
}

/// Refuses a count that is not positive, naming what it counts.
func checkCount(_ count: Int, _ what: String) throws {
    guard count > 0 else { throw ApproximatorError("\(what): \(count); give a positive number") }
}
