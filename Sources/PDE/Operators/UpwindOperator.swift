/// The upwind operators of the scheme on one time level (Achdou and Capuzzo-Dolcetta 2010).
///
/// With `q1 = D+u`, `q2 = D-u` and the policy `b = w(m) min(q1, 0) <= 0`, `c = w(m) max(q2, 0) >= 0`
/// (`b = dg/dq1`, `c = dg/dq2`), the linearised HJB operator is the tridiagonal M-matrix
///
///     A u = u / dt - nu Lap_h u + b D+u + c D-u,
///
/// and the Fokker-Planck step matrix is exactly its transpose `A^T`.
/// Reflecting walls use ghost values `u_{-1} = u_0`, `u_n = u_{n-1}` (so `D-u_0 = D+u_{n-1} = 0`).
struct UpwindOperator {
    let count: Int
    let h: Double
    let dt: Double
    let nu: Double
    let periodic: Bool

    /// One-sided differences `(D+u_i, D-u_i)` with the boundary convention.
    @inline(__always)
    func differences(_ u: UnsafePointer<Double>, _ i: Int) -> (forward: Double, backward: Double) {
        let n = count
        let right: Double, left: Double
        if i == n - 1 { right = periodic ? u[0] : u[i] } else { right = u[i + 1] }
        if i == 0 { left = periodic ? u[n - 1] : u[0] } else { left = u[i - 1] }
        return ((right - u[i]) / h, (u[i] - left) / h)
    }

    /// The policy `b_i = w_i min(D+u_i, 0)`, `c_i = w_i max(D-u_i, 0)`; `w == nil` means `w = 1`.
    func policy(
        u: UnsafePointer<Double>, weight w: UnsafePointer<Double>?,
        b: UnsafeMutablePointer<Double>, c: UnsafeMutablePointer<Double>
    ) {
        let n = count
        let inv = 1 / h
        // Interior without branches, then the two ends.
        for i in 1..<(n - 1) {
            let wi = w?[i] ?? 1
            b[i] = wi * min((u[i + 1] - u[i]) * inv, 0)
            c[i] = wi * max((u[i] - u[i - 1]) * inv, 0)
        }
        var i = 0
        while true {
            let (q1, q2) = differences(u, i)
            let wi = w?[i] ?? 1
            b[i] = wi * min(q1, 0)
            c[i] = wi * max(q2, 0)
            if i == n - 1 { break }
            i = n - 1
        }
    }

    /// The three diagonals of `A` for the policy `(b, c)`. In the periodic case `sub[0]` is the
    /// coefficient of `u_{n-1}` in row 0 and `sup[n-1]` that of `u_0` in row `n-1`.
    func assemble(
        b: UnsafePointer<Double>, c: UnsafePointer<Double>,
        sub: UnsafeMutablePointer<Double>, diag: UnsafeMutablePointer<Double>,
        sup: UnsafeMutablePointer<Double>
    ) {
        let n = count
        let d = nu / (h * h)
        let inv = 1 / h
        let base = 1 / dt + 2 * d
        for i in 0..<n {
            sub[i] = -d - c[i] * inv
            diag[i] = base + (c[i] - b[i]) * inv
            sup[i] = -d + b[i] * inv
        }
        if !periodic {
            // Ghost cells: the wall neighbour is the cell itself.
            diag[0] += sub[0]
            sub[0] = 0
            diag[n - 1] += sup[n - 1]
            sup[n - 1] = 0
        }
    }

    /// The three diagonals of `A^T` directly: `subT[i] = A[i-1][i]`, `supT[i] = A[i+1][i]`.
    func assembleTransposed(
        b: UnsafePointer<Double>, c: UnsafePointer<Double>,
        sub: UnsafeMutablePointer<Double>, diag: UnsafeMutablePointer<Double>,
        sup: UnsafeMutablePointer<Double>
    ) {
        let n = count
        let d = nu / (h * h)
        let inv = 1 / h
        let base = 1 / dt + 2 * d
        for i in 1..<(n - 1) {
            sub[i] = -d + b[i - 1] * inv
            diag[i] = base + (c[i] - b[i]) * inv
            sup[i] = -d - c[i + 1] * inv
        }
        diag[0] = base + (c[0] - b[0]) * inv
        diag[n - 1] = base + (c[n - 1] - b[n - 1]) * inv
        sup[0] = -d - c[1] * inv
        sub[n - 1] = -d + b[n - 2] * inv
        if periodic {
            sub[0] = -d + b[n - 1] * inv
            sup[n - 1] = -d - c[0] * inv
        } else {
            // Ghost cells: A's wall rows lose their outer neighbour, which moves to the diagonal.
            diag[0] -= d + c[0] * inv
            diag[n - 1] -= d - b[n - 1] * inv
            sub[0] = 0
            sup[n - 1] = 0
        }
    }

    /// `nu (Lap_h v)_i` for every i.
    func diffusion(_ v: UnsafePointer<Double>, into out: UnsafeMutablePointer<Double>) {
        let n = count
        let d = nu / (h * h)
        for i in 1..<(n - 1) { out[i] = d * (v[i + 1] - 2 * v[i] + v[i - 1]) }
        out[0] = diffusion(v, 0)
        out[n - 1] = diffusion(v, n - 1)
    }

    /// `nu (Lap_h v)_i`, with the boundary convention.
    @inline(__always)
    func diffusion(_ v: UnsafePointer<Double>, _ i: Int) -> Double {
        let n = count
        let right: Double, left: Double
        if i == n - 1 { right = periodic ? v[0] : v[i] } else { right = v[i + 1] }
        if i == 0 { left = periodic ? v[n - 1] : v[0] } else { left = v[i - 1] }
        return nu * (right - 2 * v[i] + left) / (h * h)
    }
}
