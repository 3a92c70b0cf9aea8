import Foundation

/// The discrete ergodic (stationary) MFG system of a 1D problem on a grid:
///
///     -nu Lap u + g(D+u, D-u, m) + lambda = F(x, m, mean) + V(x),   sum_i h u_i = 0
///     -nu Lap m - T(u, m) = 0,                                      sum_i h m_i = 1
///
/// with the operators of the time-dependent scheme without the `1/dt` terms: if
/// `A0 = -nu Lap + b D+ + c D-`, the FP operator is `A0^T`. `A0` has the constants in its kernel
/// and `A0^T` the stationary density, so each linear solve is bordered by its normalisation:
/// `M = [A0, 1; h 1^T, 0]` for `(u, lambda)`, and `M^T` for the density derivatives.
public final class ErgodicMFG {
    public let problem: MFGProblem
    public let grid: Grid1D
    public let nx: Int
    let op: UpwindOperator
    public let x: [Double]
    let xs: UnsafeMutablePointer<Double>
    let potential: UnsafeMutablePointer<Double>
    public let u: UnsafeMutablePointer<Double>
    public let m: UnsafeMutablePointer<Double>
    public var lambda = 0.0
    /// 1 when the Howard iteration of the last best response stopped at its limit.
    public private(set) var unconvergedSteps = 0
    let b, c, cost, weight: UnsafeMutablePointer<Double>
    let sub, diag, sup, work, optimalB, optimalC: UnsafeMutablePointer<Double>
    let vector: UnsafeMutablePointer<Double>
    let stationary: StationaryDistribution
    /// The bordered matrix `M` of the current policy (factored after each HJB solve).
    let matrix: DenseMatrix
    let nonlocal: NonlocalCoupling?
    /// The best response's density and the coupling derivatives at the current density.
    let image, fm, fmean, hm, logWeight, du, db, dc, jbb, jcc, jbc, jcb: UnsafeMutablePointer<Double>

    public init(problem: MFGProblem, nx: Int) throws {
        try problem.validate()
        guard problem.isErgodic else {
            throw MFGError.invalidParameter(field: "problem", value: "time-dependent", fix: "solve it with a horizon and nt")
        }
        guard problem.viscosity > 0 else {
            throw MFGError.invalidParameter(
                field: "viscosity", value: "\(problem.viscosity)",
                fix: "an ergodic problem needs nu > 0 (the stationary density is then unique)")
        }
        guard !problem.hasExit else {
            throw MFGError.invalidParameter(field: "exits", value: "in an ergodic problem",
                                            fix: "mass leaving through exits has no stationary state; remove the exits")
        }
        guard nx <= 4000 else {
            throw MFGError.invalidParameter(field: "nx", value: "\(nx)",
                                            fix: "the 1D ergodic solver uses a dense bordered LU for the HJB step; use nx <= 4000")
        }
        grid = try Grid1D(lower: problem.lower, upper: problem.upper, count: nx, boundary: problem.boundary)
        var problem = problem
        problem.hamiltonian = problem.hamiltonian.discretised(spacing: grid.spacing)
        self.problem = problem
        self.nx = nx
        // dt = infinity removes the 1/dt terms from the operator.
        op = UpwindOperator(count: nx, h: grid.spacing, dt: .infinity, nu: problem.viscosity,
                            periodic: problem.boundary == .periodic, hamiltonian: problem.hamiltonian)
        x = grid.points
        func make() -> UnsafeMutablePointer<Double> {
            let p = UnsafeMutablePointer<Double>.allocate(capacity: nx)
            p.initialize(repeating: 0, count: nx)
            return p
        }
        xs = make(); xs.update(from: x, count: nx)
        potential = make()
        for i in 0..<nx { potential[i] = problem.potential?(x[i]) ?? 0 }
        u = make(); m = make(); b = make(); c = make(); cost = make(); weight = make()
        sub = make(); diag = make(); sup = make(); work = make(); optimalB = make(); optimalC = make()
        image = make(); fm = make(); fmean = make(); hm = make(); logWeight = make(); du = make(); db = make(); dc = make()
        jbb = make(); jcc = make(); jbc = make(); jcb = make()
        weight.update(repeating: 1, count: nx)
        stationary = StationaryDistribution(count: nx)
        matrix = DenseMatrix(order: nx + 1)
        let g = grid
        nonlocal = try problem.nonlocalKernel.map { try NonlocalCoupling(kernel: $0, grid: g) }
        vector = .allocate(capacity: nx + 1)
        // Initial guess for m: m0 if the problem gives one that is usable, else uniform.
        var total = 0.0
        for i in 0..<nx {
            let v = problem.initialDensity(x[i])
            m[i] = v.isFinite && v >= 0 ? v : 0
            total += m[i]
        }
        if !(total > 0 && total.isFinite) { for i in 0..<nx { m[i] = 1 }; total = Double(nx) }
        for i in 0..<nx { m[i] /= total * grid.spacing }
    }

    deinit {
        for p in [xs, potential, u, m, b, c, cost, weight, sub, diag, sup, work, optimalB, optimalC, vector,
                  image, fm, fmean, hm, logWeight, du, db, dc, jbb, jcc, jbc, jcb] { p.deallocate() }
    }

    public var h: Double { grid.spacing }

    /// `mean = sum_i h x_i v_i`.
    func mean(_ v: UnsafePointer<Double>) -> Double {
        var s = 0.0
        for i in 0..<nx { s += xs[i] * v[i] }
        return s * h
    }

    /// `cost = F + V (+ K * m)` and `weight = w(m)` at the current density.
    func evaluateCouplings() {
        let f = problem.coupling
        f.evaluate(t: 0, x: xs, m: m, mean: f.usesMean ? mean(m) : 0, into: cost, count: nx)
        for i in 0..<nx {
            cost[i] += potential[i]
            weight[i] = problem.hamiltonian.weight(m[i])
        }
        if let nonlocal {
            nonlocal.apply(m, into: work)
            for i in 0..<nx { cost[i] += work[i] }
        }
    }

    /// Policy update, relaxed: `(b, c) <- (1 - theta) (b, c) + theta dg/dq(u, m)`; `theta = 1` is
    /// plain policy iteration, `theta < 1` the smoothed variant (Tang-Song) for strong couplings.
    func updatePolicy(relaxation theta: Double) {
        if theta >= 1 { op.policy(u: u, weight: weight, b: b, c: c); return }
        op.policy(u: u, weight: weight, b: optimalB, c: optimalC)
        for i in 0..<nx {
            b[i] = (1 - theta) * b[i] + theta * optimalB[i]
            c[i] = (1 - theta) * c[i] + theta * optimalC[i]
        }
    }

    /// The stationary FP density of the current policy: `A0^T m = 0`, `sum h m = 1`. `-A0` is the
    /// generator of a Markov chain (rates `-sup[i]` to the right, `-sub[i]` to the left), and `m` its
    /// stationary distribution, computed without subtractions (`StationaryDistribution`).
    func stationaryDensity(into out: UnsafeMutablePointer<Double>) throws {
        op.assemble(b: b, c: c, sub: sub, diag: diag, sup: sup)
        for i in 0..<nx {
            diag[i] = -sup[i]   // rate to the right
            work[i] = -sub[i]   // rate to the left
        }
        guard stationary.solve(rightRate: diag, leftRate: work, periodic: op.periodic, weight: h, into: out) else {
            throw MFGError.linearSolveFailed(context: "the stationary Fokker-Planck chain is not irreducible (nu = 0?)")
        }
    }

    /// Assembles and factors the bordered matrix `M = [A0, 1; h 1^T, 0]` of the current policy.
    /// (Pinning one value of u and using the tridiagonal solver instead was measured to lose
    /// accuracy under strong drifts, where the pivots come from cancellation.)
    func factorBordered() throws {
        op.assemble(b: b, c: c, sub: sub, diag: diag, sup: sup)
        matrix.zero()
        let n = nx
        for i in 0..<n {
            matrix.add(i, i, diag[i])
            if op.periodic || i > 0 { matrix.add(i, i == 0 ? n - 1 : i - 1, sub[i]) }
            if op.periodic || i < n - 1 { matrix.add(i, i == n - 1 ? 0 : i + 1, sup[i]) }
            matrix.set(i, n, 1)
            matrix.set(n, i, h)
        }
        try matrix.factor()
    }

    /// HJB linearised at the current policy: `A0 u + lambda = F + V + g*(b, c)`, `sum h u = 0`.
    func solveLinearHJB() throws {
        try factorBordered()
        let ham = problem.hamiltonian
        for i in 0..<nx { vector[i] = cost[i] + ham.policyCost(policySquared: b[i] * b[i] + c[i] * c[i], weight: weight[i]) }
        vector[nx] = 0
        matrix.solveFactored(vector)
        u.update(from: vector, count: nx)
        lambda = vector[nx]
    }

    /// `sqrt(h) |r|_2` of the HJB and FP equations at the current `(u, m, lambda)`.
    public func residuals() -> (hjb: Double, fp: Double) {
        evaluateCouplings()
        op.policy(u: u, weight: weight, b: optimalB, c: optimalC)
        op.diffusion(u, into: diag, density: false)
        var hjb = 0.0, fp = 0.0
        let ham = problem.hamiltonian
        for i in 0..<nx {
            let g = ham.numerical(policySquared: optimalB[i] * optimalB[i] + optimalC[i] * optimalC[i], weight: weight[i])
            let r = -diag[i] + g + lambda - cost[i]
            hjb += r * r
        }
        op.transport(m, b: optimalB, c: optimalC, into: work)
        op.diffusion(m, into: diag, density: true)
        for i in 0..<nx {
            let r = -diag[i] - work[i]
            fp += r * r
        }
        return (h.squareRoot() * hjb.squareRoot(), h.squareRoot() * fp.squareRoot())
    }

    /// The feedback `alpha_i = -(b_i + c_i)` of the current `(u, m)`.
    public func control() -> [Double] {
        evaluateCouplings()
        op.policy(u: u, weight: weight, b: optimalB, c: optimalC)
        return (0..<nx).map { -(optimalB[$0] + optimalC[$0]) }
    }
}

/// The 1D ergodic system as the coupled solvers see it: the density unknowns are `m` itself.
extension ErgodicMFG: CoupledSystem {
    var unknowns: Int { nx }
    var density: UnsafeMutablePointer<Double> { m }
    var densityLevels: Int { 1 }
    var normWeight: Double { h.squareRoot() }
    var valueUnknowns: Int { nx }
    var value: UnsafeMutablePointer<Double> { u }
    var response: UnsafeMutablePointer<Double> { image }

    /// The ergodic HJB at frozen `m` by Howard's iteration (bordered solves), the stationary density
    /// of its policy, and the factors of `M` at that policy for the derivative.
    func bestResponse(accuracy: Double) throws {
        evaluateCouplings()
        var converged = false
        for _ in 0..<100 {
            op.policy(u: u, weight: weight, b: b, c: c)
            work.update(from: u, count: nx)
            try solveLinearHJB()
            var change = 0.0, size = 0.0
            for i in 0..<nx { change = max(change, abs(u[i] - work[i])); size = max(size, abs(u[i])) }
            guard change.isFinite else {
                throw MFGError.nonFinite(iteration: 0, quantity: "u", advice: "the ergodic HJB diverged", history: [])
            }
            if change <= 1e-13 * (1 + size) { converged = true; break }
        }
        unconvergedSteps = converged ? 0 : 1
        op.policy(u: u, weight: weight, b: b, c: c)
        try stationaryDensity(into: image)
        try factorBordered()
        op.policyJacobian(u: u, weight: weight, jbb: jbb, jcc: jcc, jbc: jbc, jcb: jcb)
        let f = problem.coupling, ham = problem.hamiltonian
        f.evaluateDerivatives(t: 0, x: xs, m: m, mean: f.usesMean ? mean(m) : 0, density: fm, mean: fmean, count: nx)
        for i in 0..<nx {
            hm[i] = ham.densityDerivative(policySquared: b[i] * b[i] + c[i] * c[i], density: m[i], weight: weight[i])
            logWeight[i] = ham.logWeightDerivative(m[i])
        }
    }

    /// `dPhi v`: `M [du; dlambda] = [(dF - dg/dm) v; 0]`, then `M^T [dm; 0] = [T(Phi, db, dc); 0]`.
    func responseDerivative(_ v: UnsafePointer<Double>, into out: UnsafeMutablePointer<Double>, accuracy: Double) {
        let meanV = problem.coupling.usesMean ? mean(v) : 0
        if let nonlocal { nonlocal.apply(v, into: work) } else { work.update(repeating: 0, count: nx) }
        for i in 0..<nx { vector[i] = work[i] + (fm[i] - hm[i]) * v[i] + fmean[i] * meanV }
        vector[nx] = 0
        matrix.solveFactored(vector)
        du.update(from: vector, count: nx)
        op.applyPolicyJacobian(du, jbb: jbb, jcc: jcc, jbc: jbc, jcb: jcb, db: db, dc: dc)
        for i in 0..<nx {
            let r = logWeight[i] * v[i]
            db[i] += r * b[i]
            dc[i] += r * c[i]
        }
        op.transport(image, b: db, c: dc, into: vector)
        vector[nx] = 0
        matrix.solveFactored(vector, transposed: true)
        out.update(from: vector, count: nx)
    }

    func policyIterationSweep(relaxation: Double, accuracy: Double) throws -> (hjb: Double, fp: Double) {
        try stationaryDensity(into: m)
        evaluateCouplings()
        try solveLinearHJB()
        updatePolicy(relaxation: relaxation)
        return residuals()
    }

    func followControl(_ control: [[Double]]) throws {
        for i in 0..<nx {
            b[i] = -max(control[0][i], 0)
            c[i] = -min(control[0][i], 0)
        }
        try stationaryDensity(into: m)
    }

    func resetValue() {
        u.update(repeating: 0, count: nx)
        lambda = 0
    }

    func updatePolicy() {
        evaluateCouplings()
        op.policy(u: u, weight: weight, b: b, c: c)
    }

    func massDiagnostics() -> (mass: Double, drift: Double, minimum: Double) {
        var minimum = Double.infinity, mass = 0.0
        for i in 0..<nx { minimum = min(minimum, m[i]); mass += m[i] }
        mass *= h
        return (mass, abs(mass - 1), minimum)
    }

    func equilibrium(
        method: SolverMethod, converged: Bool, history: [IterationReport], phases: [SolverPhase], seconds: Double
    ) -> Equilibrium {
        Equilibrium(
            x: x, y: nil, t: nil, m: Array(UnsafeBufferPointer(start: m, count: nx)),
            u: Array(UnsafeBufferPointer(start: u, count: nx)), control: [control()], active: nil, lambda: lambda,
            outflow: nil, method: method, converged: converged, history: history, phases: phases, seconds: seconds)
    }
}
