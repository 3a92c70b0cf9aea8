/// The upwind operators of the scheme on one time level (Achdou and Capuzzo-Dolcetta 2010).
///
/// With `q1 = D+u`, `q2 = D-u` and the policy `b = dg/dq1 <= 0`, `c = dg/dq2 >= 0` (the Hamiltonian's
/// upwind policy), the linearised HJB operator is the tridiagonal M-matrix
///
///     A u = u / dt - nu Lap_h u + b D+u + c D-u,
///
/// and the Fokker-Planck step matrix is exactly its transpose `A^T`.
/// Reflecting walls use ghost values `u_{-1} = u_0`, `u_n = u_{n-1}` (so `D-u_0 = D+u_{n-1} = 0`).
/// An exit uses the ghost values `u = exit cost` and `m = 0`: its ghost column of `A` moves to the
/// right-hand side of the HJB step and is simply absent from the FP step, so mass flows out.
struct UpwindOperator {
    let count: Int
    let h: Double
    let dt: Double
    let nu: Double
    let periodic: Bool
    let hamiltonian: Hamiltonian
    var leftExit: Double? = nil
    var rightExit: Double? = nil

    /// One-sided differences `(D+u_i, D-u_i)` with the boundary convention.
    @inline(__always)
    func differences(_ u: UnsafePointer<Double>, _ i: Int) -> (forward: Double, backward: Double) {
        let n = count
        let right: Double, left: Double
        if i == n - 1 { right = periodic ? u[0] : (rightExit ?? u[i]) } else { right = u[i + 1] }
        if i == 0 { left = periodic ? u[n - 1] : (leftExit ?? u[0]) } else { left = u[i - 1] }
        return ((right - u[i]) / h, (u[i] - left) / h)
    }

    /// The optimal policy `(b_i, c_i) = dg/dq` of `u`: `b_i = f_i min(D+u_i, 0)`, `c_i = f_i max(D-u_i, 0)`
    /// with the Hamiltonian's factor `f = w P^(gamma-2)` (`w == nil` means `w = 1`).
    func policy(
        u: UnsafePointer<Double>, weight w: UnsafePointer<Double>?,
        b: UnsafeMutablePointer<Double>, c: UnsafeMutablePointer<Double>
    ) {
        let n = count
        let inv = 1 / h
        let ham = hamiltonian
        // Interior without boundary branches, then the two ends.
        for i in 1..<(n - 1) {
            let beta = min((u[i + 1] - u[i]) * inv, 0), gamma = max((u[i] - u[i - 1]) * inv, 0)
            let f = ham.policyFactor(normSquared: beta * beta + gamma * gamma, weight: w?[i] ?? 1)
            b[i] = f * beta
            c[i] = f * gamma
        }
        var i = 0
        while true {
            let (q1, q2) = differences(u, i)
            let beta = min(q1, 0), gamma = max(q2, 0)
            let f = ham.policyFactor(normSquared: beta * beta + gamma * gamma, weight: w?[i] ?? 1)
            b[i] = f * beta
            c[i] = f * gamma
            if i == n - 1 { break }
            i = n - 1
        }
    }

    /// The Jacobian of the optimal policy of `u` with respect to the upwind differences at each
    /// point (semismooth: the upwind switches of `u` held), from the Hamiltonian's coefficients:
    /// `db = jbb D+du + jbc D-du`, `dc = jcb D+du + jcc D-du`. The cross terms exist only for
    /// gamma < 2 (nil arrays are skipped). `w == nil` means `w = 1`.
    func policyJacobian(
        u: UnsafePointer<Double>, weight w: UnsafePointer<Double>?, jbb: UnsafeMutablePointer<Double>,
        jcc: UnsafeMutablePointer<Double>, jbc: UnsafeMutablePointer<Double>?, jcb: UnsafeMutablePointer<Double>?
    ) {
        let ham = hamiltonian
        for i in 0..<count {
            let (q1, q2) = differences(u, i)
            let beta = min(q1, 0), gamma = max(q2, 0)
            let (scale, projection) = ham.policyDerivativeCoefficients(
                normSquared: beta * beta + gamma * gamma, weight: w?[i] ?? 1, floor: 1e-6)
            let activeB = q1 < 0 ? 1.0 : 0, activeC = q2 > 0 ? 1.0 : 0
            jbb[i] = activeB * (scale + projection * beta * beta)
            jcc[i] = activeC * (scale + projection * gamma * gamma)
            jbc?[i] = activeC * projection * beta * gamma
            jcb?[i] = activeB * projection * beta * gamma
        }
    }

    /// `(db, dc)` of a direction `du` from the policy Jacobian; the ghost of `du` is 0 at exits (the
    /// exit cost is fixed) and the cell itself at walls.
    func applyPolicyJacobian(
        _ du: UnsafePointer<Double>, jbb: UnsafePointer<Double>, jcc: UnsafePointer<Double>,
        jbc: UnsafePointer<Double>?, jcb: UnsafePointer<Double>?,
        db: UnsafeMutablePointer<Double>, dc: UnsafeMutablePointer<Double>
    ) {
        let n = count, last = n - 1, inv = 1 / h
        let leftGhost = periodic ? du[last] : (leftExit != nil ? 0 : du[0])
        let rightGhost = periodic ? du[0] : (rightExit != nil ? 0 : du[last])
        // Forward differences into db, backward into dc; then mix.
        for i in 0..<last { db[i] = (du[i + 1] - du[i]) * inv }
        db[last] = (rightGhost - du[last]) * inv
        dc[0] = (du[0] - leftGhost) * inv
        for i in 1..<n { dc[i] = (du[i] - du[i - 1]) * inv }
        if let jbc, let jcb {
            for i in 0..<n {
                let f = db[i], g = dc[i]
                db[i] = jbb[i] * f + jbc[i] * g
                dc[i] = jcb[i] * f + jcc[i] * g
            }
        } else {
            for i in 0..<n {
                db[i] *= jbb[i]
                dc[i] *= jcc[i]
            }
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
            // Walls: the ghost neighbour is the cell itself. Exits: the ghost is known (exitTerms).
            if leftExit == nil { diag[0] += sub[0] }
            sub[0] = 0
            if rightExit == nil { diag[n - 1] += sup[n - 1] }
            sup[n - 1] = 0
        }
    }

    /// The exit ghost values times their coefficients in `A`, moved to the HJB right-hand side:
    /// `rhs[0] += (nu/h^2 + c_0/h) g_left`, `rhs[n-1] += (nu/h^2 - b_{n-1}/h) g_right`.
    @inline(__always)
    func addExitTerms(b: UnsafePointer<Double>, c: UnsafePointer<Double>, rhs: UnsafeMutablePointer<Double>) {
        let d = nu / (h * h)
        if let g = leftExit { rhs[0] += (d + c[0] / h) * g }
        if let g = rightExit { rhs[count - 1] += (d - b[count - 1] / h) * g }
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
            // Walls: A's wall rows lose their outer neighbour, which moves to the diagonal.
            // Exits: the ghost (m = 0) is simply absent.
            if leftExit == nil { diag[0] -= d + c[0] * inv }
            if rightExit == nil { diag[n - 1] -= d - b[n - 1] * inv }
            sub[0] = 0
            sup[n - 1] = 0
        }
    }

    /// The transport term in flux form, `T_i = (F_{i+1/2} - F_{i-1/2}) / h` with the flux through the
    /// right face of cell i `F_{i+1/2} = m_i b_i + m_{i+1} c_{i+1}`: zero through walls, ghost density
    /// 0 at exits. The FP step matrix satisfies `A(b, c)^T m = m/dt - nu Lap m - T(m, b, c)`.
    func transport(
        _ m: UnsafePointer<Double>, b: UnsafePointer<Double>, c: UnsafePointer<Double>, into out: UnsafeMutablePointer<Double>
    ) {
        let n = count, last = n - 1, inv = 1 / h
        let rightmost = periodic ? m[last] * b[last] + m[0] * c[0] : (rightExit != nil ? m[last] * b[last] : 0)
        var previous = periodic ? rightmost : (leftExit != nil ? m[0] * c[0] : 0)
        for i in 0..<last {
            let f = m[i] * b[i] + m[i + 1] * c[i + 1]
            out[i] = (f - previous) * inv
            previous = f
        }
        out[last] = (rightmost - previous) * inv
    }

    /// `nu (Lap_h v)_i` for every i; at exits the ghost is the exit cost (`density: false`, for u)
    /// or zero (`density: true`, for m).
    func diffusion(_ v: UnsafePointer<Double>, into out: UnsafeMutablePointer<Double>, density: Bool) {
        let n = count
        let d = nu / (h * h)
        for i in 1..<(n - 1) { out[i] = d * (v[i + 1] - 2 * v[i] + v[i - 1]) }
        let leftGhost = periodic ? v[n - 1] : (leftExit.map { density ? 0 : $0 } ?? v[0])
        let rightGhost = periodic ? v[0] : (rightExit.map { density ? 0 : $0 } ?? v[n - 1])
        out[0] = d * (v[1] - 2 * v[0] + leftGhost)
        out[n - 1] = d * (rightGhost - 2 * v[n - 1] + v[n - 2])
    }
}
