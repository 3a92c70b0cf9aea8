import Neural

/// Draws cells of a grid in proportion to their masses, then a point uniform in the cell:
/// cell `i` is the first with `C_i > u C_n` (`C` the cumulative masses, `u` uniform in [0, 1)),
/// found by binary search.
public struct CellSampler: Sendable {
    public let grid: DensityGrid
    /// `cumulative[i] = sum_{j <= i} mass_j` (inactive cells count 0).
    public let cumulative: [Double]

    /// Throws when the masses are not `cellCount` finite non-negative numbers with a positive sum.
    public init(grid: DensityGrid, masses: [Double]) throws {
        guard masses.count == grid.cellCount else {
            throw ApproximatorError("\(masses.count) cell masses for a grid of \(grid.cellCount) cells: give one mass per cell")
        }
        var c = [Double](repeating: 0, count: masses.count), sum = 0.0
        for (i, m) in masses.enumerated() {
            guard m.isFinite, m >= 0 else { throw ApproximatorError("cell mass \(m) at cell \(i): masses must be finite and non-negative") }
            if grid.isActive(i) { sum += m }
            c[i] = sum
        }
        guard sum > 0 else { throw ApproximatorError("the cell masses sum to 0: there is nothing to sample") }
        self.grid = grid
        cumulative = c
    }

    /// One cell drawn by mass (`WeightedTable.draw`: the first cell with `C_i > u C_n`).
    @inlinable public func cell(_ generator: inout SeededGenerator) -> Int {
        WeightedTable.draw(cumulative, &generator)
    }

    /// `count` points (`dimension` coordinates each, row-major).
    public func sample(count: Int, generator: inout SeededGenerator) -> [Double] {
        let d = grid.dimension
        var points = [Double](repeating: 0, count: count * d)
        points.withUnsafeMutableBufferPointer { p in
            for n in 0..<count { grid.uniformPoint(inCell: cell(&generator), generator: &generator, into: p.baseAddress! + n * d) }
        }
        return points
    }
}
