import Testing
@testable import PDE

@Suite struct ProlongationTests {
    /// Linear interpolation reproduces affine functions exactly away from the ends (and at the
    /// coarse points), on every kind of axis.
    @Test func reproducesAffineFields() {
        let n = 8
        // Time levels and periodic points: the coarse points are fine points 2i.
        let coarse = (0...n).map { 0.5 + 2 * Double($0) }
        let fine = Prolongation.refine(coarse, shape: [n + 1], axes: [.timeLevels])
        #expect(fine.count == 2 * n + 1)
        for (j, v) in fine.enumerated() { #expect(abs(v - (0.5 + Double(j))) < 1e-14) }
        // Cell centres: coarse centre i at (i + 1/2) 2h, fine centre j at (j + 1/2) h.
        let cells = (0..<n).map { 3 * (Double($0) + 0.5) * 2 }
        let fineCells = Prolongation.refine(cells, shape: [n], axes: [.cellCentres])
        for j in 1..<(2 * n - 1) { #expect(abs(fineCells[j] - 3 * (Double(j) + 0.5)) < 1e-12) }
        // Tensor product in 2D.
        let grid = (0..<n).flatMap { i in (0..<n).map { k in Double(i) + 10 * Double(k) } }
        let refined = Prolongation.refine(grid, shape: [n, n], axes: [.periodicPoints, .periodicPoints])
        for i in 0..<(2 * n - 1) { for k in 0..<(2 * n - 1) {
            #expect(abs(refined[i * 2 * n + k] - (Double(i) / 2 + 5 * Double(k))) < 1e-12)
        } }
    }
}

@Suite struct RichardsonTests {
    /// A first-order sequence with an h^2 term: the extrapolation is exact, the bound covers.
    @Test func extrapolatesFirstAndSecondOrderTerms() throws {
        func q(_ h: Double) -> Double { 2 + 0.3 * h + 0.7 * h * h }
        let e = Richardson.quantity("q", q(0.01), q(0.02), q(0.04))
        #expect(abs(try #require(e.extrapolated) - 2) < 1e-12)
        #expect(try #require(e.errorBound) >= abs(q(0.01) - 2))
        #expect(abs(try #require(e.observedOrder) - 1) < 0.1)
    }

    /// Oscillating or too-fast/slow sequences get a warning and no bound.
    @Test func refusesErraticSequences() {
        let oscillating = Richardson.quantity("q", 1.0, 1.1, 0.9)
        #expect(oscillating.errorBound == nil && oscillating.warning != nil)
        let slow = Richardson.quantity("q", 1.0, 1.09, 1.2)
        #expect(slow.errorBound == nil && slow.observedOrder != nil && slow.warning != nil)
        let flat = Richardson.quantity("q", 1.0, 1.0, 1.0)
        #expect(flat.errorBound == 1e-9 && flat.warning == nil)
    }
}
