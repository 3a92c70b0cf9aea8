import Foundation
import PDE

/// One Euler-Maruyama step of an agent in a 2D problem's domain, the 2D counterpart of
/// `ParticleStep1D`: `X' = X + a(X) dt + sigma sqrt(dt) Z` (`Z` standard normal in R^2), `a`
/// interpolated bilinearly between the cell centres of the active cells (weights renormalised over
/// the active corners, constant beyond the outer centres), then the boundary rules:
/// - a torus wraps each axis;
/// - a wall reflects (`x' -> 2 wall - x'`, per axis); a door (an exit face, decided by the face
///   midpoint as in `DiscreteMFG2D`) absorbs: the agent leaves when the segment `X X'` crosses the
///   side within a door, or, inside the domain, when the Brownian bridge crossed the side (probability
///   `exp(-2 d d' / (sigma^2 dt))`, `d, d'` the end points' distances to it) at a door;
/// - an obstacle reflects: a step that lands in an inactive cell is mirrored across the face of the
///   agent's cell on each axis whose move alone enters the obstacle; if that still lands in an
///   inactive cell (a corner), the agent stays where it was (the discrete game's rule). Agents are
///   therefore always in active cells.
struct ParticleStep2D: Sendable {
    let grid: DensityGrid
    let lower: (Double, Double), upper: (Double, Double)
    let hx: Double, hy: Double
    let dt: Double, noise: Double
    /// `doors[side][i]`: face `i` of that side (left and right: along y; bottom and top: along x) is an exit.
    let doors: [[Bool]]
    let hasExit: Bool
    let sideHasDoor: [Bool]

    init(problem: MFGProblem2D, grid: DensityGrid, dt: Double) {
        self.grid = grid
        lower = (problem.lowerX, problem.lowerY); upper = (problem.upperX, problem.upperY)
        hx = grid.spacing[0]; hy = grid.spacing[1]
        self.dt = dt
        noise = (2 * problem.viscosity * dt).squareRoot()
        let periodic = problem.boundary == .periodic
        let y = grid.y!
        func door(_ side: Side, _ fx: Double, _ fy: Double) -> Bool {
            !periodic && problem.exits.contains { $0.side == side && ($0.located?(fx, fy) ?? true) }
        }
        doors = [y.map { door(.left, problem.lowerX, $0) }, y.map { door(.right, problem.upperX, $0) },
                 grid.x.map { door(.bottom, $0, problem.lowerY) }, grid.x.map { door(.top, $0, problem.upperY) }]
        sideHasDoor = doors.map { $0.contains(true) }
        hasExit = sideHasDoor.contains(true)
    }

    /// The index of the cell containing `v` on one axis of centres (wrapped on a torus, clamped otherwise),
    /// as `DensityGrid.bin`.
    @inline(__always) func column(_ v: Double, _ values: [Double], _ h: Double) -> Int {
        let n = values.count
        let i = Int(((v - values[0]) / h + 0.5).rounded(.down))
        return grid.periodic ? ((i % n) + n) % n : min(max(i, 0), n - 1)
    }

    /// Interpolation weights on one axis of centres: `(i0, i1, w)` (wrapping on a torus).
    @inline(__always) func bracket(_ v: Double, _ values: [Double], _ h: Double) -> (Int, Int, Double) {
        let n = values.count
        let s = (v - values[0]) / h
        var i0 = Int(s.rounded(.down)), w = s - Double(i0)
        var i1 = i0 + 1
        if grid.periodic {
            i0 = ((i0 % n) + n) % n; i1 = ((i1 % n) + n) % n
        } else if i0 < 0 { i0 = 0; i1 = 0; w = 0 } else if i1 > n - 1 { i0 = n - 1; i1 = n - 1; w = 0 }
        return (i0, i1, w)
    }

    /// The control `(a_x, a_y)` (rows of one time level, one value per cell) at a point.
    func velocity(_ ax: UnsafePointer<Double>, _ ay: UnsafePointer<Double>, at p: UnsafePointer<Double>) -> (Double, Double) {
        let ny = grid.ny
        let (i0, i1, wx) = bracket(p[0], grid.x, hx), (j0, j1, wy) = bracket(p[1], grid.y!, hy)
        var vx = 0.0, vy = 0.0, total = 0.0
        @inline(__always) func add(_ k: Int, _ weight: Double) {
            guard weight > 0, grid.isActive(k) else { return }
            vx += weight * ax[k]; vy += weight * ay[k]; total += weight
        }
        add(i0 * ny + j0, (1 - wx) * (1 - wy)); add(i0 * ny + j1, (1 - wx) * wy)
        add(i1 * ny + j0, wx * (1 - wy)); add(i1 * ny + j1, wx * wy)
        if total > 0 { return (vx / total, vy / total) }
        let k = grid.bin(p)
        return (ax[k], ay[k])
    }

    /// Whether the face of `side` at coordinate `c` along it is a door.
    @inline(__always) func isDoor(_ side: Int, at c: Double) -> Bool {
        let (start, h) = side < 2 ? (lower.1, hy) : (lower.0, hx)
        let faces = doors[side]
        return faces[min(max(Int(((c - start) / h).rounded(.down)), 0), faces.count - 1)]
    }

    /// Moves `p` (two coordinates) by one step with velocity `v` and standard normals `z`; `crossing` is
    /// a uniform draw for the bridge test. Returns false when the agent left through a door.
    func step(_ p: UnsafeMutablePointer<Double>, velocity v: (Double, Double), normals z: (Double, Double), crossing u: Double) -> Bool {
        let old = (p[0], p[1])
        var q = (old.0 + (v.0 * dt + noise * z.0), old.1 + (v.1 * dt + noise * z.1))
        if grid.periodic {
            q = (grid.wrap(q.0, axis: 0), grid.wrap(q.1, axis: 1))
        } else {
            // The sides crossed by the segment old -> q: a door absorbs, a wall reflects.
            for _ in 0..<4 {
                var side = -1, wall = 0.0
                if q.0 < lower.0 { side = 0; wall = lower.0 } else if q.0 > upper.0 { side = 1; wall = upper.0 }
                else if q.1 < lower.1 { side = 2; wall = lower.1 } else if q.1 > upper.1 { side = 3; wall = upper.1 }
                guard side >= 0 else { break }
                if side < 2 {
                    let tau = (old.0 - wall) / (old.0 - q.0)
                    if isDoor(side, at: old.1 + tau * (q.1 - old.1)) { return false }
                    q.0 = 2 * wall - q.0
                } else {
                    let tau = (old.1 - wall) / (old.1 - q.1)
                    if isDoor(side, at: old.0 + tau * (q.0 - old.0)) { return false }
                    q.1 = 2 * wall - q.1
                }
            }
            q = (min(max(q.0, lower.0), upper.0), min(max(q.1, lower.1), upper.1))
            if hasExit && noise > 0 {
                let variance = noise * noise
                for side in 0..<4 where sideHasDoor[side] {
                    let along = side < 2 ? 0.5 * (old.1 + q.1) : 0.5 * (old.0 + q.0)
                    let (d0, d1) = switch side {
                    case 0: (old.0 - lower.0, q.0 - lower.0)
                    case 1: (upper.0 - old.0, upper.0 - q.0)
                    case 2: (old.1 - lower.1, q.1 - lower.1)
                    default: (upper.1 - old.1, upper.1 - q.1)
                    }
                    if u < exp(-2 * d0 * d1 / variance) && isDoor(side, at: along) { return false }
                }
            }
        }
        p[0] = q.0; p[1] = q.1
        if grid.active == nil || grid.isActive(grid.bin(p)) { return true }
        // An obstacle: mirror across the faces of the agent's own cell on the blocked axes.
        let ny = grid.ny
        let (i, j) = (column(old.0, grid.x, hx), column(old.1, grid.y!, hy))
        let (ki, kj) = (column(p[0], grid.x, hx), column(p[1], grid.y!, hy))
        if ki != i && !grid.isActive(ki * ny + j) {
            let face = grid.x[i] + (ki > i ? 0.5 : -0.5) * hx
            p[0] = 2 * face - p[0]
        }
        if kj != j && !grid.isActive(i * ny + kj) {
            let face = grid.y![j] + (kj > j ? 0.5 : -0.5) * hy
            p[1] = 2 * face - p[1]
        }
        if grid.periodic { p[0] = grid.wrap(p[0], axis: 0); p[1] = grid.wrap(p[1], axis: 1) }
        let inside = grid.periodic || (p[0] >= lower.0 && p[0] <= upper.0 && p[1] >= lower.1 && p[1] <= upper.1)
        if !inside || !grid.isActive(grid.bin(p)) { p[0] = old.0; p[1] = old.1 }
        return true
    }
}
