import Foundation
import Testing
@testable import PDE

/// The 2D ergodic problem with the sum-over-coordinates exact solution (notes 2b(i), sigma = 1):
/// u = -sin 2 pi x - sin 2 pi y, m = exp(2 sin 2 pi x + 2 sin 2 pi y) / I0(2)^2, lambda = -2 log I0(2).
func ergodicPeriodic2D() -> MFGProblem2D {
    let v: @Sendable (Double) -> Double = { z in
        -2 * Double.pi * Double.pi * sin(2 * Double.pi * z) + 2 * Double.pi * Double.pi * cos(2 * Double.pi * z) * cos(2 * Double.pi * z)
            - 2 * sin(2 * Double.pi * z)
    }
    var p = MFGProblem2D(
        name: "ergodic-periodic-2d", x: (0, 1), y: (0, 1), boundary: .periodic, horizon: 1, viscosity: 0.5,
        coupling: { _, x, y, m, out, n in for k in 0..<n { out[k] = log(m[k]) + v(x[k]) + v(y[k]) } },
        terminalCost: { _, _ in 0 }, initialDensity: { _, _ in 1 })
    p.isErgodic = true
    return p
}

@Suite struct Ergodic2DTests {
    @Test func periodicErgodicConvergesToClosedForm() throws {
        let i0 = 2.2795853023360673
        var lambdaErrors: [Double] = [], densityErrors: [Double] = []
        for n in [16, 32, 64] {
            let s = try MFGSolver.solve(.twoD(ergodicPeriodic2D()), grid: GridSize(nx: n, ny: n), options: SolverOptions(tolerance: 1e-9, maxIterations: 100))
            let converged = s.converged, residual = s.final!.residual, iterations = s.iterations
            #expect(converged, "n = \(n): residual \(residual) after \(iterations)")
            lambdaErrors.append(abs(s.lambda! + 2 * log(i0)))
            var e = 0.0
            for i in 0..<n { for j in 0..<n {
                let exact = exp(2 * sin(2 * Double.pi * s.x[i]) + 2 * sin(2 * Double.pi * s.y![j])) / (i0 * i0)
                e += abs(s.m[i * n + j] - exact) / Double(n * n)
            } }
            densityErrors.append(e)
            print("ergodic 2D n = \(n): \(iterations) iterations, lambda \(s.lambda!), error \(lambdaErrors.last!), density L1 \(e)")
        }
        for o in observedOrders(lambdaErrors) + observedOrders(densityErrors) { #expect(o >= 0.8) }
    }
}
