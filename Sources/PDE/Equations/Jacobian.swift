/// The Jacobian of the full discrete system (the residual vector of `DiscreteMFG.residuals`) with
/// respect to the unknowns `z`, ordered like the residuals: `u^n_i` at `2 (n nx + i)` and
/// `m^{n+1}_i` at `2 (n nx + i) + 1`, `n = 0 ... Nt-1`. It is block-tridiagonal in time with
/// blocks of size `2 nx`, hence a band matrix with `kl = ku = 2 nx`.
extension DiscreteMFG {
    /// Order and bandwidth of the Jacobian.
    public var jacobianShape: (order: Int, lower: Int, upper: Int) { (2 * nx * nt, 2 * nx, 2 * nx) }

    @inline(__always) func uIndex(_ n: Int, _ i: Int) -> Int { 2 * (n * nx + i) }
    @inline(__always) func mIndex(_ level: Int, _ i: Int) -> Int { 2 * ((level - 1) * nx + i) + 1 }

    /// Fills `J` at the current `(u, m)` (couplings must be current: call `residuals` first).
    public func assembleJacobian(into J: BandedMatrix) {
        J.zero()
        let invDt = 1 / dt
        let h2 = h * h
        let ham = problem.hamiltonian
        let f = problem.coupling, g = problem.terminalCost
        let phiPrime = row  // phi'(m) = w + m w' at level n + 1
        for n in 0..<nt {
            let un = u + n * nx, mnext = m + (n + 1) * nx
            let wn = weight.map { $0 + n * nx }
            let meanNext = f.usesMean ? mean(mnext) : 0
            let tNext = Double(n + 1) * dt

            // HJB rows, derivative in u^n: the linearised upwind operator A(b, c).
            op.policy(u: un, weight: wn, b: subT, c: supT)
            op.assemble(b: subT, c: supT, sub: sub, diag: diag, sup: sup)
            for i in 0..<nx {
                let r = uIndex(n, i)
                J.add(r, uIndex(n, i), diag[i])
                if op.periodic || i > 0 { J.add(r, uIndex(n, i == 0 ? nx - 1 : i - 1), sub[i]) }
                if op.periodic || i < nx - 1 { J.add(r, uIndex(n, i == nx - 1 ? 0 : i + 1), sup[i]) }
                // Derivative in m^{n+1}: dg/dm - dF/dm locally, -dF/dmean h x_j for all j.
                let (q1, q2) = op.differences(un, i)
                let beta = min(q1, 0), gamma = max(q2, 0)
                let dg = 0.5 * ham.weightDerivative(mnext[i]) * (beta * beta + gamma * gamma)
                J.add(r, mIndex(n + 1, i), dg - f.densityDerivative(tNext, xs[i], mnext[i], meanNext))
                if f.usesMean {
                    let dmean = f.meanDerivative(tNext, xs[i], mnext[i], meanNext)
                    for j in 0..<nx { J.add(r, mIndex(n + 1, j), -dmean * h * xs[j]) }
                }
                if let nonlocal {  // d(K * m)_i / dm_j = h K(x_i - x_j)
                    for j in 0..<nx { J.add(r, mIndex(n + 1, j), -nonlocal.weights[(i - j + nx) % nx]) }
                }
                // Derivative in u^{n+1}, or through u^Nt = G(x, m^Nt, mean^Nt) in m^Nt.
                if n + 1 < nt {
                    J.add(r, uIndex(n + 1, i), -invDt)
                } else {
                    let meanT = g.usesMean ? mean(mnext) : 0
                    J.add(r, mIndex(nt, i), -invDt * g.densityDerivative(time.horizon, xs[i], mnext[i], meanT))
                    if g.usesMean {
                        let dmean = g.meanDerivative(time.horizon, xs[i], mnext[i], meanT)
                        for j in 0..<nx { J.add(r, mIndex(nt, j), -invDt * dmean * h * xs[j]) }
                    }
                }
            }

            // FP rows, derivative in m^{n+1}: A^T with (b, c) scaled by phi'/w (the product rule on
            // m w(m)); derivative in m^n: -1/dt.
            for i in 0..<nx {
                let mi = mnext[i]
                phiPrime[i] = ham.weight(mi) + mi * ham.weightDerivative(mi)
                let (q1, q2) = op.differences(un, i)
                subT[i] = phiPrime[i] * min(q1, 0)
                supT[i] = phiPrime[i] * max(q2, 0)
            }
            op.assemble(b: subT, c: supT, sub: sub, diag: diag, sup: sup)
            // A^T: row i has A[i-1][i] = sup[i-1] at column i-1 and A[i+1][i] = sub[i+1] at i+1.
            for i in 0..<nx {
                let r = mIndex(n + 1, i)
                J.add(r, mIndex(n + 1, i), diag[i])
                if op.periodic || i > 0 {
                    let l = i == 0 ? nx - 1 : i - 1
                    J.add(r, mIndex(n + 1, l), sup[l])
                }
                if op.periodic || i < nx - 1 {
                    let rr = i == nx - 1 ? 0 : i + 1
                    J.add(r, mIndex(n + 1, rr), sub[rr])
                }
                if n > 0 { J.add(r, mIndex(n, i), -invDt) }
            }
            // FP rows, derivative in u^n through the upwind switches:
            // -T_i = (1/h)[-p_i B_i + p_{i-1} B_{i-1} - p_{i+1} C_{i+1} + p_i C_i], p = m w(m),
            // B_j = min(D+u_j, 0), C_j = max(D-u_j, 0).
            for i in 0..<nx {
                let mi = mnext[i]
                phiPrime[i] = mi * (wn?[i] ?? 1)  // reused as p = m w
                let (q1, q2) = op.differences(un, i)
                subT[i] = q1 < 0 ? 1 : 0  // dB/dq1
                supT[i] = q2 > 0 ? 1 : 0  // dC/dq2
            }
            let p = phiPrime, chiB = subT, chiC = supT
            for i in 0..<nx {
                let r = mIndex(n + 1, i)
                let hasLeft = op.periodic || i > 0
                let hasRight = op.periodic || i < nx - 1
                let l = i == 0 ? nx - 1 : i - 1
                let rr = i == nx - 1 ? 0 : i + 1
                // B_i depends on (u_i, u_{i+1}); C_i on (u_{i-1}, u_i).
                var dRight = -p[i] * chiB[i]
                var dCentre = p[i] * chiB[i] + p[i] * chiC[i]
                var dLeft = -p[i] * chiC[i]
                if hasLeft {  // + p_{i-1} B_{i-1}(u_{i-1}, u_i)
                    dCentre += p[l] * chiB[l]
                    dLeft -= p[l] * chiB[l]
                }
                if hasRight {  // - p_{i+1} C_{i+1}(u_i, u_{i+1})
                    dCentre += p[rr] * chiC[rr]
                    dRight -= p[rr] * chiC[rr]
                }
                J.add(r, uIndex(n, i), dCentre / h2)
                if hasLeft { J.add(r, uIndex(n, l), dLeft / h2) }
                if hasRight { J.add(r, uIndex(n, rr), dRight / h2) }
            }
        }
    }

    /// Copies the unknowns into `z` (interleaved order).
    func gather(into z: UnsafeMutablePointer<Double>) {
        for n in 0..<nt {
            for i in 0..<nx {
                z[uIndex(n, i)] = u[n * nx + i]
                z[mIndex(n + 1, i)] = m[(n + 1) * nx + i]
            }
        }
    }

    /// Sets the unknowns from `z` (interleaved order).
    func scatter(from z: UnsafePointer<Double>) {
        for n in 0..<nt {
            for i in 0..<nx {
                u[n * nx + i] = z[uIndex(n, i)]
                m[(n + 1) * nx + i] = z[mIndex(n + 1, i)]
            }
        }
    }
}
