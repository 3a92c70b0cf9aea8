import Foundation

/// A sparse system with the 5-point pattern of a 2D grid (index `p = i ny + j`; x-neighbours at
/// `p -+ ny`, y-neighbours at `p -+ 1`, cyclic on a torus), solved by BiCGSTAB preconditioned with
/// the incomplete LU factorisation that keeps the pattern (for the 5-point stencil, D-ILU: only the
/// diagonal changes). The wrap-around couplings of a torus stay in the matrix but are left out of
/// the preconditioner. No allocation per solve.
public final class FivePointSystem {
    public let nx: Int, ny: Int
    public let count: Int
    public let periodic: Bool
    /// Coefficients of row p: centre, and the neighbours west (i-1), east (i+1), south (j-1), north (j+1).
    public let centre, west, east, south, north: UnsafeMutablePointer<Double>
    let pivot: UnsafeMutablePointer<Double>
    /// The triangular factors scaled by the inverse pivots, so that each recurrence step is one
    /// multiply-add on the dependency chain: `west d^-1`, `south d^-1`, `east d^-1`, `north d^-1`.
    let lw, ls, ue, un: UnsafeMutablePointer<Double>
    let r, rHat, pv, v, s, t, y, z: UnsafeMutablePointer<Double>
    /// Iterations of the last solve.
    public private(set) var lastIterations = 0

    public init(nx: Int, ny: Int, periodic: Bool) {
        self.nx = nx; self.ny = ny
        count = nx * ny
        self.periodic = periodic
        func make() -> UnsafeMutablePointer<Double> {
            let p = UnsafeMutablePointer<Double>.allocate(capacity: nx * ny)
            p.initialize(repeating: 0, count: nx * ny)
            return p
        }
        centre = make(); west = make(); east = make(); south = make(); north = make(); pivot = make()
        lw = make(); ls = make(); ue = make(); un = make()
        r = make(); rHat = make(); pv = make(); v = make(); s = make(); t = make(); y = make(); z = make()
    }

    deinit {
        for p in [centre, west, east, south, north, pivot, lw, ls, ue, un, r, rHat, pv, v, s, t, y, z] { p.deallocate() }
    }

    @inline(__always) func westIndex(_ p: Int) -> Int { p >= ny ? p - ny : p - ny + count }
    @inline(__always) func eastIndex(_ p: Int) -> Int { p + ny < count ? p + ny : p + ny - count }
    @inline(__always) func southIndex(_ p: Int) -> Int { p % ny != 0 ? p - 1 : p + ny - 1 }
    @inline(__always) func northIndex(_ p: Int) -> Int { (p + 1) % ny != 0 ? p + 1 : p + 1 - ny }

    /// `out = A x`.
    public func multiply(_ x: UnsafePointer<Double>, into out: UnsafeMutablePointer<Double>) {
        let ny = self.ny, n = count
        // Interior rows (no wrap) without index arithmetic, then the rows that touch the edges.
        for i in 1..<(nx - 1) {
            let base = i * ny
            for j in 1..<(ny - 1) {
                let p = base + j
                out[p] = centre[p] * x[p] + west[p] * x[p - ny] + east[p] * x[p + ny] + south[p] * x[p - 1] + north[p] * x[p + 1]
            }
        }
        func edge(_ p: Int) {
            out[p] = centre[p] * x[p] + west[p] * x[westIndex(p)] + east[p] * x[eastIndex(p)]
                + south[p] * x[southIndex(p)] + north[p] * x[northIndex(p)]
        }
        for j in 0..<ny { edge(j); edge(n - ny + j) }
        for i in 1..<(nx - 1) { edge(i * ny); edge(i * ny + ny - 1) }
    }

    /// D-ILU: `M = (D + L) D^{-1} (D + U)` with L, U the strict parts of A without the wrap, and D
    /// chosen so that `diag(M) = diag(A)`. Stores `1 / d`.
    public func factorPreconditioner() {
        let ny = self.ny
        for i in 0..<nx {
            let base = i * ny
            for j in 0..<ny {
                let p = base + j
                var d = centre[p]
                if i > 0 { d -= west[p] * east[p - ny] * pivot[p - ny] }
                if j > 0 { d -= south[p] * north[p - 1] * pivot[p - 1] }
                pivot[p] = 1 / d
            }
        }
        for p in 0..<count {
            let i = p / ny, j = p - i * ny
            lw[p] = i > 0 ? west[p] * pivot[p] : 0
            ls[p] = j > 0 ? south[p] * pivot[p] : 0
            ue[p] = i < nx - 1 ? east[p] * pivot[p] : 0
            un[p] = j < ny - 1 ? north[p] * pivot[p] : 0
        }
    }

    /// `out = M^{-1} x`: `(D + L) w = x`, then `z = w - D^{-1} U z`.
    func precondition(_ x: UnsafePointer<Double>, into out: UnsafeMutablePointer<Double>) {
        let ny = self.ny, nx = self.nx
        // Forward: w_p = x_p d_p^-1 - (west d^-1)_p w_{p-ny} - (south d^-1)_p w_{p-1}.
        out[0] = x[0] * pivot[0]
        for j in 1..<ny { out[j] = x[j] * pivot[j] - ls[j] * out[j - 1] }
        for i in 1..<nx {
            let base = i * ny
            out[base] = x[base] * pivot[base] - lw[base] * out[base - ny]
            for p in (base + 1)..<(base + ny) {
                out[p] = (x[p] * pivot[p] - lw[p] * out[p - ny]) - ls[p] * out[p - 1]
            }
        }
        // Backward: z_q = w_q - (east d^-1)_q z_{q+ny} - (north d^-1)_q z_{q+1}.
        let last = (nx - 1) * ny
        var p = last + ny - 2
        while p >= last { out[p] -= un[p] * out[p + 1]; p -= 1 }
        var i = nx - 2
        while i >= 0 {
            let base = i * ny
            let top = base + ny - 1
            out[top] -= ue[top] * out[top + ny]
            var q = top - 1
            while q >= base {
                out[q] = (out[q] - ue[q] * out[q + ny]) - un[q] * out[q + 1]
                q -= 1
            }
            i -= 1
        }
    }

    @inline(__always) func dot(_ a: UnsafePointer<Double>, _ b: UnsafePointer<Double>) -> Double {
        var s = 0.0
        for k in 0..<count { s += a[k] * b[k] }
        return s
    }

    /// Solves `A x = b` by preconditioned BiCGSTAB from the initial guess in `x`, to
    /// `|b - A x|_2 <= max(absolute, tolerance |b|_2)`. Returns false if it did not converge in
    /// `maxIterations`.
    @discardableResult
    public func solve(_ b: UnsafePointer<Double>, _ x: UnsafeMutablePointer<Double>,
                      tolerance: Double = 1e-13, absolute: Double = 0, maxIterations: Int = 500) -> Bool {
        let n = count
        multiply(x, into: r)
        for k in 0..<n { r[k] = b[k] - r[k] }
        let target = max(absolute, tolerance * dot(b, b).squareRoot())
        var rNorm = dot(r, r).squareRoot()
        lastIterations = 0
        if rNorm <= target { return true }
        rHat.update(from: r, count: n)
        var rho = 1.0, alpha = 1.0, omega = 1.0
        for k in 0..<n { v[k] = 0; pv[k] = 0 }
        for iteration in 1...maxIterations {
            lastIterations = iteration
            let rhoNew = dot(rHat, r)
            guard rhoNew != 0, rhoNew.isFinite else { return false }
            let beta = (rhoNew / rho) * (alpha / omega)
            rho = rhoNew
            for k in 0..<n { pv[k] = r[k] + beta * (pv[k] - omega * v[k]) }
            precondition(pv, into: y)
            multiply(y, into: v)
            alpha = rho / dot(rHat, v)
            for k in 0..<n { s[k] = r[k] - alpha * v[k] }
            if dot(s, s).squareRoot() <= target {
                for k in 0..<n { x[k] += alpha * y[k] }
                return true
            }
            precondition(s, into: z)
            multiply(z, into: t)
            let tt = dot(t, t)
            omega = tt > 0 ? dot(t, s) / tt : 0
            for k in 0..<n {
                x[k] += alpha * y[k] + omega * z[k]
                r[k] = s[k] - omega * t[k]
            }
            rNorm = dot(r, r).squareRoot()
            if rNorm <= target { return true }
            if omega == 0 { return false }
        }
        return false
    }
}
