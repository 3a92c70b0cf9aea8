import Foundation
import PDE
import Testing
@testable import Problems

/// Ergodic problems: lambda, m, u and the feedback converge to the closed forms at first order,
/// the power Hamiltonian (gamma = 1.5, a manufactured solution) included.
@Suite struct ErgodicTests {
    @Test(arguments: ["ergodic-periodic-1d.toml", "ergodic-gaussian-1d.toml", "ergodic-power-1d.toml"])
    func ergodicSolutionsConverge(file: String) throws {
        let f = try load(file)
        #expect(f.oneD.isErgodic)
        var rows: [[(String, Double)]] = []
        for k in 0..<4 {
            // The residual's round-off floor grows like nu/h^2: about 2.5e-10 at nx = 800.
            let options = SolverOptions(tolerance: 1e-9, maxIterations: 200)
            let s = try MFGSolver.solve(.oneD(f.oneD), grid: GridSize(nx: 100 << k), options: options)
            let converged = s.converged, residual = s.final!.residual
            #expect(converged, "\(file) nx \(100 << k): residual \(residual)")
            let mass = s.m.reduce(0, +) * (s.x[1] - s.x[0]), minimum = s.m.min()!
            #expect(abs(mass - 1) < 1e-12)
            #expect(minimum > 0)
            rows.append(ExactErrors(s, exact: f.exact).named)
        }
        print("\(file): " + rows.map { $0.map { "\($0.0)=\(String(format: "%.3e", $0.1))" }.joined(separator: " ") }.joined(separator: " | "))
        for j in rows[0].indices {
            for k in 1..<rows.count {
                let order = log2(rows[k - 1][j].1 / rows[k][j].1)
                #expect(order >= 0.8, "\(file) \(rows[0][j].0) level \(k): order \(order)")
            }
        }
    }

    /// Chosen explicitly, policy iteration on an ergodic problem is the plain method of
    /// Cacace-Camilli-Goffi with averaged policies (no Anderson mixing, which made this one diverge):
    /// `ergodic-gaussian-1d` with relaxation 0.3 converges, to the solution of the default solver
    /// (agreement limited by the tails, where m ~ 2e-9 and dF/dm = b/m: 1e-12 residuals leave the
    /// feedback free to about 1e-8 there; it agrees to 1e-10 where m > 1e-4).
    @Test func smoothedPolicyIterationOnTheGaussianProblem() throws {
        let f = try load("ergodic-gaussian-1d.toml")
        let grid = GridSize(nx: 200)
        let pi = try MFGSolver.solve(.oneD(f.oneD), grid: grid,
                                     options: SolverOptions(method: .policyIteration, tolerance: 1e-12, maxIterations: 300, policyRelaxation: 0.3))
        let auto = try MFGSolver.solve(.oneD(f.oneD), grid: grid, options: SolverOptions(tolerance: 1e-12))
        #expect(pi.converged && auto.converged)
        #expect(pi.phases.map(\.method) == ["policy-iteration"])
        let scale = auto.control[0].map(abs).max()!
        var bulk = 0.0, tails = 0.0
        for i in 0..<grid.nx {
            let d = abs(pi.control[0][i] - auto.control[0][i]) / scale
            if auto.m[i] > 1e-4 { bulk = max(bulk, d) } else { tails = max(tails, d) }
        }
        #expect(bulk < 1e-10, "bulk \(bulk)")
        #expect(tails < 1e-7, "tails \(tails)")
    }
}

/// The power family reduces to the quadratic and congestion Hamiltonians at gamma = 2: the file's
/// `hamiltonian = "power"` with `exponent = 2` is the congestion problem exactly, and the general
/// formulas (gamma < 2, with P^(gamma-2) and the conjugate exponent) converge to it as gamma -> 2.
@Suite struct PowerHamiltonianTests {
    func congestionFile(_ dynamics: String) throws -> ProblemFile {
        let text = """
            name = "p"
            [domain]
            x = [0.0, 1.0]
            boundary = "reflecting"
            [time]
            horizon = 0.5
            [dynamics]
            viscosity = 0.05
            \(dynamics)
            [costs]
            running = "m + 0.3*x"
            terminal = "cos(2*pi*x)"
            [initial]
            density = "exp(-30*(x - 0.4)^2)"
            """
        return try ProblemFile.parse(text, path: "p.toml")
    }

    @Test func exponentTwoIsTheCongestionHamiltonian() throws {
        let grid = GridSize(nx: 60, nt: 30), options = SolverOptions(tolerance: 1e-12)
        let congestion = try MFGSolver.solve(try congestionFile("hamiltonian = \"congestion\"\nkappa = 2\nalpha = 1").model, grid: grid, options: options)
        let power = try MFGSolver.solve(try congestionFile("hamiltonian = \"power\"\nexponent = 2\nkappa = 2\nalpha = 1").model, grid: grid, options: options)
        #expect(maxAbsDifference(congestion.u, power.u) == 0 && maxAbsDifference(congestion.m, power.m) == 0)
        // Just below 2 the general branch runs: the solution moves by O(2 - gamma).
        let near = try MFGSolver.solve(try congestionFile("hamiltonian = \"power\"\nexponent = 1.999999\nkappa = 2\nalpha = 1").model, grid: grid, options: options)
        let du = maxAbsDifference(congestion.u, near.u), dm = maxAbsDifference(congestion.m, near.m)
        #expect(du <= 1e-4 && dm <= 1e-4 && du + dm > 0, "gamma = 2 - 1e-6: max |du| = \(du), max |dm| = \(dm)")
        // The quadratic Hamiltonian is the power family with kappa = 0.
        let quadratic = try MFGSolver.solve(try congestionFile("hamiltonian = \"quadratic\"").model, grid: grid, options: options)
        let plain = try MFGSolver.solve(try congestionFile("hamiltonian = \"power\"\nexponent = 2").model, grid: grid, options: options)
        #expect(maxAbsDifference(quadratic.u, plain.u) == 0 && maxAbsDifference(quadratic.m, plain.m) == 0)
    }
}
