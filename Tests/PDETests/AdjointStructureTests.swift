import Testing
@testable import PDE

/// Acceptance 1: the FP matrix is the transpose of the linearised HJB matrix; mass and positivity.
@Suite struct AdjointStructureTests {
    /// Column j of the FP matrix: the FP residual (flux form) of m^1 = e_j with m^0 = 0, at frozen u^0.
    /// Compared with A(u^0)^T, A assembled from the upwind policy (the HJB linearisation).
    @Test(arguments: [Boundary.periodic, .reflecting])
    func fokkerPlanckMatrixIsTransposeOfLinearisedHJB(boundary: Boundary) throws {
        let nx = 12
        let problem = MFGProblem(
            name: "adjoint", lower: 0, upper: 1, boundary: boundary, horizon: 0.3, viscosity: 0.07,
            initialDensity: { _ in 1 })
        let s = try DiscreteMFG(problem: problem, nx: nx, nt: 1)
        var random = SeededRandom(seed: 3)
        for i in 0..<nx { s.u[i] = random.uniform(-2, 2) }  // u^0, with both upwind directions
        for i in 0..<nx { s.m[i] = 0 }                        // m^0 = 0: the FP residual is linear in m^1
        // A from the HJB side.
        let b = UnsafeMutablePointer<Double>.allocate(capacity: nx)
        let c = UnsafeMutablePointer<Double>.allocate(capacity: nx)
        let sub = UnsafeMutablePointer<Double>.allocate(capacity: nx)
        let diag = UnsafeMutablePointer<Double>.allocate(capacity: nx)
        let sup = UnsafeMutablePointer<Double>.allocate(capacity: nx)
        defer { [b, c, sub, diag, sup].forEach { $0.deallocate() } }
        s.op.policy(u: s.u, weight: nil, b: b, c: c)
        s.op.assemble(b: b, c: c, sub: sub, diag: diag, sup: sup)
        var hjb = [[Double]](repeating: [Double](repeating: 0, count: nx), count: nx)
        for i in 0..<nx {
            hjb[i][i] += diag[i]
            if boundary == .periodic || i > 0 { hjb[i][(i + nx - 1) % nx] += sub[i] }
            if boundary == .periodic || i < nx - 1 { hjb[i][(i + 1) % nx] += sup[i] }
        }
        // The FP matrix, column by column, from the residual.
        let vector = UnsafeMutablePointer<Double>.allocate(capacity: 2 * nx)
        defer { vector.deallocate() }
        var worst = 0.0, scale = 0.0
        for j in 0..<nx {
            for i in 0..<nx { s.m[nx + i] = i == j ? 1 : 0 }
            _ = s.residuals(vector: vector)
            for i in 0..<nx {
                let fp = vector[2 * i + 1]
                worst = max(worst, abs(fp - hjb[j][i]))
                scale = max(scale, abs(hjb[j][i]))
            }
        }
        #expect(worst <= 1e-14 * scale, "max |FP - A^T| = \(worst) (entries up to \(scale))")
        // The upwind drift really is present (not a pure diffusion test).
        #expect((0..<nx).contains { b[$0] < 0 } && (0..<nx).contains { c[$0] > 0 })
    }

    /// The linearised HJB matrix A is the derivative of the HJB residual (checked by differences).
    @Test func linearisedHJBIsDerivativeOfResidual() throws {
        let nx = 10
        let s = try DiscreteMFG(problem: smallCongestionProblem(), nx: nx, nt: 1)
        var random = SeededRandom(seed: 5)
        for i in 0..<nx { s.u[i] = random.uniform(-1, 1); s.m[nx + i] = random.uniform(0.5, 2) }
        let J = try BandedMatrix(order: 2 * nx, lower: 2 * nx, upper: 2 * nx)
        _ = s.residuals()
        s.assembleJacobian(into: J)
        let base = UnsafeMutablePointer<Double>.allocate(capacity: 2 * nx)
        let plus = UnsafeMutablePointer<Double>.allocate(capacity: 2 * nx)
        defer { base.deallocate(); plus.deallocate() }
        var worst = 0.0
        for j in 0..<nx {
            let step = 1e-7
            let saved = s.u[j]
            s.u[j] = saved + step
            _ = s.residuals(vector: plus)
            s.u[j] = saved - step
            _ = s.residuals(vector: base)
            s.u[j] = saved
            for i in 0..<nx {
                let fd = (plus[2 * i] - base[2 * i]) / (2 * step)
                worst = max(worst, abs(fd - J.entry(2 * i, 2 * j)))
            }
        }
        #expect(worst < 1e-5, "max |A - dR_HJB/du| = \(worst)")
    }

    /// Mass to 1e-12 relative and m >= 0 for every solver.
    @Test(arguments: SolverMethod.allCases, [Boundary.periodic, .reflecting])
    func massIsConservedAndDensityNonNegative(method: SolverMethod, boundary: Boundary) throws {
        let options = SolverOptions(method: method, tolerance: 1e-11, maxIterations: 300, damping: 0.5)
        let solution = try MFGSolver.solve(smallCongestionProblem(boundary: boundary), nx: 40, nt: 40, options: options)
        #expect(solution.converged)
        let h = solution.x[1] - solution.x[0]
        for n in 0...solution.nt {
            let mass = solution.row(solution.m, n).reduce(0, +) * h
            #expect(abs(mass - 1) <= 1e-12, "mass at level \(n): \(mass)")
        }
        #expect(solution.m.min()! >= 0)
        for report in solution.history { #expect(report.massDrift <= 1e-12) }
    }
}
