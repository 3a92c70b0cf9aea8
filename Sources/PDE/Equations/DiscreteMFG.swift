import Foundation

/// The discrete MFG system of a 1D time-dependent problem on a given grid, with the storage the
/// solvers share.
///
/// Unknowns: `u^n` for `n = 0 ... Nt-1` and `m^n` for `n = 1 ... Nt`; `u^Nt = G(m^Nt)` and `m^0 = m0`.
/// For `n = 0 ... Nt-1` (HJB step `n` reads `m^{n+1}`, FP step `n -> n+1` reads `u^n`):
///
///     (u^n - u^{n+1})/dt - nu Lap u^n + g(D+u^n, D-u^n, m^{n+1}) = F(x, m^{n+1}, mean^{n+1}) + V(x)
///     (m^{n+1} - m^n)/dt - nu Lap m^{n+1} - T(u^n, m^{n+1}) = 0
///
/// where `g` is the Hamiltonian's monotone numerical Hamiltonian and `T` the adjoint (transpose) of
/// the linearised upwind Hamiltonian. Arrays are stored row-major by time: entry `(n, i)` of `u`,
/// `m` is at `n * nx + i`, `n = 0 ... Nt`.
public final class DiscreteMFG {
    public let problem: MFGProblem
    public let grid: Grid1D
    public let time: TimeGrid
    public let nx: Int
    public let nt: Int
    let op: UpwindOperator
    let solver: TridiagonalSolver

    /// Grid points.
    public let x: [Double]
    let xs: UnsafeMutablePointer<Double>
    /// `V(x_i)` (zero when there is no potential).
    let potential: UnsafeMutablePointer<Double>
    /// `F(x_i, .) + V(x_i)` when F does not depend on `m`, the mean or `t` (evaluated once).
    let staticCoupling: UnsafeMutablePointer<Double>?
    /// `K * m` when the problem has a nonlocal kernel.
    let nonlocal: NonlocalCoupling?

    /// u and m, `(nt + 1) * nx` each.
    public let u: UnsafeMutablePointer<Double>
    public let m: UnsafeMutablePointer<Double>
    /// Policy `(b, c)` of FP step `n`, `nt * nx` each.
    let b: UnsafeMutablePointer<Double>
    let c: UnsafeMutablePointer<Double>
    /// Congestion weight `w(m^{n+1})` (nil when H does not depend on m) and running cost `F + V`
    /// at level `n + 1`, `nt * nx` each.
    let weight: UnsafeMutablePointer<Double>?
    let cost: UnsafeMutablePointer<Double>
    /// Work rows of length nx.
    let sub, diag, sup, subT, supT, rhs, row, optimalB, optimalC: UnsafeMutablePointer<Double>
    /// The best response's FP density and its linearisation (allocated on the first best response).
    private var linearisation: Linearisation?
    /// True once `u` holds a solution of the HJB equations (a warm start for the next one).
    var hasValue = false
    /// Time steps whose Howard iteration stopped at its limit in the last best response.
    public private(set) var unconvergedSteps = 0

    var totalCount: Int { (nt + 1) * nx }

    public init(problem: MFGProblem, nx: Int, nt: Int) throws {
        try problem.validate()
        let grid = try Grid1D(lower: problem.lower, upper: problem.upper, count: nx, boundary: problem.boundary)
        let time = try TimeGrid(horizon: problem.horizon, steps: nt)
        let (cells, overflow) = (nt + 1).multipliedReportingOverflow(by: nx)
        // About 12 arrays of (nt + 1) nx doubles with the Newton linearisation: 2e7 cells take 2 GB.
        guard !overflow, cells <= 20_000_000 else {
            throw MFGError.invalidParameter(
                field: "nx * nt", value: "\(nx) * \(nt)",
                fix: "the space-time grid is too large for memory; use nx * nt <= 2e7")
        }
        var problem = problem
        problem.hamiltonian = problem.hamiltonian.discretised(spacing: grid.spacing)
        self.problem = problem
        self.grid = grid
        self.time = time
        self.nx = nx
        self.nt = nt
        op = UpwindOperator(count: nx, h: grid.spacing, dt: time.step, nu: problem.viscosity,
                            periodic: problem.boundary == .periodic, hamiltonian: problem.hamiltonian,
                            leftExit: problem.leftExit, rightExit: problem.rightExit)
        solver = TridiagonalSolver(count: nx)
        x = grid.points
        xs = .allocate(capacity: nx)
        xs.initialize(from: x, count: nx)
        potential = .allocate(capacity: nx)
        for i in 0..<nx { potential[i] = problem.potential?(x[i]) ?? 0 }
        let g = grid
        nonlocal = try problem.nonlocalKernel.map { try NonlocalCoupling(kernel: $0, grid: g) }
        let f = problem.coupling
        if !f.usesDensity && !f.usesMean && !f.usesTime {
            let s = UnsafeMutablePointer<Double>.allocate(capacity: nx)
            for i in 0..<nx { s[i] = f.value(0, x[i], 0, 0) + potential[i] }
            staticCoupling = s
        } else {
            staticCoupling = nil
        }
        u = .allocate(capacity: cells)
        m = .allocate(capacity: cells)
        u.initialize(repeating: 0, count: cells)
        m.initialize(repeating: 0, count: cells)
        b = .allocate(capacity: nt * nx)
        c = .allocate(capacity: nt * nx)
        b.initialize(repeating: 0, count: nt * nx)
        c.initialize(repeating: 0, count: nt * nx)
        if problem.hamiltonian.isSeparable {
            weight = nil
        } else {
            weight = .allocate(capacity: nt * nx)
            weight!.initialize(repeating: 1, count: nt * nx)
        }
        cost = .allocate(capacity: nt * nx)
        cost.initialize(repeating: 0, count: nt * nx)
        func workRow() -> UnsafeMutablePointer<Double> {
            let p = UnsafeMutablePointer<Double>.allocate(capacity: nx)
            p.initialize(repeating: 0, count: nx)
            return p
        }
        sub = workRow(); diag = workRow(); sup = workRow(); subT = workRow(); supT = workRow()
        rhs = workRow(); row = workRow(); optimalB = workRow(); optimalC = workRow()
        try setInitialDensity()
    }

    deinit {
        for p in [xs, potential, u, m, b, c, cost, sub, diag, sup, subT, supT, rhs, row, optimalB, optimalC] { p.deallocate() }
        weight?.deallocate()
        staticCoupling?.deallocate()
    }

    public var h: Double { grid.spacing }
    public var dt: Double { time.step }

    /// Samples m0 and normalises it so that `sum_i h m0_i = 1`; all time levels start at m0.
    private func setInitialDensity() throws {
        var total = 0.0
        for i in 0..<nx {
            let v = problem.initialDensity(x[i])
            guard v.isFinite else {
                throw MFGError.nonNormalisableDensity(reason: "m0(\(x[i])) = \(v) is not finite")
            }
            guard v >= 0 else {
                throw MFGError.nonNormalisableDensity(reason: "m0(\(x[i])) = \(v) is negative")
            }
            m[i] = v
            total += v
        }
        let mass = total * h
        guard mass > 0, mass.isFinite else {
            throw MFGError.nonNormalisableDensity(
                reason: mass > 0 ? "its integral overflows" : "it is zero at every grid point")
        }
        for i in 0..<nx { m[i] /= mass }
        for n in 1...nt { (m + n * nx).update(from: m, count: nx) }
    }

    // MARK: - Couplings

    /// `mean = sum_i h x_i v_i`.
    @inline(__always)
    func mean(_ v: UnsafePointer<Double>) -> Double {
        var s = 0.0
        for i in 0..<nx { s += xs[i] * v[i] }
        return s * h
    }

    /// Fills `cost` (F + V) and `weight` for every level `n + 1` from the current `m`.
    func evaluateCouplings() {
        for n in 0..<nt { evaluateCouplings(step: n) }
    }

    /// Row `n` of `cost` and `weight`, from `m^{n+1}`.
    @inline(__always)
    func evaluateCouplings(step n: Int) {
        let f = problem.coupling
        let level = m + (n + 1) * nx
        let out = cost + n * nx
        if let s = staticCoupling {
            out.update(from: s, count: nx)
        } else {
            let mu = f.usesMean ? mean(level) : 0
            f.evaluate(t: Double(n + 1) * dt, x: xs, m: level, mean: mu, into: out, count: nx)
            for i in 0..<nx { out[i] += potential[i] }
        }
        if let nonlocal {
            nonlocal.apply(level, into: row)
            for i in 0..<nx { out[i] += row[i] }
        }
        if let w = weight {
            let wo = w + n * nx
            let ham = problem.hamiltonian
            for i in 0..<nx { wo[i] = ham.weight(level[i]) }
        }
    }

    /// `u^Nt = G(x, m^Nt, mean^Nt)`.
    func applyTerminalCondition() {
        let g = problem.terminalCost
        let level = m + nt * nx
        let mu = g.usesMean ? mean(level) : 0
        let out = u + nt * nx
        g.evaluate(t: time.horizon, x: xs, m: level, mean: mu, into: out, count: nx)
    }

    // MARK: - Sweeps

    /// Forward sweep with the stored policy from `m0`: `A(b^n, c^n)^T m^{n+1} = m^n / dt`, the
    /// levels `1 ... Nt` written to `levels` (`levels + n nx` is level `n + 1`; `m + nx` itself is allowed).
    func solveFokkerPlanck(into levels: UnsafeMutablePointer<Double>) {
        let invDt = 1 / dt
        for n in 0..<nt {
            op.assembleTransposed(b: b + n * nx, c: c + n * nx, sub: subT, diag: diag, sup: supT)
            let previous = n == 0 ? UnsafePointer(m) : UnsafePointer(levels + (n - 1) * nx)
            for i in 0..<nx { rhs[i] = previous[i] * invDt }
            solver.solve(sub: subT, diag: diag, sup: supT, rhs: rhs, x: levels + n * nx, periodic: op.periodic)
        }
    }

    /// The right-hand side of HJB step `n` linearised at the policy `(b, c)` (Howard):
    /// `rhs = u^{n+1}/dt + g*(b, c) + F + V`, plus the exit terms.
    @inline(__always)
    func linearisedRightHandSide(step n: Int, b bn: UnsafePointer<Double>, c cn: UnsafePointer<Double>) {
        let invDt = 1 / dt
        let next = u + (n + 1) * nx, fn = cost + n * nx
        problem.hamiltonian.policyCosts(b: bn, c: cn, weight: weight.map { $0 + n * nx }, into: rhs, count: nx)
        for i in 0..<nx { rhs[i] += next[i] * invDt + fn[i] }
        op.addExitTerms(b: bn, c: cn, rhs: rhs)
    }

    /// Backward sweep of the nonlinear HJB at frozen `m` (the couplings must be current): each step
    /// solved by Howard's policy iteration (Newton's method on the convex upwind Hamiltonian,
    /// monotone), from the previous solution when there is one. Leaves the optimal policy in
    /// `(b, c)` and the factors of the last step matrix of each step in `factors`; counts the steps
    /// that did not converge in 100 iterations. An iteration stops when `u` no longer changes
    /// (1e-14 relative), or once it is in the quadratic regime with a change below 1e-9 (the next
    /// change would be below round-off).
    func solveNonlinearHJB(factors: TridiagonalFactors, terminal: UnsafePointer<Double>? = nil) throws {
        if let terminal { (u + nt * nx).update(from: terminal, count: nx) } else { applyTerminalCondition() }
        var failures = 0
        var n = nt - 1
        while n >= 0 {
            let un = u + n * nx, next = u + (n + 1) * nx
            let bn = b + n * nx, cn = c + n * nx
            let wn = weight.map { $0 + n * nx }
            if !hasValue { un.update(from: next, count: nx) }
            var converged = false, previous = Double.infinity
            for _ in 0..<100 {
                op.policy(u: un, weight: wn, b: bn, c: cn)
                op.assemble(b: bn, c: cn, sub: sub, diag: diag, sup: sup)
                linearisedRightHandSide(step: n, b: bn, c: cn)
                factors.factor(n, sub: sub, diag: diag, sup: sup)
                factors.solve(n, rhs: rhs, x: row)
                var change = 0.0, size = 0.0
                for i in 0..<nx {
                    change = max(change, abs(row[i] - un[i]))
                    size = max(size, abs(row[i]))
                }
                un.update(from: row, count: nx)
                guard change.isFinite else {
                    throw MFGError.nonFinite(
                        iteration: 0, quantity: "u at time step \(n)",
                        advice: "the HJB step diverged; increase nt or check the costs F and G", history: [])
                }
                if change <= 1e-14 * (1 + size) || (change <= 1e-9 * (1 + size) && change <= 1e-3 * previous) {
                    converged = true
                    break
                }
                previous = change
            }
            if !converged { failures += 1 }
            op.policy(u: un, weight: wn, b: bn, c: cn)
            n -= 1
        }
        unconvergedSteps = failures
        hasValue = true
    }

    // MARK: - Residuals

    /// Discrete HJB and FP residuals `sqrt(h dt) |r|_2` of the current `(u, m)`, the equations
    /// exactly as in the type's documentation (the transport term in flux form).
    public func residuals() -> (hjb: Double, fp: Double) {
        evaluateCouplings()
        applyTerminalCondition()
        var hjb = 0.0, fp = 0.0
        for n in 0..<nt {
            // The optimal policy of (u^n, m^{n+1}) into the work rows.
            op.policy(u: u + n * nx, weight: weight.map { $0 + n * nx }, b: optimalB, c: optimalC)
            let r = squaredResiduals(step: n, b: optimalB, c: optimalC)
            hjb += r.hjb
            fp += r.fp
        }
        let scale = (h * dt).squareRoot()
        return (scale * hjb.squareRoot(), scale * fp.squareRoot())
    }

    /// Sums of squared HJB and FP residuals of step `n`, given the optimal policy `(b, c)` of
    /// `(u^n, m^{n+1})` and current couplings of row `n`. Uses the work rows diag, rhs, row.
    @inline(__always)
    func squaredResiduals(step n: Int, b: UnsafePointer<Double>, c: UnsafePointer<Double>) -> (hjb: Double, fp: Double) {
        let invDt = 1 / dt
        let un = u + n * nx, next = u + (n + 1) * nx
        let mn = m + n * nx, mnext = m + (n + 1) * nx
        let fn = cost + n * nx
        var hjb = 0.0, fp = 0.0
        op.diffusion(un, into: diag, density: false)
        problem.hamiltonian.numericalValues(b: b, c: c, weight: weight.map { $0 + n * nx }, into: rhs, count: nx)
        for i in 0..<nx {
            let r = (un[i] - next[i]) * invDt - diag[i] + rhs[i] - fn[i]
            hjb += r * r
        }
        op.transport(mnext, b: b, c: c, into: row)
        op.diffusion(mnext, into: diag, density: true)
        for i in 0..<nx {
            let res = (mnext[i] - mn[i]) * invDt - diag[i] - row[i]
            fp += res * res
        }
        return (hjb, fp)
    }

    /// One backward sweep of policy iteration, fused so each time row is touched while in cache:
    /// couplings of `m^{n+1}`, the HJB step linearised at the current policy, the policy update
    /// from the new `u^n` (averaged with weight `relaxation` below 1), and the residuals of step `n`
    /// (with the optimal policy). Call after `solveFokkerPlanck`.
    func policyIterationBackwardSweep(relaxation: Double) -> (hjb: Double, fp: Double) {
        applyTerminalCondition()
        var hjb = 0.0, fp = 0.0
        var n = nt - 1
        while n >= 0 {
            evaluateCouplings(step: n)
            let bn = b + n * nx, cn = c + n * nx
            let wn = weight.map { $0 + n * nx }
            op.assemble(b: bn, c: cn, sub: sub, diag: diag, sup: sup)
            linearisedRightHandSide(step: n, b: bn, c: cn)
            solver.solve(sub: sub, diag: diag, sup: sup, rhs: rhs, x: u + n * nx, periodic: op.periodic)
            let r: (hjb: Double, fp: Double)
            if relaxation >= 1 {
                op.policy(u: u + n * nx, weight: wn, b: bn, c: cn)
                r = squaredResiduals(step: n, b: bn, c: cn)
            } else {
                op.policy(u: u + n * nx, weight: wn, b: optimalB, c: optimalC)
                r = squaredResiduals(step: n, b: optimalB, c: optimalC)
                for i in 0..<nx {
                    bn[i] += relaxation * (optimalB[i] - bn[i])
                    cn[i] += relaxation * (optimalC[i] - cn[i])
                }
            }
            hjb += r.hjb
            fp += r.fp
            n -= 1
        }
        hasValue = true
        let scale = (h * dt).squareRoot()
        return (scale * hjb.squareRoot(), scale * fp.squareRoot())
    }

    /// Mass `sum_i h m^n_i` of the final level, the largest relative drift over all levels, and
    /// the smallest computed density value (levels 1 ... Nt; m0 is data).
    public func massDiagnostics() -> (mass: Double, drift: Double, minimum: Double) {
        var reference = 0.0
        for i in 0..<nx { reference += m[i] }
        reference *= h
        var drift = 0.0, minimum = Double.infinity, last = reference
        for n in 0...nt {
            var s = 0.0
            let level = m + n * nx
            for i in 0..<nx { s += level[i] }
            if n > 0 { for i in 0..<nx { minimum = min(minimum, level[i]) } }
            let previous = last
            last = s * h
            if problem.hasExit {
                // Mass may only leave: report the largest increase from one level to the next.
                drift = max(drift, (last - previous) / reference)
            } else {
                drift = max(drift, abs(last - reference) / reference)
            }
        }
        return (last, drift, minimum)
    }

    // MARK: - Results

    /// The feedback control `a^n_i = -(b + c)` of `(u^n, m^{n+1})` (at `n = Nt`: of `(u^Nt, m^Nt)`).
    public func control() -> [Double] {
        var a = [Double](repeating: 0, count: totalCount)
        a.withUnsafeMutableBufferPointer { out in
            for n in 0...nt {
                let level = m + min(n + 1, nt) * nx
                for i in 0..<nx { row[i] = problem.hamiltonian.weight(level[i]) }
                op.policy(u: u + n * nx, weight: row, b: sub, c: sup)
                for i in 0..<nx { out[n * nx + i] = -(sub[i] + sup[i]) }
            }
        }
        return a
    }

    public func copyU() -> [Double] { Array(UnsafeBufferPointer(start: u, count: totalCount)) }
    public func copyM() -> [Double] { Array(UnsafeBufferPointer(start: m, count: totalCount)) }

    /// The mass that left through the exits in each step (nil without exits).
    func outflow() -> [Double]? {
        guard problem.hasExit else { return nil }
        var out = [Double](repeating: 0, count: nt)
        var previous = 0.0
        for i in 0..<nx { previous += m[i] }
        for n in 0..<nt {
            var s = 0.0
            for i in 0..<nx { s += m[(n + 1) * nx + i] }
            out[n] = (previous - s) * h
            previous = s
        }
        return out
    }

    /// The linearisation storage, made on first use.
    func linearised() -> Linearisation {
        if let l = linearisation { return l }
        let l = Linearisation(nx: nx, nt: nt, periodic: op.periodic,
                              mean: problem.coupling.usesMean || problem.terminalCost.usesMean,
                              congestion: !problem.hamiltonian.isSeparable, crossTerms: !problem.hamiltonian.isQuadraticInP)
        linearisation = l
        return l
    }
}

/// What the derivative of the best response needs, stored at the last best response: the FP
/// density `Phi(m)`, the coupling derivatives at every level, the factored step matrices `A^n` and
/// `(A^n)^T` of the best response's policy, its policy Jacobian, and the work levels.
final class Linearisation {
    /// Phi(m), levels 1 ... Nt.
    let response: UnsafeMutablePointer<Double>
    /// `dF/dm` and `dF/dmean` at level `n + 1` (row n); `dG/dm`, `dG/dmean` at level Nt.
    let fm: UnsafeMutablePointer<Double>
    let fmean: UnsafeMutablePointer<Double>?
    let gm, gmean: UnsafeMutablePointer<Double>
    /// Congestion: `dg/dm` at the policy and `w'/w`, row n.
    let hm, logWeight: UnsafeMutablePointer<Double>?
    /// The policy Jacobian of step n (row n): `db = jbb D+du + jbc D-du`, `dc = jcb D+du + jcc D-du`
    /// (cross terms for gamma < 2 only).
    let jbb, jcc: UnsafeMutablePointer<Double>
    let jbc, jcb: UnsafeMutablePointer<Double>?
    /// `A(b^n, c^n)` and its transpose, factored, one per step.
    let hjb, fokkerPlanck: TridiagonalFactors
    /// `du` (levels 0 ... Nt) and `dm` (levels 0 ... Nt, level 0 = 0) of a product.
    let du, dm: UnsafeMutablePointer<Double>
    /// Work rows: policy derivatives, sources.
    let db, dc, source: UnsafeMutablePointer<Double>
    private let workspace: Workspace

    init(nx: Int, nt: Int, periodic: Bool, mean: Bool, congestion: Bool, crossTerms: Bool) {
        let workspace = Workspace()
        let make = workspace.make
        response = make(nt * nx)
        fm = make(nt * nx)
        fmean = mean ? make(nt * nx) : nil
        gm = make(nx); gmean = make(nx)
        hm = congestion ? make(nt * nx) : nil
        logWeight = congestion ? make(nt * nx) : nil
        jbb = make(nt * nx); jcc = make(nt * nx)
        jbc = crossTerms ? make(nt * nx) : nil
        jcb = crossTerms ? make(nt * nx) : nil
        hjb = TridiagonalFactors(count: nx, matrices: nt, periodic: periodic)
        fokkerPlanck = TridiagonalFactors(count: nx, matrices: nt, periodic: periodic)
        du = make((nt + 1) * nx)
        dm = make((nt + 1) * nx)
        db = make(nx); dc = make(nx); source = make(nx)
        self.workspace = workspace
    }

}
