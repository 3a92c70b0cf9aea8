/// The feedback control of ``PopulationDynamics`` as a function of `(t, x)`: piecewise constant in
/// time (row `n` on `[t_n, t_{n+1})`, as the FD scheme uses it), linear (1D) or bilinear (2D)
/// between cell centres in space and constant beyond the outermost centres; with its spatial
/// Jacobian `J[a][b] = d a_a / d x_b` (that of the interpolant, piecewise constant).
struct ControlField: Sendable {
    let grid: DensityGrid
    let control: [[Double]]
    let times: [Double]
    let viscosity: Double

    init(_ dynamics: PopulationDynamics, grid: DensityGrid, model: String) throws {
        let cells = grid.cellCount, levels = dynamics.times.count
        guard dynamics.control.count == grid.dimension else {
            throw ApproximatorError("\(model): \(dynamics.control.count) control components for a \(grid.dimension)D grid")
        }
        guard levels >= 1, dynamics.control.allSatisfy({ $0.count == levels * cells }) else {
            throw ApproximatorError("\(model): each control component must have \(levels) levels x \(cells) cells")
        }
        guard dynamics.viscosity.isFinite && dynamics.viscosity >= 0 else {
            throw ApproximatorError("\(model): the viscosity must be a finite non-negative number, got \(dynamics.viscosity)")
        }
        guard dynamics.control.allSatisfy({ $0.allSatisfy(\.isFinite) }) else {
            throw ApproximatorError("\(model): the control has values that are not finite numbers")
        }
        self.grid = grid
        control = dynamics.control
        times = dynamics.times
        viscosity = dynamics.viscosity
    }

    /// The time level whose control acts at time t.
    @inline(__always) func level(_ t: Double) -> Int {
        guard times.count > 1 else { return 0 }
        let dt = times[1] - times[0]
        return min(max(Int(((t - times[0]) / dt + 1e-9).rounded(.down)), 0), times.count - 1)
    }

    /// The interpolation along one axis: neighbours, weight of the upper one, and its derivative.
    @inline(__always) private func bracket(_ v: Double, axis: Int) -> (Int, Int, Double, Double) {
        let centres = axis == 0 ? grid.x : grid.y!, n = centres.count, h = centres[1] - centres[0]
        let s = (v - centres[0]) / h
        if grid.periodic {
            var i0 = Int(s.rounded(.down))
            let w = s - Double(i0)
            i0 = ((i0 % n) + n) % n
            return (i0, (i0 + 1) % n, w, 1 / h)
        }
        if s <= 0 { return (0, 0, 0, 0) }
        if s >= Double(n - 1) { return (n - 1, n - 1, 0, 0) }
        let i0 = Int(s.rounded(.down))
        return (i0, i0 + 1, s - Double(i0), 1 / h)
    }

    /// The control `a` and its Jacobian at time t and point x (the second axis 0 in 1D).
    @inline(__always) func evaluate(_ t: Double, _ x: SIMD2<Double>) -> (a: SIMD2<Double>, jacobian: (SIMD2<Double>, SIMD2<Double>)) {
        let base = level(t) * grid.cellCount
        let (i0, i1, wx, dwx) = bracket(x.x, axis: 0)
        guard grid.dimension == 2 else {
            let c = control[0], lo = c[base + i0], hi = c[base + i1]
            return (SIMD2((1 - wx) * lo + wx * hi, 0), (SIMD2(dwx * (hi - lo), 0), SIMD2(0, 0)))
        }
        let (j0, j1, wy, dwy) = bracket(x.y, axis: 1), ny = grid.ny
        var a = SIMD2<Double>(0, 0)
        var rows = (SIMD2<Double>(0, 0), SIMD2<Double>(0, 0))
        for component in 0 ..< 2 {
            let c = control[component]
            let v00 = c[base + i0 * ny + j0], v01 = c[base + i0 * ny + j1]
            let v10 = c[base + i1 * ny + j0], v11 = c[base + i1 * ny + j1]
            let value = (1 - wx) * ((1 - wy) * v00 + wy * v01) + wx * ((1 - wy) * v10 + wy * v11)
            let dx = dwx * ((1 - wy) * (v10 - v00) + wy * (v11 - v01))
            let dy = dwy * ((1 - wx) * (v01 - v00) + wx * (v11 - v10))
            a[component] = value
            if component == 0 { rows.0 = SIMD2(dx, dy) } else { rows.1 = SIMD2(dx, dy) }
        }
        return (a, rows)
    }
}
