import Foundation

/// The discrete ergodic 2D system (`-nu Lap u + H + lambda = F`, `-nu Lap m - div(m H_p) = 0`,
/// `sum hx hy m = 1`, mean of u zero), on the operators of the time-dependent 2D scheme without the
/// time derivative, `A0` (a `DiscreteMFG2D` with one time level whose `1/dt` is replaced by a shift
/// `e`, a fraction of the diffusion gap). The singular solves are done by shifted iterations:
/// - the stationary density of a policy spans the kernel of `A0^T`: inverse iteration
///   `(A0^T + e I) m <- e m`, normalised (an M-matrix: positivity is kept);
/// - `A0 u + lambda = r` with `lambda = sum hx hy mu r` (mu the stationary density of the policy,
///   the left null vector of A0), then the proximal iteration `(A0 + e I) u <- r - lambda + e u`,
///   shifted to mean zero; the linearised FP alike, projected to zero mass.
final class ErgodicMFG2D {
    let s: DiscreteMFG2D
    let n: Int
    let shift: Double
    let area: Double
    /// Level 0 of `s.u` and level 1 of `s.m` (level 0 of m mirrors it).
    var u: UnsafeMutablePointer<Double> { s.u }
    var m: UnsafeMutablePointer<Double> { s.m + n }
    let previous, source, saved: UnsafeMutablePointer<Double>
    /// True once the best response's density holds a stationary density (the inverse iteration's start).
    var hasResponse = false

    init(problem: MFGProblem2D, nx: Int, ny: Int) throws {
        guard problem.viscosity > 0 else {
            throw MFGError.invalidParameter(field: "viscosity", value: "\(problem.viscosity)",
                                            fix: "an ergodic problem needs nu > 0 (the stationary density is then unique)")
        }
        guard !problem.hasExit else {
            throw MFGError.invalidParameter(field: "exits", value: "in an ergodic problem",
                                            fix: "mass leaving through exits has no stationary state; remove the exits")
        }
        var p = problem
        p.horizon = 1
        s = try DiscreteMFG2D(problem: p, nx: nx, ny: ny, nt: 1)
        n = s.count
        let length = max(problem.upperX - problem.lowerX, problem.upperY - problem.lowerY)
        shift = 0.05 * 4 * Double.pi * Double.pi * problem.viscosity / (length * length)
        s.stationaryShift = shift
        area = s.cellArea
        previous = .allocate(capacity: n)
        source = .allocate(capacity: n)
        saved = .allocate(capacity: n)
        for p in [previous, source, saved] { p.initialize(repeating: 0, count: n) }
    }

    deinit { for p in [previous, source, saved] { p.deallocate() } }

    /// The stationary density of the current policy into `out` (which holds the starting guess),
    /// by inverse iteration.
    func stationaryDensity(into out: UnsafeMutablePointer<Double>) {
        s.assemble(step: 0)
        s.system.factor(0)
        for _ in 0..<100 {
            for q in 0..<n { s.rhs[q] = s.active[q] ? shift * out[q] : 0 }
            s.system.solve(0, transposed: true, s.rhs, s.work, tolerance: s.linearTolerance)
            var total = 0.0
            for q in 0..<n where s.active[q] { s.work[q] = max(s.work[q], 0); total += s.work[q] }
            var change = 0.0, top = 0.0
            for q in 0..<n {
                let v = s.active[q] ? s.work[q] / (total * area) : 0
                change = max(change, abs(v - out[q]))
                out[q] = v
                top = max(top, v)
            }
            if change <= 1e-14 * top { break }
        }
    }

    /// Solves `A0 x + c = r`, `mean(x) = 0` (`c = sum hx hy mu r` with `mu` the stationary density
    /// of the current policy, the left null vector of A0) by the proximal iteration, from the x
    /// given; returns c. With `transposed`, `A0^T x = r` with `sum hx hy x = 0` instead (r of zero mass).
    func solveSingular(_ r: UnsafePointer<Double>, _ x: UnsafeMutablePointer<Double>, stationary mu: UnsafePointer<Double>,
                       transposed: Bool, tolerance: Double) -> Double {
        var c = 0.0
        if !transposed { for q in 0..<n where s.active[q] { c += mu[q] * r[q] }; c *= area }
        s.assemble(step: 0)
        s.system.factor(0)
        var cells = 0.0
        for q in 0..<n where s.active[q] { cells += 1 }
        for _ in 0..<100 {
            previous.update(from: x, count: n)
            for q in 0..<n { s.work[q] = s.active[q] ? r[q] - c + shift * x[q] : 0 }
            s.system.solve(0, transposed: transposed, s.work, x, tolerance: tolerance)
            // Remove the kernel component: constants (HJB) or the stationary density (FP).
            if transposed {
                var mass = 0.0
                for q in 0..<n where s.active[q] { mass += x[q] }
                mass *= area
                for q in 0..<n where s.active[q] { x[q] -= mass * mu[q] }
            } else {
                var mean = 0.0
                for q in 0..<n where s.active[q] { mean += x[q] }
                mean /= cells
                for q in 0..<n where s.active[q] { x[q] -= mean }
            }
            var change = 0.0, size = 0.0
            for q in 0..<n where s.active[q] { change = max(change, abs(x[q] - previous[q])); size = max(size, abs(x[q])) }
            if !change.isFinite || change <= max(1e-13, tolerance) * (1 + size) { break }
        }
        return c
    }

    /// `r = g*(policy) + F` at the current policy and couplings, into `source`.
    func policySource() {
        s.linearisedRightHandSide(step: 0)
        source.update(from: s.rhs, count: n)
    }

    /// Both levels equal, so that the time-dependent residuals are those of the stationary equations.
    func mirrorLevels() {
        (s.u + n).update(from: s.u, count: n)
        s.m.update(from: m, count: n)
    }
}

extension ErgodicMFG2D: CoupledSystem {
    var unknowns: Int { n }
    var density: UnsafeMutablePointer<Double> { m }
    var densityLevels: Int { 1 }
    var normWeight: Double { area.squareRoot() }
    var valueUnknowns: Int { n }
    var value: UnsafeMutablePointer<Double> { s.u }
    var unconvergedSteps: Int { s.unconvergedSteps }
    var response: UnsafeMutablePointer<Double> { s.linearised().response }

    /// One sweep of the old ErgodicSolver2D: the stationary density of the policy, lambda from it,
    /// u by the proximal iteration, the policy update.
    func policyIterationSweep(relaxation: Double, accuracy: Double) throws -> (hjb: Double, fp: Double) {
        s.linearTolerance = accuracy
        stationaryDensity(into: m)
        s.evaluateCouplings(step: 0)
        policySource()
        s.lambda = solveSingular(source, s.u, stationary: m, transposed: false, tolerance: accuracy)
        mirrorLevels()
        s.updatePolicy(step: 0, relaxation: relaxation)
        s.hasValue = true
        return s.rawResiduals()
    }

    func resetValue() {
        s.hasValue = false
        hasResponse = false
        s.u.update(repeating: 0, count: 2 * n)
        s.lambda = 0
    }

    func updatePolicy() { s.updatePolicy(step: 0) }

    func followControl(_ control: [[Double]]) throws {
        s.setPolicy(control, steps: 1)
        stationaryDensity(into: m)
        mirrorLevels()
    }

    /// Howard's iteration on the ergodic HJB at frozen m: the stationary density of each policy gives
    /// lambda; the last one is `Phi(m)`.
    func bestResponse(accuracy: Double) throws {
        let l = s.linearised()
        s.linearTolerance = accuracy
        s.evaluateCouplings(step: 0)
        if !hasResponse { l.response.update(from: m, count: n); hasResponse = true }
        var converged = false
        for _ in 0..<100 {
            s.updatePolicy(step: 0)
            stationaryDensity(into: l.response)
            policySource()
            saved.update(from: s.u, count: n)
            s.lambda = solveSingular(source, s.u, stationary: l.response, transposed: false, tolerance: accuracy)
            var change = 0.0, size = 0.0
            for q in 0..<n where s.active[q] { change = max(change, abs(s.u[q] - saved[q])); size = max(size, abs(s.u[q])) }
            guard change.isFinite else {
                throw MFGError.nonFinite(iteration: 0, quantity: "u", advice: "the ergodic HJB diverged", history: [])
            }
            if change <= max(1e-12, 10 * accuracy) * (1 + size) { converged = true; break }
        }
        s.unconvergedSteps = converged ? 0 : 1
        s.hasValue = true
        s.updatePolicy(step: 0)
        stationaryDensity(into: l.response)
        mirrorLevels()
        let ham = s.problem.hamiltonian
        s.couplingDensityDerivative(t: 1, level: m, into: l.fm)
        if let hm = l.hm, let lw = l.logWeight {
            for p in 0..<n {
                let b1 = s.bx[p], c1 = s.cx[p], b2 = s.by[p], c2 = s.cy[p]
                hm[p] = ham.densityDerivative(policySquared: b1 * b1 + c1 * c1 + b2 * b2 + c2 * c2, density: m[p], weight: s.weight[p])
                lw[p] = ham.logWeightDerivative(m[p])
            }
        }
    }

    /// `dPhi v`: `A0 du + dlambda = (dF - dg/dm) v + K * v`, then `A0^T dm = T(Phi, d policy)` with
    /// zero mass.
    func responseDerivative(_ v: UnsafePointer<Double>, into out: UnsafeMutablePointer<Double>, accuracy: Double) {
        let l = s.linearised()
        if let nonlocal = s.nonlocal { nonlocal.apply(v, into: l.source) } else { l.source.update(repeating: 0, count: n) }
        for p in 0..<n {
            var value = l.source[p] + l.fm[p] * v[p]
            if let hm = l.hm { value -= hm[p] * v[p] }
            source[p] = s.active[p] ? value : 0
        }
        l.du.update(repeating: 0, count: n)
        _ = solveSingular(source, l.du, stationary: l.response, transposed: false, tolerance: accuracy)
        s.policyDerivative(step: 0, du: l.du, v: v)
        s.transport(l.response, bx: l.dbx, cx: l.dcx, by: l.dby, cy: l.dcy, into: source)
        out.update(repeating: 0, count: n)
        _ = solveSingular(source, out, stationary: l.response, transposed: true, tolerance: accuracy)
    }

    func residuals() -> (hjb: Double, fp: Double) {
        s.evaluateCouplings(step: 0)
        return s.rawResiduals()
    }

    func massDiagnostics() -> (mass: Double, drift: Double, minimum: Double) {
        var minimum = Double.infinity, mass = 0.0
        for q in 0..<n where s.active[q] { minimum = min(minimum, m[q]); mass += m[q] }
        mass *= area
        return (mass, abs(mass - 1), minimum)
    }

    func equilibrium(
        method: SolverMethod, converged: Bool, history: [IterationReport], phases: [SolverPhase], seconds: Double
    ) -> Equilibrium {
        let (ax, ay) = s.controls()
        return Equilibrium(
            x: s.x, y: s.y, t: nil, m: Array(UnsafeBufferPointer(start: m, count: n)),
            u: Array(UnsafeBufferPointer(start: s.u, count: n)), control: [Array(ax[0..<n]), Array(ay[0..<n])],
            active: s.active, lambda: s.lambda, outflow: nil, method: method, converged: converged, history: history,
            phases: phases, seconds: seconds)
    }
}
