import Foundation

/// The 1D time-dependent system as the coupled solvers see it.
extension DiscreteMFG: CoupledSystem {
    var unknowns: Int { nt * nx }
    var density: UnsafeMutablePointer<Double> { m + nx }
    var densityLevels: Int { nt }
    var normWeight: Double { (h * dt).squareRoot() }
    var valueUnknowns: Int { nt * nx }
    var value: UnsafeMutablePointer<Double> { u }
    var response: UnsafeMutablePointer<Double> { linearised().response }

    /// Best response: couplings of the current density, the nonlinear HJB sweep (tridiagonal solves
    /// are exact: `accuracy` is not needed; the factors of its last Howard step are kept for the
    /// product, their policy equal to the final one to the iteration's tolerance), the factored FP
    /// steps and the FP density of the best response, and the derivatives the product needs.
    func bestResponse(accuracy: Double) throws {
        let l = linearised()
        evaluateCouplings()
        try solveNonlinearHJB(factors: l.hjb)
        let f = problem.coupling, ham = problem.hamiltonian
        let invDt = 1 / dt
        for n in 0..<nt {
            let k0 = n * nx, bn = b + k0, cn = c + k0
            let wn = weight.map { $0 + k0 }
            op.assembleTransposed(b: bn, c: cn, sub: subT, diag: diag, sup: supT)
            l.fokkerPlanck.factor(n, sub: subT, diag: diag, sup: supT)
            // The FP step of the best response.
            let previous = n == 0 ? UnsafePointer(m) : UnsafePointer(l.response + (n - 1) * nx)
            for i in 0..<nx { rhs[i] = previous[i] * invDt }
            l.fokkerPlanck.solve(n, rhs: rhs, x: l.response + k0)
            op.policyJacobian(u: u + k0, weight: wn, jbb: l.jbb + k0, jcc: l.jcc + k0,
                              jbc: l.jbc.map { $0 + k0 }, jcb: l.jcb.map { $0 + k0 })
            // Derivatives of the couplings at level n + 1, and of the congestion term at the policy.
            let level = m + (n + 1) * nx
            let mu = f.usesMean ? mean(level) : 0
            f.evaluateDerivatives(t: Double(n + 1) * dt, x: xs, m: level, mean: mu, density: l.fm + k0,
                                  mean: l.fmean.map { $0 + k0 } ?? row, count: nx)
            if let hm = l.hm, let lw = l.logWeight, let w = weight {
                for i in 0..<nx {
                    hm[k0 + i] = ham.densityDerivative(policySquared: bn[i] * bn[i] + cn[i] * cn[i], density: level[i], weight: w[k0 + i])
                    lw[k0 + i] = ham.logWeightDerivative(level[i])
                }
            }
        }
        let g = problem.terminalCost
        let last = m + nt * nx
        g.evaluateDerivatives(t: time.horizon, x: xs, m: last, mean: g.usesMean ? mean(last) : 0,
                              density: l.gm, mean: l.gmean, count: nx)
    }

    /// `dPhi v`: the HJB linearised at the best response, backward from `du^Nt = dG(v^Nt)` with the
    /// source `(dF - dg/dm) v`, then the FP linearised at it, forward from `dm^0 = 0` with the source
    /// `T(Phi(m), db, dc)` of the policy's derivative (`db` includes `(w'/w) v b` under congestion).
    /// Every step matrix is factored already: a product is two substitution sweeps.
    func responseDerivative(_ v: UnsafePointer<Double>, into out: UnsafeMutablePointer<Double>, accuracy: Double) {
        let l = linearised()
        let invDt = 1 / dt
        let f = problem.coupling, g = problem.terminalCost
        let usesMean = f.usesMean
        // Terminal: du^Nt = G_m v^Nt + G_mean <x, v^Nt>.
        let vT = v + (nt - 1) * nx, duT = l.du + nt * nx
        let meanT = g.usesMean ? mean(vT) : 0
        for i in 0..<nx { duT[i] = l.gm[i] * vT[i] + l.gmean[i] * meanT }
        var n = nt - 1
        while n >= 0 {
            let k0 = n * nx, vn = v + k0, next = l.du + (n + 1) * nx
            let fm = l.fm + k0
            for i in 0..<nx { rhs[i] = next[i] * invDt + fm[i] * vn[i] }
            if usesMean, let fmean = l.fmean {
                let meanV = mean(vn)
                for i in 0..<nx { rhs[i] += fmean[k0 + i] * meanV }
            }
            if let hm = l.hm { for i in 0..<nx { rhs[i] -= hm[k0 + i] * vn[i] } }
            if let nonlocal {
                nonlocal.apply(vn, into: l.source)
                for i in 0..<nx { rhs[i] += l.source[i] }
            }
            l.hjb.solve(n, rhs: rhs, x: l.du + k0)
            n -= 1
        }
        for n in 0..<nt {
            let k0 = n * nx, vn = v + k0
            op.applyPolicyJacobian(l.du + k0, jbb: l.jbb + k0, jcc: l.jcc + k0, jbc: l.jbc.map { $0 + k0 },
                                   jcb: l.jcb.map { $0 + k0 }, db: l.db, dc: l.dc)
            if let lw = l.logWeight {
                let bn = b + k0, cn = c + k0
                for i in 0..<nx {
                    let r = lw[k0 + i] * vn[i]
                    l.db[i] += r * bn[i]
                    l.dc[i] += r * cn[i]
                }
            }
            op.transport(l.response + k0, b: l.db, c: l.dc, into: row)
            let previous = l.dm + k0
            for i in 0..<nx { rhs[i] = previous[i] * invDt + row[i] }
            l.fokkerPlanck.solve(n, rhs: rhs, x: l.dm + k0 + nx)
        }
        out.update(from: l.dm + nx, count: nt * nx)
    }

    /// FP with the current policy, then the fused backward sweep.
    func policyIterationSweep(relaxation: Double, accuracy: Double) throws -> (hjb: Double, fp: Double) {
        solveFokkerPlanck(into: m + nx)
        return policyIterationBackwardSweep(relaxation: relaxation)
    }

    func followControl(_ control: [[Double]]) throws {
        let a = control[0]
        for k in 0..<(nt * nx) {
            b[k] = -max(a[k], 0)
            c[k] = -min(a[k], 0)
        }
        solveFokkerPlanck(into: m + nx)
    }

    func resetValue() {
        hasValue = false
        u.update(repeating: 0, count: totalCount)
    }

    func updatePolicy() {
        for n in 0..<nt {
            op.policy(u: u + n * nx, weight: weight.map { $0 + n * nx }, b: b + n * nx, c: c + n * nx)
        }
    }

    func equilibrium(
        method: SolverMethod, converged: Bool, history: [IterationReport], phases: [SolverPhase], seconds: Double
    ) -> Equilibrium {
        Equilibrium(
            x: x, y: nil, t: time.times, m: copyM(), u: copyU(), control: [control()], active: nil, lambda: nil,
            outflow: outflow(), method: method, converged: converged, history: history, phases: phases, seconds: seconds)
    }
}
