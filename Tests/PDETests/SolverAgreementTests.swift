import Foundation
import Testing
@testable import PDE

/// Acceptance 3: the three solvers reach the same discrete solution; Newton converges quadratically.
@Suite struct SolverAgreementTests {
    @Test func solversAgreeOnCongestionProblem() throws {
        let problem = smallCongestionProblem()
        var solutions: [SolverMethod: Equilibrium] = [:]
        for method in SolverMethod.allCases {
            let options = SolverOptions(method: method, tolerance: 1e-12, maxIterations: 400, damping: 0.5)
            let s = try MFGSolver.solve(.oneD(problem), grid: GridSize(nx: 50, nt: 50), options: options)
            let converged = s.converged, residual = s.final!.residual
            #expect(converged, "\(method) did not converge: residual \(residual)")
            solutions[method] = s
        }
        let reference = solutions[.policyIteration]!
        for method in [SolverMethod.newton, .fixedPoint] {
            let s = solutions[method]!
            let du = maxAbsDifference(s.u, reference.u), dm = maxAbsDifference(s.m, reference.m)
            print("\(method.rawValue) vs policy-iteration: max|du| = \(du), max|dm| = \(dm), iterations \(s.iterations)")
            #expect(du <= 1e-9 && dm <= 1e-9)
        }
    }

    @Test func newtonConvergesQuadratically() throws {
        let options = SolverOptions(method: .newton, tolerance: 1e-13, maxIterations: 30)
        let s = try MFGSolver.solve(.oneD(smallCongestionProblem()), grid: GridSize(nx: 50, nt: 50), options: options)
        let converged = s.converged
        #expect(converged)
        let r = s.history.map(\.residual)
        print("Newton residuals: " + r.map { String(format: "%.2e", $0) }.joined(separator: " "))
        // Quadratic: log r_{k+1} / log r_k close to 2 once the residual is small (and above round-off).
        var checked = 0
        for k in 0..<(r.count - 1) where r[k] < 1e-2 && r[k + 1] > 1e-13 {
            let order = log(r[k + 1]) / log(r[k])
            #expect(order >= 1.7, "step \(k): \(r[k]) -> \(r[k + 1]) (order \(order))")
            checked += 1
        }
        #expect(checked >= 1, "no step in the quadratic regime: \(r)")
    }
}
