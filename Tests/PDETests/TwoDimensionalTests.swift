import Foundation
import Testing
@testable import PDE

/// A small 2D problem: crowd aversion F = m plus a potential, with optional walls, obstacle and exit.
func room2D(boundary: Boundary, obstacle: Bool = false, exit: Bool = false, symmetric: Bool = false) -> MFGProblem2D {
    let coupling: MFGProblem2D.Coupling = { _, x, y, m, out, n in
        for k in 0..<n {
            let v: Double = symmetric ? 0.3 * (cos(2 * Double.pi * x[k]) + cos(2 * Double.pi * y[k]))
                : 0.3 * sin(2 * Double.pi * x[k]) + 0.2 * cos(2 * Double.pi * y[k])
            out[k] = m[k] + v
        }
    }
    let terminal: @Sendable (Double, Double) -> Double = { x, y in
        if symmetric { return 0.5 * (cos(2 * Double.pi * x) + cos(2 * Double.pi * y)) }
        return 0.5 * cos(2 * Double.pi * (x - 0.2)) + 0.3 * sin(2 * Double.pi * y)
    }
    let initial: @Sendable (Double, Double) -> Double = { x, y in
        let r2: Double = (x - 0.4) * (x - 0.4) + (y - 0.4) * (y - 0.4)
        return exp(-20 * r2) + 0.05
    }
    let block: @Sendable (Double, Double) -> Bool = { x, y in abs(x - 0.6) < 0.1 && abs(y - 0.5) < 0.15 }
    let door: @Sendable (Double, Double) -> Bool = { _, y in abs(y - 0.5) < 0.2 }
    return MFGProblem2D(
        name: "room", x: (0, 1), y: (0, 1), boundary: boundary, horizon: 0.5, viscosity: 0.05,
        coupling: coupling, terminalCost: terminal, initialDensity: initial,
        obstacle: obstacle ? block : nil, exits: exit ? [Exit2D(side: .right, cost: 0, located: door)] : [])
}

@Suite struct TwoDimensionalTests {
    /// FP matrix (the flux-form residual applied to unit vectors) = transpose of the linearised HJB matrix.
    @Test(arguments: [(Boundary.periodic, false, false), (.reflecting, true, true)])
    func fokkerPlanckIsTransposeOfLinearisedHJB(boundary: Boundary, obstacle: Bool, exit: Bool) throws {
        let nx = 6, ny = 5
        let s = try DiscreteMFG2D(problem: room2D(boundary: boundary, obstacle: obstacle, exit: exit), nx: nx, ny: ny, nt: 1)
        let n = nx * ny
        var random = SeededRandom(seed: 21)
        for p in 0..<n { s.u[p] = s.active[p] ? random.uniform(-1, 1) : 0 }
        s.evaluateCouplings(step: 0)
        s.updatePolicy(step: 0)
        s.assemble(step: 0)
        var a = [[Double]](repeating: [Double](repeating: 0, count: n), count: n)
        for p in 0..<n where s.active[p] {
            a[p][p] += s.system.centre[p]
            let nb = [s.system.westIndex(p), s.system.eastIndex(p), s.system.southIndex(p), s.system.northIndex(p)]
            let coef = [s.system.west[p], s.system.east[p], s.system.south[p], s.system.north[p]]
            for d in 0..<4 where coef[d] != 0 { a[p][nb[d]] += coef[d] }
        }
        // FP residual with m^0 = 0 and m^1 = e_q, at the same policy: column q of the FP matrix.
        // residuals() sums squares, so read the FP row values by differencing the squared norm.
        // The solver's own A^T (the transposed product on A's storage) against the same columns.
        var worst = 0.0, worstProduct = 0.0, scale = 0.0
        let unit = UnsafeMutablePointer<Double>.allocate(capacity: n), column = UnsafeMutablePointer<Double>.allocate(capacity: n)
        defer { unit.deallocate(); column.deallocate() }
        for q in 0..<n where s.active[q] {
            for p in 0..<n { s.m[p] = 0; s.m[n + p] = p == q ? 1 : 0; unit[p] = p == q ? 1 : 0 }
            s.system.multiply(0, transposed: true, unit, into: column)
            for p in 0..<n where s.active[p] {
                let fpRow = fpResidualRow(s, p)
                worst = max(worst, abs(fpRow - a[q][p]))
                worstProduct = max(worstProduct, abs(fpRow - column[p]))
                scale = max(scale, abs(a[q][p]))
            }
        }
        #expect(worst <= 1e-13 * scale, "max |FP - A^T| = \(worst) (entries up to \(scale))")
        #expect(worstProduct <= 1e-13 * scale, "max |FP - transposed product| = \(worstProduct)")
    }

    /// The FP residual of cell p at step 0, recomputed here from the fluxes (independent of assemble).
    func fpResidualRow(_ s: DiscreteMFG2D, _ p: Int) -> Double {
        let n = s.count, nu = s.problem.viscosity
        let mnext = s.m + n, mn = s.m
        func flux(_ d: Int) -> Double {
            let q = s.neighbour[d * n + p]
            if q == DiscreteMFG2D.wall { return 0 }
            let mq = q >= 0 ? mnext[q] : 0
            switch d {
            case 1: return mnext[p] * s.bx[p] + (q >= 0 ? mq * s.cx[q] : 0)
            case 0: return (q >= 0 ? mq * s.bx[q] : 0) + mnext[p] * s.cx[p]
            case 3: return mnext[p] * s.by[p] + (q >= 0 ? mq * s.cy[q] : 0)
            default: return (q >= 0 ? mq * s.by[q] : 0) + mnext[p] * s.cy[p]
            }
        }
        let lap = nu * ((s.neighbourValue(mnext, p, 1, density: true) - 2 * mnext[p] + s.neighbourValue(mnext, p, 0, density: true)) / (s.hx * s.hx)
            + (s.neighbourValue(mnext, p, 3, density: true) - 2 * mnext[p] + s.neighbourValue(mnext, p, 2, density: true)) / (s.hy * s.hy))
        return (mnext[p] - mn[p]) / s.dt - lap - ((flux(1) - flux(0)) / s.hx + (flux(3) - flux(2)) / s.hy)
    }

    /// Mass (plus outflow through exits) conserved to 1e-12 relative, m >= 0.
    @Test(arguments: [(Boundary.periodic, false, false), (.reflecting, true, false), (.reflecting, true, true)])
    func massAndPositivity(boundary: Boundary, obstacle: Bool, exit: Bool) throws {
        let s = try MFGSolver.solve(.twoD(room2D(boundary: boundary, obstacle: obstacle, exit: exit)), grid: GridSize(nx: 24, ny: 20, nt: 20), options: SolverOptions(tolerance: 1e-9))
        let converged = s.converged, residual = s.final!.residual, drift = s.final!.massDrift
        #expect(converged, "residual \(residual)")
        #expect(drift <= 1e-12, "mass + outflow drift \(drift)")
        let minimum = s.m.min()!
        #expect(minimum >= 0)
        if exit {
            let left = s.outflow!.reduce(0, +)
            #expect(left > 1e-3, "nothing left through the exit: \(left)")
        }
    }

    /// A problem symmetric under x <-> y has a symmetric solution.
    @Test func symmetricProblemHasSymmetricSolution() throws {
        let n = 30
        let s = try MFGSolver.solve(.twoD(room2D(boundary: .reflecting, symmetric: true)), grid: GridSize(nx: n, ny: n, nt: 20), options: SolverOptions(tolerance: 1e-10))
        var worst = 0.0
        for level in 0...20 {
            for i in 0..<n { for j in 0..<n {
                let a = (level * n + i) * n + j, b = (level * n + j) * n + i
                worst = max(worst, abs(s.m[a] - s.m[b]), abs(s.u[a] - s.u[b]))
            } }
        }
        #expect(worst <= 1e-10, "max asymmetry \(worst)")
    }

    /// A 2D problem constant in y reproduces the 1D solution: with the congestion Hamiltonian, and
    /// with the power family (gamma = 1.5 with congestion), whose 2D upwind norm sums both axes.
    @Test(arguments: [2.0, 1.5])
    func constantInYMatchesOneDimension(exponent: Double) throws {
        let hamiltonian = try Hamiltonian.power(exponent: exponent, kappa: 4, alpha: 1.5)
        var oneD = try Catalogue.congestionLST()
        oneD.hamiltonian = hamiltonian
        let twoD = MFGProblem2D(
            name: "lst-in-2d", x: (0, 1), y: (0, 1), boundary: .periodic, horizon: 1, viscosity: 0.05,
            hamiltonian: hamiltonian, coupling: { _, _, _, m, out, n in for k in 0..<n { out[k] = m[k] } },
            terminalCost: { x, _ in 10 * min((x - 0.3) * (x - 0.3), (x - 0.7) * (x - 0.7)) },
            initialDensity: { x, _ in (x >= 0.375 && x <= 0.625) ? 4 : 0 })
        let a = try MFGSolver.solve(.oneD(oneD), grid: GridSize(nx: 50, nt: 50), options: SolverOptions(tolerance: 1e-11))
        let b = try MFGSolver.solve(.twoD(twoD), grid: GridSize(nx: 50, ny: 4, nt: 50), options: SolverOptions(tolerance: 1e-10))
        let converged = a.converged && b.converged
        #expect(converged)
        var du = 0.0, dm = 0.0
        for n in 0...50 { for i in 0..<50 { for j in 0..<4 {
            let p = (n * 50 + i) * 4 + j
            du = max(du, abs(b.u[p] - a.u[n * 50 + i]))
            dm = max(dm, abs(b.m[p] - a.m[n * 50 + i]))
        } } }
        #expect(du <= 1e-9 && dm <= 1e-9, "max |u2D - u1D| = \(du), max |m2D - m1D| = \(dm)")
    }
}
