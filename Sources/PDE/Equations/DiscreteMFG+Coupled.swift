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
    /// are exact: `accuracy` is not needed), the FP density of the best response, and the coupling
    /// derivatives the product needs.
    func bestResponse(accuracy: Double) throws {
        let l = linearised()
        evaluateCouplings()
        try solveNonlinearHJB()
        solveFokkerPlanck(into: l.response)
        // Derivatives of the couplings at every level, and of the congestion term at the policy.
        let f = problem.coupling, ham = problem.hamiltonian
        for n in 0..<nt {
            let level = m + (n + 1) * nx, k0 = n * nx
            let mu = f.usesMean ? mean(level) : 0
            f.evaluateDerivatives(t: Double(n + 1) * dt, x: xs, m: level, mean: mu, density: l.fm + k0,
                                  mean: l.fmean.map { $0 + k0 } ?? row, count: nx)
            if let hm = l.hm, let lw = l.logWeight, let w = weight {
                let bn = b + k0, cn = c + k0
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
            let meanV = usesMean ? mean(vn) : 0
            if let nonlocal { nonlocal.apply(vn, into: l.source) } else { l.source.update(repeating: 0, count: nx) }
            let fm = l.fm + k0
            for i in 0..<nx { rhs[i] = next[i] * invDt + l.source[i] + fm[i] * vn[i] }
            if let fmean = l.fmean { for i in 0..<nx { rhs[i] += fmean[k0 + i] * meanV } }
            if let hm = l.hm { for i in 0..<nx { rhs[i] -= hm[k0 + i] * vn[i] } }
            op.assemble(b: b + k0, c: c + k0, sub: sub, diag: diag, sup: sup)
            solver.solve(sub: sub, diag: diag, sup: sup, rhs: rhs, x: l.du + k0, periodic: op.periodic)
            n -= 1
        }
        for n in 0..<nt {
            let k0 = n * nx, bn = b + k0, cn = c + k0, vn = v + k0
            op.policyDerivative(u: u + k0, du: l.du + k0, weight: weight.map { $0 + k0 }, db: l.db, dc: l.dc)
            if let lw = l.logWeight {
                for i in 0..<nx {
                    let r = lw[k0 + i] * vn[i]
                    l.db[i] += r * bn[i]
                    l.dc[i] += r * cn[i]
                }
            }
            op.transport(l.response + k0, b: l.db, c: l.dc, into: row)
            let previous = l.dm + k0
            for i in 0..<nx { rhs[i] = previous[i] * invDt + row[i] }
            op.assembleTransposed(b: bn, c: cn, sub: subT, diag: diag, sup: supT)
            solver.solve(sub: subT, diag: diag, sup: supT, rhs: rhs, x: l.dm + k0 + nx, periodic: op.periodic)
        }
        out.update(from: l.dm + nx, count: nt * nx)
    }

    /// FP with the current policy, then the fused backward sweep.
    func policyIterationSweep(relaxation: Double, accuracy: Double) throws -> (hjb: Double, fp: Double) {
        solveFokkerPlanck(into: m + nx)
        return policyIterationBackwardSweep(relaxation: relaxation)
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
