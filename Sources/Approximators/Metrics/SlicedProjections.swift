import Foundation

/// The projections of a 2D grid's cell centres on `L` directions `theta_l = pi l / L`, `l = 0 ... L-1`
/// (equally spaced in [0, pi): the directions and their opposites cover the circle uniformly), each with
/// the cells in increasing order of projection, for exact 1D transport between grid measures.
///
/// Sliced distances: `SW1 = (1/L) sum_l W1(P_l a, P_l b)`, `SW2 = ((1/L) sum_l W2^2(P_l a, P_l b))^(1/2)`.
struct SlicedProjections: Sendable {
    let directions: Int
    let cells: Int
    /// `projection[l * cells + c] = <centre_c, theta_l>`.
    let projection: [Double]
    /// `order[l * cells + r]`: the cell of rank `r` along direction `l`.
    let order: [Int32]

    init(grid: DensityGrid, directions L: Int = 128) {
        let n = grid.cellCount, centres = grid.centres
        var projection = [Double](repeating: 0, count: L * n), order = [Int32](repeating: 0, count: L * n)
        var ranks = [Int32](repeating: 0, count: n)
        for l in 0..<L {
            let theta = Double.pi * Double(l) / Double(L), (cx, cy) = (cos(theta), sin(theta))
            for c in 0..<n { projection[l * n + c] = centres[2 * c] * cx + centres[2 * c + 1] * cy }
            for c in 0..<n { ranks[c] = Int32(c) }
            projection.withUnsafeBufferPointer { p in
                let base = p.baseAddress! + l * n
                ranks.sort { base[Int($0)] < base[Int($1)] || (base[Int($0)] == base[Int($1)] && $0 < $1) }
            }
            for r in 0..<n { order[l * n + r] = ranks[r] }
        }
        directions = L
        cells = n
        self.projection = projection
        self.order = order
    }

    /// `(SW1, SW2)` between two probability vectors on the cells.
    func distances(_ a: [Double], _ b: [Double]) -> (w1: Double, w2: Double) {
        var w1 = 0.0, w2 = 0.0
        a.withUnsafeBufferPointer { pa in b.withUnsafeBufferPointer { pb in
            projection.withUnsafeBufferPointer { s in order.withUnsafeBufferPointer { o in
                for l in 0..<directions {
                    let points = s.baseAddress! + l * cells, ranks = o.baseAddress! + l * cells
                    w1 += Transport1D.w1(pa.baseAddress!, pb.baseAddress!, points: points, order: ranks, count: cells)
                    w2 += Transport1D.w2Squared(pa.baseAddress!, pb.baseAddress!, points: points, order: ranks, count: cells)
                }
            } }
        } }
        return (w1 / Double(directions), (w2 / Double(directions)).squareRoot())
    }
}
