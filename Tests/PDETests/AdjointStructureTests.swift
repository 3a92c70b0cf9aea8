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
        // The FP matrix, column by column, from the residual in flux form:
        // r = (m^1 - m^0)/dt - nu Lap m^1 - T(m^1, b, c) with m^0 = 0.
        let column = UnsafeMutablePointer<Double>.allocate(capacity: nx)
        let lap = UnsafeMutablePointer<Double>.allocate(capacity: nx)
        let transport = UnsafeMutablePointer<Double>.allocate(capacity: nx)
        defer { [column, lap, transport].forEach { $0.deallocate() } }
        var worst = 0.0, scale = 0.0
        for j in 0..<nx {
            for i in 0..<nx { column[i] = i == j ? 1 : 0 }
            s.op.diffusion(column, into: lap, density: true)
            s.op.transport(column, b: b, c: c, into: transport)
            for i in 0..<nx {
                let fp = column[i] / s.dt - lap[i] - transport[i]
                worst = max(worst, abs(fp - hjb[j][i]))
                scale = max(scale, abs(hjb[j][i]))
            }
        }
        #expect(worst <= 1e-14 * scale, "max |FP - A^T| = \(worst) (entries up to \(scale))")
        // The upwind drift really is present (not a pure diffusion test).
        #expect((0..<nx).contains { b[$0] < 0 } && (0..<nx).contains { c[$0] > 0 })
    }

    /// Mass to 1e-12 relative and m >= 0 for every solver.
    @Test(arguments: SolverMethod.allCases, [Boundary.periodic, .reflecting])
    func massIsConservedAndDensityNonNegative(method: SolverMethod, boundary: Boundary) throws {
        let options = SolverOptions(method: method, tolerance: 1e-11, maxIterations: 300, damping: 0.5)
        let solution = try MFGSolver.solve(.oneD(smallCongestionProblem(boundary: boundary)), grid: GridSize(nx: 40, nt: 40), options: options)
        #expect(solution.converged)
        let h = solution.x[1] - solution.x[0]
        for n in 0...solution.nt {
            let mass = solution.level(solution.m, n).reduce(0, +) * h
            #expect(abs(mass - 1) <= 1e-12, "mass at level \(n): \(mass)")
        }
        #expect(solution.m.min()! >= 0)
        for report in solution.history { #expect(report.massDrift <= 1e-12) }
    }
}
