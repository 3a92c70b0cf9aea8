import Foundation
import Testing
@testable import PDE

/// Every method reaches the same discrete solution; Newton converges superlinearly.
@Suite struct SolverAgreementTests {
    /// The discrete equilibrium does not depend on the method: solved to 1e-12, the four methods
    /// agree to 1e-9 (the solution's sensitivity to a residual of 1e-12 on this 50 x 50 grid).
    @Test func solversAgreeOnCongestionProblem() throws {
        let problem = MFGModel.oneD(try smallCongestionProblem())
        var solutions: [SolverMethod: Equilibrium] = [:]
        for method in SolverMethod.allCases {
            let options = SolverOptions(method: method, tolerance: 1e-12, maxIterations: 400, damping: 0.5)
            let s = try MFGSolver.solve(problem, grid: GridSize(nx: 50, nt: 50), options: options)
            let converged = s.converged, residual = s.final!.residual
            #expect(converged, "\(method) did not converge: residual \(residual)")
            solutions[method] = s
        }
        let reference = solutions[.policyIteration]!
        for method in [SolverMethod.auto, .newton, .fixedPoint] {
            let s = solutions[method]!
            let du = maxAbsDifference(s.u, reference.u), dm = maxAbsDifference(s.m, reference.m)
            #expect(du <= 1e-9 && dm <= 1e-9, "\(method.rawValue) vs policy-iteration: max|du| = \(du), max|dm| = \(dm)")
        }
    }

    /// Superlinear convergence: once the residual is below 1e-1, each Newton step reduces it by a
    /// factor smaller than the step before (a linear method keeps the factor), and some step by at
    /// least 1e-4.
    @Test func newtonConvergesSuperlinearly() throws {
        let options = SolverOptions(method: .newton, tolerance: 1e-12, maxIterations: 30)
        let s = try MFGSolver.solve(.oneD(smallCongestionProblem()), grid: GridSize(nx: 50, nt: 50), options: options)
        let converged = s.converged
        #expect(converged)
        let r = s.history.map(\.residual)
        let tail = Array(r.drop { $0 >= 1e-1 }.prefix { $0 > 1e-14 })
        #expect(tail.count >= 3, "too few steps in the asymptotic regime: \(r)")
        let factors = zip(tail.dropFirst(), tail).map { $0 / $1 }
        for k in 1..<factors.count { #expect(factors[k] < factors[k - 1], "reduction factors \(factors) of \(r)") }
        #expect(factors.min()! < 1e-4, "reduction factors \(factors)")
    }

    /// The product of the best response's Jacobian, `dPhi v`, against central differences of
    /// `Phi`, on problems that exercise every term: congestion, walls, exits, mean and nonlocal
    /// couplings, the power Hamiltonian, 2D and ergodic systems. Differences of step 1e-6 are
    /// accurate to about 1e-9 of the product. (The problems are asymmetric: on a symmetric one some
    /// upwind difference is exactly zero, where the policy has a kink and no derivative.)
    @Test(arguments: ["congestion", "walls and exit", "mean coupling", "nonlocal", "power", "2D", "2D exit", "2D power",
                      "ergodic", "ergodic 2D"])
    func responseDerivativeMatchesDifferences(kind: String) throws {
        let system: CoupledSystem
        switch kind {
        case "congestion": system = try DiscreteMFG(problem: smallCongestionProblem(), nx: 20, nt: 8)
        case "walls and exit":
            var p = try smallCongestionProblem(boundary: .reflecting)
            p.rightExit = 0.3
            system = try DiscreteMFG(problem: p, nx: 20, nt: 8)
        case "mean coupling": system = try DiscreteMFG(problem: try Catalogue.linearQuadratic(), nx: 30, nt: 8)
        case "nonlocal":
            var p = try smallCongestionProblem()
            p.nonlocalKernel = { d in exp(-40 * d * d) }
            system = try DiscreteMFG(problem: p, nx: 24, nt: 6)
        case "power":
            var p = try smallCongestionProblem(boundary: .reflecting)
            p.hamiltonian = try .power(exponent: 1.5, kappa: 1, alpha: 1)
            p.potential = { x in 0.5 * x }
            system = try DiscreteMFG(problem: p, nx: 20, nt: 8)
        case "2D": system = try DiscreteMFG2D(problem: Catalogue.crowdAversion2D(), nx: 12, ny: 10, nt: 6)
        case "2D exit": system = try DiscreteMFG2D(problem: room2D(boundary: .reflecting, obstacle: true, exit: true), nx: 12, ny: 10, nt: 5)
        case "2D power":
            var p = room2D(boundary: .reflecting, obstacle: true, exit: false)
            p.hamiltonian = try .power(exponent: 1.5, kappa: 1, alpha: 1)
            system = try DiscreteMFG2D(problem: p, nx: 12, ny: 10, nt: 5)
        case "ergodic 2D":
            var p = room2D(boundary: .periodic, obstacle: false, exit: false)
            p.isErgodic = true
            system = try ErgodicMFG2D(problem: p, nx: 12, ny: 10)
        default:
            var p = try smallCongestionProblem()
            p.isErgodic = true
            system = try ErgodicMFG(problem: p, nx: 30)
        }
        let n = system.unknowns
        // A non-trivial point: half a fixed-point step from the initial density.
        try system.bestResponse(accuracy: 1e-15)
        for k in 0..<n { system.density[k] = 0.5 * system.density[k] + 0.5 * system.response[k] }
        try system.bestResponse(accuracy: 1e-15)
        let base = Array(UnsafeBufferPointer(start: system.density, count: n))
        var v = [Double](repeating: 0, count: n)
        for k in 0..<n { v[k] = 0.1 * sin(0.7 * Double(k)) * max(base[k], 0.01) }
        var product = [Double](repeating: 0, count: n)
        system.responseDerivative(v, into: &product, accuracy: 1e-15)
        func phi(_ step: Double) throws -> [Double] {
            for k in 0..<n { system.density[k] = base[k] + step * v[k] }
            try system.bestResponse(accuracy: 1e-15)
            return Array(UnsafeBufferPointer(start: system.response, count: n))
        }
        let e = 1e-6
        let plus = try phi(e), minus = try phi(-e)
        var worst = 0.0, size = 0.0
        for k in 0..<n {
            worst = max(worst, abs((plus[k] - minus[k]) / (2 * e) - product[k]))
            size = max(size, abs(product[k]))
        }
        #expect(size > 1e-3, "\(kind): the product is trivial")
        #expect(worst <= 1e-6 * max(1, size), "\(kind): |dPhi v - differences| = \(worst) of \(size)")
    }
}
