import Foundation
import Testing
@testable import PDE

/// Acceptance 2 and the Hopf-Cole reference.
@Suite struct ExactSolutionTests {
    /// The closed form reproduces the reference values of the notes (section 2a).
    @Test func linearQuadraticClosedFormMatchesReferenceValues() throws {
        let lq = try LinearQuadraticSolution(q: 1, c: 2, s: 0.5, sT: 0.5, nu: 0.1, T: 1, mean0: 1, var0: 0.2)
        #expect(abs(lq.eta(0) - 1.0944859497) < 1e-9)
        #expect(abs(lq.psi(0) - (-0.3258214468)) < 1e-9)
        #expect(abs(lq.mean(0.5) - 0.6707643946) < 1e-9)
        #expect(abs(lq.mean(1) - 0.4262513768) < 1e-9)
        #expect(abs(lq.variance(0.5) - 0.1201961333) < 1e-9)
        #expect(abs(lq.variance(1) - 0.0735609030) < 1e-9)
        #expect(abs(lq.variance(0) - 0.2) < 1e-12)
    }

    /// First-order convergence of mean, variance and feedback to the closed form (upwind, implicit Euler).
    @Test func linearQuadraticConvergesAtFirstOrder() throws {
        let problem = try Catalogue.linearQuadratic()
        let lq = try LinearQuadraticSolution(q: 1, c: 2, s: 0.5, sT: 0.5, nu: 0.1, T: 1, mean0: 1, var0: 0.2)
        var meanErrors: [Double] = [], varianceErrors: [Double] = [], controlErrors: [Double] = []
        var table = "    nx    nt   mean error   variance error   control error\n"
        for level in 0..<4 {
            let nx = 100 << level, nt = 20 << level
            let s = try MFGSolver.solve(.oneD(problem), grid: GridSize(nx: nx, nt: nt), options: SolverOptions(tolerance: 1e-11))
            let converged = s.converged
            #expect(converged)
            let h = s.x[1] - s.x[0]
            var eMean = 0.0, eVar = 0.0, eControl = 0.0
            for n in 0...nt {
                let t = s.t![n]
                let row = Array(s.level(s.m, n))
                let mean = zip(s.x, row).reduce(0) { $0 + $1.0 * $1.1 } * h
                let second = zip(s.x, row).reduce(0) { $0 + $1.0 * $1.0 * $1.1 } * h
                eMean = max(eMean, abs(mean - lq.mean(t)))
                eVar = max(eVar, abs(second - mean * mean - lq.variance(t)))
                // Feedback of step n (it moves m^n to m^{n+1}), where the population is.
                guard n < nt else { continue }
                let sd = lq.variance(t).squareRoot()
                for i in 0..<nx where abs(s.x[i] - lq.mean(t)) <= 3 * sd {
                    eControl = max(eControl, abs(s.control[0][n * nx + i] - lq.control(t, s.x[i])))
                }
            }
            meanErrors.append(eMean); varianceErrors.append(eVar); controlErrors.append(eControl)
            table += String(format: "%6d %5d   %.4e     %.4e       %.4e\n", nx, nt, eMean, eVar, eControl)
        }
        let orders = (observedOrders(meanErrors), observedOrders(varianceErrors), observedOrders(controlErrors))
        table += "observed orders: mean " + orders.0.map { String(format: "%.2f", $0) }.joined(separator: " ")
            + ", variance " + orders.1.map { String(format: "%.2f", $0) }.joined(separator: " ")
            + ", control " + orders.2.map { String(format: "%.2f", $0) }.joined(separator: " ")
        print("linear-quadratic MFG, errors against the closed form:\n" + table)
        for o in orders.0 + orders.1 + orders.2 { #expect(o >= 0.8, "\(table)") }
    }

    /// The FFT heat semigroup is exact on a Fourier mode.
    @Test func heatSemigroupIsExactOnFourierModes() {
        let n = 64
        let fft = RealFFT(count: n)
        let x = (0..<n).map { Double($0) / Double(n) }
        let out = fft.heat(x.map { 1 + cos(6 * .pi * $0) }, nu: 0.1, time: 0.3, length: 1)
        let decay = exp(-0.1 * 36 * .pi * .pi * 0.3)
        let worst = zip(x, out).reduce(0.0) { max($0, abs($1.1 - (1 + decay * cos(6 * .pi * $1.0)))) }
        #expect(worst < 1e-14)
    }

    /// The finite-difference solution of the decoupled problem converges at first order to the
    /// spectral Hopf-Cole solution.
    @Test func hopfColeConvergesAtFirstOrder() throws {
        let problem = Catalogue.hopfCole()
        var uErrors: [Double] = [], mErrors: [Double] = []
        var table = "    nx    nt   max |u - u*|   max |m - m*|\n"
        for level in 0..<4 {
            let nx = 50 << level, nt = 25 << level
            let s = try MFGSolver.solve(.oneD(problem), grid: GridSize(nx: nx, nt: nt), options: SolverOptions(tolerance: 1e-11))
            let exact = try HopfColeSolution(
                lower: 0, upper: 1, nu: problem.viscosity, horizon: problem.horizon, samples: 1600, times: s.t!,
                terminalCost: Catalogue.hopfColeTerminal, initialDensity: Catalogue.hopfColeInitial)
            let stride = 1600 / nx
            var eu = 0.0, em = 0.0
            for n in 0...nt {
                for i in 0..<nx {
                    eu = max(eu, abs(s.u[n * nx + i] - exact.u[n * 1600 + i * stride]))
                    em = max(em, abs(s.m[n * nx + i] - exact.m[n * 1600 + i * stride]))
                }
            }
            uErrors.append(eu); mErrors.append(em)
            table += String(format: "%6d %5d   %.4e     %.4e\n", nx, nt, eu, em)
        }
        print("Hopf-Cole problem, errors against the spectral solution:\n" + table
              + "orders u: \(observedOrders(uErrors)), m: \(observedOrders(mErrors))")
        for o in observedOrders(uErrors) + observedOrders(mErrors) { #expect(o >= 0.8, "\(table)") }
    }
}
