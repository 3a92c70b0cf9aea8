/// The affine maps of times and positions to `[-1, 1]` that the networks see:
/// `t~ = 2 t / T - 1` and `x~_a = (x_a - c_a) / r_a`, `c` the domain's centre and `r` its half-width
/// per axis. Networks with inputs of order one train with the same step sizes on every domain.
struct InputScaling: Sendable, Equatable {
    /// The time horizon `T` (1 when the data has a single time).
    let horizon: Double
    let centre: [Double]
    let halfWidth: [Double]

    init(grid: DensityGrid, horizon: Double) {
        self.horizon = horizon > 0 ? horizon : 1
        centre = zip(grid.lower, grid.upper).map { ($0 + $1) / 2 }
        halfWidth = zip(grid.lower, grid.upper).map { ($1 - $0) / 2 }
    }

    var dimension: Int { centre.count }

    @inline(__always) func time(_ t: Double) -> Float { Float(2 * t / horizon - 1) }
    @inline(__always) func position(_ x: Double, axis: Int) -> Float { Float((x - centre[axis]) / halfWidth[axis]) }
}

/// Keeps generated points in the domain: the reflection at walls, `fold(x) = l + |((x - l) mod 2L) - L|`
/// mirrored so that `[l, u]` maps to itself, or the wrap of a torus. Both are piecewise isometries:
/// the derivative is `+1` or `-1`, which the generators' backpropagation multiplies by.
///
/// Reflection is how a reflected diffusion (no-flux walls) keeps its paths in the domain, so the
/// fold is the natural boundary map for the populations of the FD scheme with walls. Obstacles
/// (inactive cells in 2D) are not folded: a generated point inside one stays there, and the
/// training losses (discriminator, MMD, weak form) see it as misplaced mass.
struct DomainFold: Sendable, Equatable {
    let lower: [Double]
    let upper: [Double]
    let periodic: Bool

    init(_ grid: DensityGrid) {
        lower = grid.lower
        upper = grid.upper
        periodic = grid.periodic
    }

    /// The folded coordinate and the derivative of the fold there (`+1` or `-1`).
    @inline(__always) func fold(_ v: Double, axis: Int) -> (value: Double, slope: Double) {
        let l = lower[axis], length = upper[axis] - lower[axis]
        if v >= l && v <= upper[axis] { return (v, 1) }
        if periodic {
            var u = (v - l).truncatingRemainder(dividingBy: length)
            if u < 0 { u += length }
            return (l + u, 1)
        }
        var u = (v - l).truncatingRemainder(dividingBy: 2 * length)
        if u < 0 { u += 2 * length }
        return u <= length ? (l + u, 1) : (l + 2 * length - u, -1)
    }
}
