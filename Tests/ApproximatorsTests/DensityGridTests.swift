import Approximators
import Testing

/// The grid's cells and the normalisation of grid measures.
@Suite struct DensityGridTests {
    @Test func cellsTileTheDomain() {
        let grid = DensityGrid(x: [0.125, 0.375, 0.625, 0.875], lower: [0], upper: [1])
        #expect(grid.cellVolume == 0.25)
        for (v, k) in [(0.0, 0), (0.24, 0), (0.26, 1), (0.99, 3), (1.0, 3)] as [(Double, Int)] {
            #expect([v].withUnsafeBufferPointer { grid.cell(containing: $0.baseAddress!) } == k)
        }
        #expect([1.5].withUnsafeBufferPointer { grid.cell(containing: $0.baseAddress!) } == nil)
        let density = GridDensity(grid: grid, times: [0], weights: [[1, 1, 2, -1e-17]])
        #expect(density.masses[0] == [0.25, 0.25, 0.5, 0])
        #expect(density.totals[0] == 4)
    }
}

extension DensityGridTests {
    /// On a torus the points are `lower + i h` and the first cell straddles `lower`: points just
    /// below `upper` (or below `lower`) belong to cell 0.
    @Test func torusCellsWrap() {
        let grid = DensityGrid(x: [0, 0.25, 0.5, 0.75], lower: [0], upper: [1], periodic: true)
        for (v, k) in [(0.0, 0), (0.9, 0), (-0.1, 0), (0.8, 3), (0.13, 1), (1.1, 0)] as [(Double, Int)] {
            #expect([v].withUnsafeBufferPointer { grid.cell(containing: $0.baseAddress!) } == k, "\(v)")
        }
    }
}
