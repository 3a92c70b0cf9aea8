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
