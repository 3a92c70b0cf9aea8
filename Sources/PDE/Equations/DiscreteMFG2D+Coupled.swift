import Foundation

/// The 2D time-dependent system as the coupled solvers see it.
extension DiscreteMFG2D: CoupledSystem {
    var unknowns: Int { nt * count }
    var density: UnsafeMutablePointer<Double> { m + count }
    var densityLevels: Int { nt }
    var normWeight: Double { (cellArea * dt).squareRoot() }
    var valueUnknowns: Int { nt * count }
    var value: UnsafeMutablePointer<Double> { u }
    var response: UnsafeMutablePointer<Double> { linearised().response }

    func followControl(_ control: [[Double]]) throws {
        setPolicy(control, steps: nt)
        solveFokkerPlanck(into: m + count)
    }

    /// The policy of the first `steps` steps from a feedback velocity (zero in obstacles).
    func setPolicy(_ control: [[Double]], steps: Int) {
        let ax = control[0], ay = control[1]
        for k in 0..<(steps * count) {
            let free = active[k % count]
            bx[k] = free ? -max(ax[k], 0) : 0
            cx[k] = free ? -min(ax[k], 0) : 0
            by[k] = free ? -max(ay[k], 0) : 0
            cy[k] = free ? -min(ay[k], 0) : 0
        }
    }

    /// The terminal condition `u^Nt = G(x, y)` on the free cells.
    func applyTerminalCondition() {
        let terminal = u + nt * count
        for p in 0..<count { terminal[p] = active[p] ? problem.terminalCost(xs[p], ys[p]) : 0 }
    }

    /// Best response: each HJB step at frozen `m^{n+1}` by Howard's iteration (warm-started from
    /// the previous solution), linear solves to `accuracy`; then the FP density of its policy and
    /// the coupling derivatives.
    func bestResponse(accuracy: Double) throws {
        let l = linearised()
        linearTolerance = accuracy
        applyTerminalCondition()
        let ham = problem.hamiltonian
        var failures = 0
        var n = nt - 1
        while n >= 0 {
            evaluateCouplings(step: n)
            let off = n * count, un = u + off, next = u + (n + 1) * count
            if !hasValue { un.update(from: next, count: count) }
            // Howard's iteration is Newton's method: its linear solves need only be as accurate as
            // the next change will be small (the square of this one), down to `accuracy`; it stops
            // when u no longer moves, or in the quadratic regime once the change is below 1e-8.
            var converged = false, previous = Double.infinity, tolerance = max(accuracy, 1e-8)
            for _ in 0..<100 {
                updatePolicy(step: n)
                assemble(step: n)
                system.factor(n)
                linearisedRightHandSide(step: n)
                work.update(from: un, count: count)
                if !system.solve(n, rhs, un, tolerance: tolerance) { linearFailures += 1 }
                var change = 0.0, size = 0.0
                for p in 0..<count { change = max(change, abs(un[p] - work[p])); size = max(size, abs(un[p])) }
                guard change.isFinite else {
                    throw MFGError.nonFinite(iteration: 0, quantity: "u at time step \(n)",
                                             advice: "the HJB step diverged; increase nt or check the costs", history: [])
                }
                let relative = change / (1 + size)
                let exact = tolerance <= accuracy
                if exact && (relative <= max(1e-13, 10 * accuracy) || (relative <= 1e-8 && change <= 1e-2 * previous)) {
                    converged = true
                    break
                }
                tolerance = max(accuracy, min(tolerance, relative * relative))
                previous = change
            }
            if !converged { failures += 1 }
            // The step matrix of the final policy, kept for the FP sweep and the products.
            updatePolicy(step: n)
            assemble(step: n)
            system.factor(n)
            n -= 1
        }
        unconvergedSteps = failures
        hasValue = true
        solveFokkerPlanck(into: l.response, assembling: false, warm: hasResponse)
        hasResponse = true
        // Derivatives of the couplings and of the congestion term at every level.
        for n in 0..<nt {
            let off = n * count, level = m + (n + 1) * count, t = Double(n + 1) * dt
            couplingDensityDerivative(t: t, level: level, into: l.fm + off)
            guard let hm = l.hm, let lw = l.logWeight else { continue }
            for p in 0..<count {
                let b1 = bx[off + p], c1 = cx[off + p], b2 = by[off + p], c2 = cy[off + p]
                hm[off + p] = ham.densityDerivative(policySquared: b1 * b1 + c1 * c1 + b2 * b2 + c2 * c2,
                                                    density: level[p], weight: weight[off + p])
                lw[off + p] = ham.logWeightDerivative(level[p])
            }
        }
    }

    /// `dF/dm` of a level: the problem's derivative, else central differences of F.
    func couplingDensityDerivative(t: Double, level: UnsafePointer<Double>, into out: UnsafeMutablePointer<Double>) {
        guard problem.couplingUsesDensity else { out.update(repeating: 0, count: count); return }
        if let d = problem.couplingDensityDerivative { d(t, xs, ys, level, out, count); return }
        let l = linearised()
        for p in 0..<count { l.source[p] = level[p] + 1e-6 * max(1, abs(level[p])) }
        problem.coupling(t, xs, ys, l.source, out, count)
        for p in 0..<count { l.source[p] = level[p] - 1e-6 * max(1, abs(level[p])) }
        problem.coupling(t, xs, ys, l.source, work, count)
        for p in 0..<count { out[p] = (out[p] - work[p]) / (2e-6 * max(1, abs(level[p]))) }
    }

    /// `dPhi v`: the HJB linearised at the best response backward from `du^Nt = 0` (G does not
    /// depend on m in 2D) with the source `(dF - dg/dm) v + K * v`, then the FP linearised forward
    /// from `dm^0 = 0` with the source `T(Phi(m), d policy)`, on the step matrices and factors the
    /// best response stored. Each solve starts from the neighbouring level's solution.
    func responseDerivative(_ v: UnsafePointer<Double>, into out: UnsafeMutablePointer<Double>, accuracy: Double) {
        let l = linearised()
        (l.du + nt * count).update(repeating: 0, count: count)
        var n = nt - 1
        while n >= 0 {
            let off = n * count, vn = v + off, next = l.du + (n + 1) * count
            if let nonlocal { nonlocal.apply(vn, into: l.source) } else { l.source.update(repeating: 0, count: count) }
            for p in 0..<count {
                guard active[p] else { rhs[p] = 0; continue }
                var s = next[p] / dt + l.source[p] + l.fm[off + p] * vn[p]
                if let hm = l.hm { s -= hm[off + p] * vn[p] }
                rhs[p] = s
            }
            (l.du + off).update(from: next, count: count)
            if !system.solve(n, rhs, l.du + off, tolerance: accuracy) { linearFailures += 1 }
            n -= 1
        }
        for n in 0..<nt {
            let off = n * count, vn = v + off, previous = l.dm + off
            policyDerivative(step: n, du: l.du + off, v: vn)
            transport(l.response + off, bx: l.dbx, cx: l.dcx, by: l.dby, cy: l.dcy, into: work)
            for p in 0..<count { rhs[p] = active[p] ? previous[p] / dt + work[p] : 0 }
            let next = l.dm + off + count, density = l.response + off
            next.update(from: previous, count: count)
            if !system.solve(n, transposed: true, rhs, next, tolerance: accuracy) { linearFailures += 1 }
            // The solve is inexact; restore the exact balance of mass (columns of A^T sum to
            // 1/dt + excess): sum x (1 + dt excess) = dt sum rhs, along Phi's level.
            exitRows(step: n)
            var defect = 0.0, weight = 0.0
            for p in 0..<count where active[p] {
                defect += dt * rhs[p] - next[p] * (1 + dt * excess[p])
                weight += density[p] * (1 + dt * excess[p])
            }
            if weight > 0 {
                let c = defect / weight
                for p in 0..<count where active[p] { next[p] += c * density[p] }
            }
        }
        out.update(from: l.dm + count, count: nt * count)
    }

    /// The derivative of the optimal policy of step n in the direction `du` (ghost of `du`: the cell
    /// itself at walls and obstacles, 0 at exits), plus `(w'/w) v b` under congestion, into the
    /// linearisation's policy rows.
    func policyDerivative(step n: Int, du: UnsafePointer<Double>, v: UnsafePointer<Double>) {
        let l = linearised()
        let off = n * count, un = u + off
        let ham = problem.hamiltonian
        for p in 0..<count {
            guard active[p] else { l.dbx[p] = 0; l.dcx[p] = 0; l.dby[p] = 0; l.dcy[p] = 0; continue }
            let q1x = (neighbourValue(un, p, 1, density: false) - un[p]) / hx
            let q2x = (un[p] - neighbourValue(un, p, 0, density: false)) / hx
            let q1y = (neighbourValue(un, p, 3, density: false) - un[p]) / hy
            let q2y = (un[p] - neighbourValue(un, p, 2, density: false)) / hy
            let betaX = min(q1x, 0), gammaX = max(q2x, 0), betaY = min(q1y, 0), gammaY = max(q2y, 0)
            let dBetaX = q1x < 0 ? (neighbourValue(du, p, 1, density: true) - du[p]) / hx : 0
            let dGammaX = q2x > 0 ? (du[p] - neighbourValue(du, p, 0, density: true)) / hx : 0
            let dBetaY = q1y < 0 ? (neighbourValue(du, p, 3, density: true) - du[p]) / hy : 0
            let dGammaY = q2y > 0 ? (du[p] - neighbourValue(du, p, 2, density: true)) / hy : 0
            let (scale, projection) = ham.policyDerivativeCoefficients(
                normSquared: betaX * betaX + gammaX * gammaX + betaY * betaY + gammaY * gammaY,
                weight: weight[off + p], floor: 1e-6)
            let along = projection * (betaX * dBetaX + gammaX * dGammaX + betaY * dBetaY + gammaY * dGammaY)
            var r = 0.0
            if let lw = l.logWeight { r = lw[off + p] * v[p] }
            l.dbx[p] = scale * dBetaX + along * betaX + r * bx[off + p]
            l.dcx[p] = scale * dGammaX + along * gammaX + r * cx[off + p]
            l.dby[p] = scale * dBetaY + along * betaY + r * by[off + p]
            l.dcy[p] = scale * dGammaY + along * gammaY + r * cy[off + p]
        }
    }

    /// FP with the current policy, then the HJB linearised at it with the policy update.
    func policyIterationSweep(relaxation: Double, accuracy: Double) throws -> (hjb: Double, fp: Double) {
        linearTolerance = accuracy
        solveFokkerPlanck(into: m + count)
        solveLinearHJBAndUpdatePolicy(relaxation: relaxation)
        hasValue = true
        return residuals()
    }

    func resetValue() {
        hasValue = false
        u.update(repeating: 0, count: (nt + 1) * count)
    }

    func updatePolicy() {
        for n in 0..<nt { updatePolicy(step: n) }
    }

    func residuals() -> (hjb: Double, fp: Double) {
        for n in 0..<nt { evaluateCouplings(step: n) }
        return rawResiduals()
    }

    func equilibrium(
        method: SolverMethod, converged: Bool, history: [IterationReport], phases: [SolverPhase], seconds: Double
    ) -> Equilibrium {
        let (ax, ay) = controls()
        let size = (nt + 1) * count
        return Equilibrium(
            x: x, y: y, t: (0...nt).map { Double($0) * dt }, m: Array(UnsafeBufferPointer(start: m, count: size)),
            u: Array(UnsafeBufferPointer(start: u, count: size)), control: [ax, ay], active: active, lambda: nil,
            outflow: problem.hasExit ? outflow : nil, method: method, converged: converged, history: history,
            phases: phases, seconds: seconds)
    }

    /// The linearisation storage, made on first use.
    func linearised() -> Linearisation2D {
        if let l = linearisation { return l }
        let l = Linearisation2D(count: count, nt: nt, congestion: !problem.hamiltonian.isSeparable)
        linearisation = l
        return l
    }
}

/// What the derivative of the 2D best response needs, stored at the last best response.
final class Linearisation2D {
    /// Phi(m), levels 1 ... Nt.
    let response: UnsafeMutablePointer<Double>
    /// `dF/dm` at level n + 1 (row n); congestion: `dg/dm` at the policy and `w'/w`.
    let fm: UnsafeMutablePointer<Double>
    let hm, logWeight: UnsafeMutablePointer<Double>?
    /// `du`, `dm` of a product (levels 0 ... Nt).
    let du, dm: UnsafeMutablePointer<Double>
    /// Work rows: the policy's derivative per component, a source.
    let dbx, dcx, dby, dcy, source: UnsafeMutablePointer<Double>
    private let workspace: Workspace

    init(count: Int, nt: Int, congestion: Bool) {
        let workspace = Workspace()
        let make = workspace.make
        response = make(nt * count)
        fm = make(nt * count)
        hm = congestion ? make(nt * count) : nil
        logWeight = congestion ? make(nt * count) : nil
        du = make((nt + 1) * count)
        dm = make((nt + 1) * count)
        dbx = make(count); dcx = make(count); dby = make(count); dcy = make(count); source = make(count)
        self.workspace = workspace
    }

}
