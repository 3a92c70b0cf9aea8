/// Linear interpolation of a field from a grid to the grid twice as fine along every axis (the
/// prolongation of multigrid), for comparing solutions on nested grids.
///
/// Each axis has its own rule, matching `Grid1D` and `TimeGrid`:
/// - time levels `t_n = n dt`, both ends included: even fine levels are coarse levels, odd ones
///   the average of their two neighbours;
/// - periodic points `x_i = lower + i h`: the same, wrapping around;
/// - reflecting cell centres `x_i = lower + (i + 1/2) h`: fine cell `2i` lies a quarter of a coarse
///   cell left of coarse centre `i` (`3/4 c_i + 1/4 c_{i-1}`), fine cell `2i + 1` a quarter right;
///   beyond the walls the end value is mirrored (the Neumann condition).
/// Second-order accurate for smooth fields, below the scheme's first-order error.
public enum Prolongation {
    public enum Axis: Sendable, Equatable {
        case timeLevels, periodicPoints, cellCentres

        /// The axis of a spatial grid with this boundary.
        public init(_ boundary: Boundary) {
            self = boundary == .periodic ? .periodicPoints : .cellCentres
        }

        /// The fine length of a coarse axis of `n` entries.
        func fineCount(_ n: Int) -> Int { self == .timeLevels ? 2 * (n - 1) + 1 : 2 * n }

        /// Fine entry `j` as `(1 - w) c[i0] + w c[i1]`.
        func stencil(_ j: Int, coarse n: Int) -> (i0: Int, i1: Int, w: Double) {
            switch self {
            case .timeLevels:
                return j % 2 == 0 ? (j / 2, j / 2, 0) : (j / 2, j / 2 + 1, 0.5)
            case .periodicPoints:
                return j % 2 == 0 ? (j / 2, j / 2, 0) : (j / 2, (j / 2 + 1) % n, 0.5)
            case .cellCentres:
                let i = j / 2
                return j % 2 == 0 ? (i, max(i - 1, 0), 0.25) : (i, min(i + 1, n - 1), 0.25)
            }
        }
    }

    /// The fine field of a row-major coarse field of shape `shape`, one rule per axis.
    public static func refine(_ field: [Double], shape: [Int], axes: [Axis]) -> [Double] {
        precondition(shape.count == axes.count && shape.reduce(1, *) == field.count)
        var current = field, dims = shape
        for (k, axis) in axes.enumerated() {
            let n = dims[k], fine = axis.fineCount(n)
            let outer = dims[..<k].reduce(1, *), inner = dims[(k + 1)...].reduce(1, *)
            var out = [Double](repeating: 0, count: outer * fine * inner)
            let stencils = (0..<fine).map { axis.stencil($0, coarse: n) }
            current.withUnsafeBufferPointer { c in
                out.withUnsafeMutableBufferPointer { o in
                    for a in 0..<outer {
                        for (j, s) in stencils.enumerated() {
                            let src0 = (a * n + s.i0) * inner, src1 = (a * n + s.i1) * inner
                            let dst = (a * fine + j) * inner
                            for b in 0..<inner { o[dst + b] = (1 - s.w) * c[src0 + b] + s.w * c[src1 + b] }
                        }
                    }
                }
            }
            current = out
            dims[k] = fine
        }
        return current
    }
}
