import Foundation

/// The discrete ergodic (stationary) MFG system of a problem on a grid:
///
///     -nu Lap u + g(D+u, D-u, m) + lambda = F(x, m, mean) + V(x),   sum_i h u_i = 0
///     -nu Lap m - T(u, m) = 0,                                      sum_i h m_i = 1
///
/// with the operators of the time-dependent scheme without the `1/dt` terms: if
/// `A0 = -nu Lap + b D+ + c D-`, the FP operator is `A0^T`. `A0` has the constants in its kernel
/// and `A0^T` the stationary density, so each linear solve is bordered by its normalisation.
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
    let b, c, cost, weight: UnsafeMutablePointer<Double>
    let sub, diag, sup, work: UnsafeMutablePointer<Double>
    let vector: UnsafeMutablePointer<Double>
    let stationary: StationaryDistribution
    let matrix: DenseMatrix
    let nonlocal: NonlocalCoupling?

    public init(problem: MFGProblem, nx: Int) throws {
        try problem.validate()
        guard problem.isErgodic else {
            throw MFGError.invalidParameter(field: "problem", value: "time-dependent", fix: "solve it with MFGSolver")
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
        self.problem = problem
        self.nx = nx
        // dt = infinity removes the 1/dt terms from the operator.
        op = UpwindOperator(count: nx, h: grid.spacing, dt: .infinity, nu: problem.viscosity,
                            periodic: problem.boundary == .periodic)
        x = grid.points
        xs = .allocate(capacity: nx)
        xs.initialize(from: x, count: nx)
        potential = .allocate(capacity: nx)
        for i in 0..<nx { potential[i] = problem.potential?(x[i]) ?? 0 }
        u = .allocate(capacity: nx); m = .allocate(capacity: nx)
        b = .allocate(capacity: nx); c = .allocate(capacity: nx)
        cost = .allocate(capacity: nx); weight = .allocate(capacity: nx)
        sub = .allocate(capacity: nx); diag = .allocate(capacity: nx); sup = .allocate(capacity: nx)
        work = .allocate(capacity: nx)
        for p in [u, b, c, cost] { p.initialize(repeating: 0, count: nx) }
        weight.initialize(repeating: 1, count: nx)
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
        for p in [xs, potential, u, m, b, c, cost, weight, sub, diag, sup, work, vector] { p.deallocate() }
    }

    public var h: Double { grid.spacing }

    func evaluateCouplings() {
        let f = problem.coupling
        let mu = f.usesMean ? (0..<nx).reduce(0.0) { $0 + xs[$1] * m[$1] } * h : 0
        f.evaluate(t: 0, x: xs, m: m, mean: mu, into: cost, count: nx)
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
    func updatePolicy(relaxation theta: Double = 1) {
        if theta >= 1 { op.policy(u: u, weight: weight, b: b, c: c); return }
        op.policy(u: u, weight: weight, b: sub, c: sup)
        for i in 0..<nx {
            b[i] = (1 - theta) * b[i] + theta * sub[i]
            c[i] = (1 - theta) * c[i] + theta * sup[i]
        }
    }

    /// Stationary FP with the current policy: `A0^T m = 0`, `sum h m = 1`. `-A0` is the generator
    /// of a Markov chain (rates `-sup[i]` to the right, `-sub[i]` to the left), and `m` its
    /// stationary distribution, computed without subtractions (`StationaryDistribution`).
    func solveFokkerPlanck() throws {
        op.assemble(b: b, c: c, sub: sub, diag: diag, sup: sup)
        for i in 0..<nx {
            diag[i] = -sup[i]   // rate to the right
            work[i] = -sub[i]   // rate to the left
        }
        guard stationary.solve(rightRate: diag, leftRate: work, periodic: op.periodic, weight: h, into: m) else {
            throw MFGError.linearSolveFailed(context: "the stationary Fokker-Planck chain is not irreducible (nu = 0?)")
        }
    }

    /// HJB linearised at the current policy: `A0 u + lambda = r`, `r = F + V + (b^2 + c^2)/(2 w)`,
    /// `sum h u = 0`, as one bordered system `[A0, 1; h 1^T, 0] [u; lambda] = [r; 0]` solved by LU
    /// with partial pivoting. (Pinning one value of u and using the tridiagonal solver instead was
    /// measured to lose accuracy under strong drifts, where the pivots come from cancellation.)
    func solveLinearHJB() throws {
        op.assemble(b: b, c: c, sub: sub, diag: diag, sup: sup)
        matrix.zero()
        let n = nx
        for i in 0..<n {
            matrix.add(i, i, diag[i])
            if op.periodic || i > 0 { matrix.add(i, i == 0 ? n - 1 : i - 1, sub[i]) }
            if op.periodic || i < n - 1 { matrix.add(i, i == n - 1 ? 0 : i + 1, sup[i]) }
            matrix.set(i, n, 1)
            matrix.set(n, i, h)
            vector[i] = cost[i] + 0.5 * (b[i] * b[i] + c[i] * c[i]) / weight[i]
        }
        vector[n] = 0
        try matrix.solve(vector)
        u.update(from: vector, count: n)
        lambda = vector[n]
    }

    /// `sqrt(h) |r|_2` of the HJB and FP equations at the current `(u, m, lambda)`.
    public func residuals() -> (hjb: Double, fp: Double) {
        evaluateCouplings()
        op.policy(u: u, weight: weight, b: sub, c: sup)
        op.diffusion(u, into: diag, density: false)
        var hjb = 0.0, fp = 0.0
        for i in 0..<nx {
            let g = 0.5 * (sub[i] * sub[i] + sup[i] * sup[i]) / weight[i]
            let r = -diag[i] + g + lambda - cost[i]
            hjb += r * r
        }
        let last = nx - 1
        for i in 0..<last { work[i] = m[i] * sub[i] + m[i + 1] * sup[i + 1] }
        work[last] = op.periodic ? m[last] * sub[last] + m[0] * sup[0] : 0
        op.diffusion(m, into: diag, density: true)
        let leftWall = op.periodic ? work[last] : 0
        for i in 0..<nx {
            let t = (work[i] - (i == 0 ? leftWall : work[i - 1])) / h
            let r = -diag[i] - t
            fp += r * r
        }
        return (h.squareRoot() * hjb.squareRoot(), h.squareRoot() * fp.squareRoot())
    }

    /// The feedback `alpha_i = -(b_i + c_i)` of the current `(u, m)`.
    public func control() -> [Double] {
        evaluateCouplings()
        op.policy(u: u, weight: weight, b: sub, c: sup)
        return (0..<nx).map { -(sub[$0] + sup[$0]) }
    }
}
