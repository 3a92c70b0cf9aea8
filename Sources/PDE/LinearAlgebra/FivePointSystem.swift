import Foundation

/// Sparse matrices with the 5-point pattern of a structured 2D grid (index `p = i ny + j`;
/// x-neighbours at `p -+ ny`, y-neighbours at `p -+ 1`, cyclic on a torus), one per time step, stored
/// side by side, with their incomplete LU factors; solved, or their transposes solved, by BiCGSTAB
/// preconditioned with that factorisation. Keeping every step's matrix and factors lets the Newton
/// products reuse them (no assembly, no factorisation per product) and gives `A^T` for free.
///
/// The preconditioner is D-ILU, the incomplete LU that keeps the 5-point pattern (only the diagonal
/// changes): `M = (D + L) D^{-1} (D + U)` with L, U the strict parts of A without the torus wrap and D
/// chosen so that `diag(M) = diag(A)`. Its pivots depend on the products `a_pq a_qp` only, so the
/// D-ILU of `A^T` is exactly `M^T = (D + U^T) D^{-1} (D + L^T)`: one factorisation serves both.
/// No allocation per solve.
public final class FivePointSystem {
    public let nx: Int, ny: Int, count: Int, steps: Int
    public let periodic: Bool
    /// Coefficients of row p of matrix k (at `k count + p`): centre, and the neighbours west (i-1),
    /// east (i+1), south (j-1), north (j+1).
    public let centre, west, east, south, north: UnsafeMutablePointer<Double>
    /// The factors, scaled so that each recurrence step is one multiply-add, stored cell by cell (a
    /// sweep reads one record per cell): `lower[3p ..< 3p + 3] = (1/d, west/d, south/d)`,
    /// `upper[2p ..< 2p + 2] = (east/d, north/d)` for A, and `lowerT`, `upperT` the same for `A^T`
    /// (with the neighbours' opposite coefficients).
    let lower, upper, lowerT, upperT: UnsafeMutablePointer<Double>
    /// BiCGSTAB's vectors.
    let r, rHat, pv, v, s, t, y, z: UnsafeMutablePointer<Double>
    /// Iterations of the last solve.
    public private(set) var lastIterations = 0
    private let workspace: Workspace

    public init(nx: Int, ny: Int, steps: Int = 1, periodic: Bool) {
        self.nx = nx; self.ny = ny; self.steps = steps
        count = nx * ny
        self.periodic = periodic
        let workspace = Workspace()
        let make = workspace.make
        let size = count * steps
        centre = make(size); west = make(size); east = make(size); south = make(size); north = make(size)
        lower = make(3 * size); upper = make(2 * size); lowerT = make(3 * size); upperT = make(2 * size)
        r = make(count); rHat = make(count); pv = make(count); v = make(count)
        s = make(count); t = make(count); y = make(count); z = make(count)
        self.workspace = workspace
    }


    /// Bytes a system of this size takes.
    public static func bytes(nx: Int, ny: Int, steps: Int) -> Int { (15 * steps + 8) * nx * ny * 8 }

    @inline(__always) func westIndex(_ p: Int) -> Int { p >= ny ? p - ny : p - ny + count }
    @inline(__always) func eastIndex(_ p: Int) -> Int { p + ny < count ? p + ny : p + ny - count }
    @inline(__always) func southIndex(_ p: Int) -> Int { p % ny != 0 ? p - 1 : p + ny - 1 }
    @inline(__always) func northIndex(_ p: Int) -> Int { (p + 1) % ny != 0 ? p + 1 : p + 1 - ny }

    /// `out = A_k x`, or `A_k^T x`: row p of `A^T` holds the neighbours' coefficients towards p
    /// (`(A^T x)_p = c_p x_p + east_{w(p)} x_{w(p)} + west_{e(p)} x_{e(p)} + ...`). Column by
    /// column, with the neighbouring columns' offsets (wrapping on a torus) and the two end rows
    /// apart, so no index arithmetic is left in the loops.
    public func multiply(_ k: Int, transposed: Bool, _ x: UnsafePointer<Double>, into out: UnsafeMutablePointer<Double>) {
        let o = k * count, ny = self.ny, n = count
        let c = centre + o, w = west + o, e = east + o, so = south + o, no = north + o
        for i in 0..<nx {
            let base = i * ny
            let wb = i > 0 ? base - ny : base - ny + n, eb = i < nx - 1 ? base + ny : base + ny - n
            let top = base + ny - 1
            if transposed {
                // In A^T the coefficient towards the west neighbour is that neighbour's east one, and so on.
                out[base] = c[base] * x[base] + e[wb] * x[wb] + w[eb] * x[eb] + no[top] * x[top] + so[base + 1] * x[base + 1]
                for j in 1..<(ny - 1) {
                    let p = base &+ j, pw = wb &+ j, pe = eb &+ j
                    out[p] = c[p] * x[p] + e[pw] * x[pw] + w[pe] * x[pe] + no[p &- 1] * x[p &- 1]
                        + so[p &+ 1] * x[p &+ 1]
                }
                out[top] = c[top] * x[top] + e[wb + ny - 1] * x[wb + ny - 1] + w[eb + ny - 1] * x[eb + ny - 1]
                    + no[top - 1] * x[top - 1] + so[base] * x[base]
            } else {
                out[base] = c[base] * x[base] + w[base] * x[wb] + e[base] * x[eb] + so[base] * x[top] + no[base] * x[base + 1]
                for j in 1..<(ny - 1) {
                    let p = base &+ j
                    out[p] = c[p] * x[p] + w[p] * x[wb &+ j] + e[p] * x[eb &+ j] + so[p] * x[p &- 1] + no[p] * x[p &+ 1]
                }
                out[top] = c[top] * x[top] + w[top] * x[wb + ny - 1] + e[top] * x[eb + ny - 1] + so[top] * x[top - 1]
                    + no[top] * x[base]
            }
        }
    }

    /// The D-ILU factors of matrix k (for A and `A^T`).
    public func factor(_ k: Int) {
        let o = k * count, ny = self.ny
        let c = centre + o, w = west + o, e = east + o, so = south + o, no = north + o
        let f = lower + 3 * o, g = upper + 2 * o, tf = lowerT + 3 * o, tg = upperT + 2 * o
        for i in 0..<nx {
            let base = i * ny
            for j in 0..<ny {
                let p = base + j
                var value = c[p]
                if i > 0 { value -= w[p] * e[p - ny] * f[3 * (p - ny)] }
                if j > 0 { value -= so[p] * no[p - 1] * f[3 * (p - 1)] }
                let d = 1 / value
                f[3 * p] = d
                f[3 * p + 1] = i > 0 ? w[p] * d : 0
                f[3 * p + 2] = j > 0 ? so[p] * d : 0
                g[2 * p] = i < nx - 1 ? e[p] * d : 0
                g[2 * p + 1] = j < ny - 1 ? no[p] * d : 0
                tf[3 * p] = d
                tf[3 * p + 1] = i > 0 ? e[p - ny] * d : 0
                tf[3 * p + 2] = j > 0 ? no[p - 1] * d : 0
                tg[2 * p] = i < nx - 1 ? w[p + ny] * d : 0
                tg[2 * p + 1] = j < ny - 1 ? so[p + 1] * d : 0
            }
        }
    }

    /// `out = M_k^{-1} x` (or `M_k^{-T} x`): `(D + L) w = x`, then `z = w - D^{-1} U z`. Both
    /// triangular sweeps are recurrences whose latency bounds their speed; four columns are swept
    /// together, each a row behind the previous (a wavefront: cell (i, j) needs (i-1, j) and
    /// (i, j-1) only), so four independent chains run at once. The arithmetic of every cell is
    /// the plain sweep's: the result is the same to the last bit.
    func precondition(_ k: Int, transposed: Bool, _ x: UnsafePointer<Double>, into out: UnsafeMutablePointer<Double>) {
        let o = k * count, ny = self.ny, nx = self.nx
        let f = (transposed ? lowerT : lower) + 3 * o, g = (transposed ? upperT : upper) + 2 * o
        // Forward: w_p = x_p d_p^-1 - (west d^-1)_p w_{p-ny} - (south d^-1)_p w_{p-1}.
        @inline(__always) func forward(_ p: Int, south: Bool) {
            let value = x[p] * f[3 * p] - f[3 * p + 1] * out[p - ny]
            out[p] = south ? value - f[3 * p + 2] * out[p - 1] : value
        }
        out[0] = x[0] * f[0]
        for j in 1..<ny { out[j] = x[j] * f[3 * j] - f[3 * j + 2] * out[j - 1] }
        var i = 1
        while i + 4 <= nx {
            let b0 = i * ny, b1 = b0 + ny, b2 = b1 + ny, b3 = b2 + ny
            for step in 0..<4 {
                for g in 0...step { forward(b0 + g * ny + step - g, south: step - g > 0) }
            }
            // Indices stay within [0, count): wrapping arithmetic (no overflow checks in the loop).
            for step in 4..<ny {
                let q0 = b0 &+ step, q1 = b1 &+ step &- 1, q2 = b2 &+ step &- 2, q3 = b3 &+ step &- 3
                let r0 = f + 3 &* q0, r1 = f + 3 &* q1, r2 = f + 3 &* q2, r3 = f + 3 &* q3
                let v0 = (x[q0] * r0[0] - r0[1] * out[q0 &- ny]) - r0[2] * out[q0 &- 1]
                let v1 = (x[q1] * r1[0] - r1[1] * out[q1 &- ny]) - r1[2] * out[q1 &- 1]
                let v2 = (x[q2] * r2[0] - r2[1] * out[q2 &- ny]) - r2[2] * out[q2 &- 1]
                let v3 = (x[q3] * r3[0] - r3[1] * out[q3 &- ny]) - r3[2] * out[q3 &- 1]
                out[q0] = v0; out[q1] = v1; out[q2] = v2; out[q3] = v3
            }
            for step in ny..<(ny + 3) {
                for g in (step - ny + 1)..<4 { forward(b0 + g * ny + step - g, south: true) }
            }
            i += 4
        }
        while i < nx {
            let base = i * ny
            forward(base, south: false)
            for p in (base + 1)..<(base + ny) { forward(p, south: true) }
            i += 1
        }
        // Backward: z_q = w_q - (east d^-1)_q z_{q+ny} - (north d^-1)_q z_{q+1}, from the last column
        // and the top row down; columns i, i-1, i-2, i-3 together, each a row behind.
        @inline(__always) func backward(_ q: Int, north: Bool) {
            let value = out[q] - g[2 * q] * out[q + ny]
            out[q] = north ? value - g[2 * q + 1] * out[q + 1] : value
        }
        let last = (nx - 1) * ny
        var q = last + ny - 2
        while q >= last { out[q] -= g[2 * q + 1] * out[q + 1]; q -= 1 }
        i = nx - 2
        while i - 3 >= 0 {
            // Column i - g at row ny - 1 - (step - g).
            let t0 = i * ny + ny - 1, t1 = t0 - ny, t2 = t1 - ny, t3 = t2 - ny
            for step in 0..<4 {
                for g in 0...step { backward(t0 - g * ny - (step - g), north: step - g > 0) }
            }
            for step in 4..<ny {
                let c0 = t0 &- step, c1 = t1 &- step &+ 1, c2 = t2 &- step &+ 2, c3 = t3 &- step &+ 3
                let r0 = g + 2 &* c0, r1 = g + 2 &* c1, r2 = g + 2 &* c2, r3 = g + 2 &* c3
                let v0 = (out[c0] - r0[0] * out[c0 &+ ny]) - r0[1] * out[c0 &+ 1]
                let v1 = (out[c1] - r1[0] * out[c1 &+ ny]) - r1[1] * out[c1 &+ 1]
                let v2 = (out[c2] - r2[0] * out[c2 &+ ny]) - r2[1] * out[c2 &+ 1]
                let v3 = (out[c3] - r3[0] * out[c3 &+ ny]) - r3[1] * out[c3 &+ 1]
                out[c0] = v0; out[c1] = v1; out[c2] = v2; out[c3] = v3
            }
            for step in ny..<(ny + 3) {
                for g in (step - ny + 1)..<4 { backward(t0 - g * ny - (step - g), north: true) }
            }
            i -= 4
        }
        while i >= 0 {
            let top = i * ny + ny - 1
            backward(top, north: false)
            var c = top - 1
            while c >= i * ny { backward(c, north: true); c -= 1 }
            i -= 1
        }
    }

    /// `(a, b)` with four partial sums (a single sum is bound by the latency of the additions).
    @inline(__always) func dot(_ a: UnsafePointer<Double>, _ b: UnsafePointer<Double>) -> Double {
        var s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0
        var k = 0
        while k + 3 < count {
            s0 += a[k] * b[k]; s1 += a[k + 1] * b[k + 1]; s2 += a[k + 2] * b[k + 2]; s3 += a[k + 3] * b[k + 3]
            k += 4
        }
        while k < count { s0 += a[k] * b[k]; k += 1 }
        return (s0 + s1) + (s2 + s3)
    }

    /// Solves `A_k x = b` (or `A_k^T x = b`) by preconditioned BiCGSTAB (van der Vorst 1992) from
    /// the initial guess in `x`, to `|b - A x|_2 <= max(absolute, tolerance |b|_2)`; matrix k must be
    /// factored. The vector updates and inner products are fused into few passes. Returns false if
    /// it did not converge in `maxIterations`.
    @discardableResult
    public func solve(_ k: Int, transposed: Bool = false, _ b: UnsafePointer<Double>, _ x: UnsafeMutablePointer<Double>,
                      tolerance: Double = 1e-13, absolute: Double = 0, maxIterations: Int = 500) -> Bool {
        let n = count
        multiply(k, transposed: transposed, x, into: r)
        for i in 0..<n { r[i] = b[i] - r[i] }
        let target = max(absolute, tolerance * dot(b, b).squareRoot())
        var rr = dot(r, r)
        lastIterations = 0
        if rr.squareRoot() <= target { return true }
        rHat.update(from: r, count: n)
        var rho = 1.0, alpha = 1.0, omega = 1.0
        var rhoNew = rr   // (rHat, r) with rHat = r
        for i in 0..<n { v[i] = 0; pv[i] = 0 }
        for iteration in 1...maxIterations {
            lastIterations = iteration
            guard rhoNew != 0, rhoNew.isFinite else { return false }
            let beta = (rhoNew / rho) * (alpha / omega)
            rho = rhoNew
            for i in 0..<n { pv[i] = r[i] + beta * (pv[i] - omega * v[i]) }
            precondition(k, transposed: transposed, pv, into: y)
            multiply(k, transposed: transposed, y, into: v)
            alpha = rho / dot(rHat, v)
            for i in 0..<n { s[i] = r[i] - alpha * v[i] }
            if dot(s, s).squareRoot() <= target {
                for i in 0..<n { x[i] += alpha * y[i] }
                return true
            }
            precondition(k, transposed: transposed, s, into: z)
            multiply(k, transposed: transposed, z, into: t)
            let tt = dot(t, t)
            omega = tt > 0 ? dot(t, s) / tt : 0
            for i in 0..<n {
                x[i] += alpha * y[i] + omega * z[i]
                r[i] = s[i] - omega * t[i]
            }
            rr = dot(r, r)
            rhoNew = dot(rHat, r)
            if rr.squareRoot() <= target { return true }
            if omega == 0 { return false }
        }
        return false
    }
}
