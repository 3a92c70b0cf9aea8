import Foundation

/// The benchmark problems written in Swift. They are the references for tests and benchmarks,
/// and the baseline against which problem files are measured (`solve-mfg bench`).
public enum Catalogue {
    /// Lauriere-Song-Tang 1D case 1: torus [0,1), nu = 0.05, T = 1, H = |p|^2/(2(1+4m)^(3/2)), F = m,
    /// m0 = 4 on [0.375, 0.625], u_T = 10 min((x-0.3)^2, (x-0.7)^2).
    public static func congestionLST(kappa: Double = 4, alpha: Double = 1.5, viscosity: Double = 0.05) throws -> MFGProblem {
        MFGProblem(
            name: "congestion-lst-1d", lower: 0, upper: 1, boundary: .periodic, horizon: 1,
            viscosity: viscosity, hamiltonian: try .congestion(kappa: kappa, alpha: alpha),
            coupling: .local({ _, m in m }, derivative: { _, _ in 1 }),
            terminalCost: .position { x in 10 * min((x - 0.3) * (x - 0.3), (x - 0.7) * (x - 0.7)) },
            initialDensity: { x in (x >= 0.375 && x <= 0.625) ? 4 : 0 },
            defaultNx: 200, defaultNt: 200)
    }

    /// The closed-form linear-quadratic game (notes 2a) on [-L, L] with reflecting walls.
    /// Defaults: q = 1, c = 2, s = sT = 0.5, nu = 0.1, T = 1, mean0 = 1, var0 = 0.2, L = 5.
    public static func linearQuadratic(
        q: Double = 1, c: Double = 2, s: Double = 0.5, sT: Double = 0.5, nu: Double = 0.1, T: Double = 1,
        mean0: Double = 1, var0: Double = 0.2, halfWidth L: Double = 5
    ) throws -> MFGProblem {
        _ = try LinearQuadraticSolution(q: q, c: c, s: s, sT: sT, nu: nu, T: T, mean0: mean0, var0: var0)
        return MFGProblem(
            name: "lq-1d", lower: -L, upper: L, boundary: .reflecting, horizon: T, viscosity: nu,
            coupling: FieldFunction(
                usesDensity: false, usesMean: true, value: { _, x, _, mu in 0.5 * q * (x - s * mu) * (x - s * mu) },
                derivativeInDensity: { _, _, _, _ in 0 }, derivativeInMean: { _, x, _, mu in -q * s * (x - s * mu) }),
            terminalCost: FieldFunction(
                usesDensity: false, usesMean: true, value: { _, x, _, mu in 0.5 * c * (x - sT * mu) * (x - sT * mu) },
                derivativeInDensity: { _, _, _, _ in 0 }, derivativeInMean: { _, x, _, mu in -c * sT * (x - sT * mu) }),
            initialDensity: { x in exp(-(x - mean0) * (x - mean0) / (2 * var0)) },
            defaultNx: 200, defaultNt: 100)
    }

    /// Hopf-Cole test: torus [0,1), nu = 0.1, T = 0.5, F = 0, G = 0.5 cos(2 pi x),
    /// m0 proportional to exp(cos(2 pi (x - 0.3))).
    public static func hopfCole() -> MFGProblem {
        MFGProblem(
            name: "hopf-cole-1d", lower: 0, upper: 1, boundary: .periodic, horizon: 0.5, viscosity: 0.1,
            terminalCost: .position(hopfColeTerminal), initialDensity: hopfColeInitial,
            defaultNx: 200, defaultNt: 100)
    }

    public static let hopfColeTerminal: @Sendable (Double) -> Double = { x in 0.5 * cos(2 * .pi * x) }
    public static let hopfColeInitial: @Sendable (Double) -> Double = { x in exp(cos(2 * .pi * (x - 0.3))) }
}

extension Catalogue {
    /// Crowd aversion on the torus [0,1)^2: H = |p|^2/2, F = m, nu = 0.05, T = 1,
    /// G = 0.5 cos(2 pi x) cos(2 pi y), m0 a bump at (0.3, 0.3) on a floor. The 2D speed benchmark.
    public static func crowdAversion2D() -> MFGProblem2D {
        MFGProblem2D(
            name: "crowd-aversion-2d", x: (0, 1), y: (0, 1), boundary: .periodic, horizon: 1, viscosity: 0.05,
            coupling: { _, _, _, m, out, n in for k in 0..<n { out[k] = m[k] } },
            couplingDensityDerivative: { _, _, _, _, out, n in for k in 0..<n { out[k] = 1 } },
            terminalCost: { x, y in 0.5 * cos(2 * .pi * x) * cos(2 * .pi * y) },
            initialDensity: { x, y in exp(-50 * ((x - 0.3) * (x - 0.3) + (y - 0.3) * (y - 0.3))) + 0.1 })
    }
}

extension Catalogue {
    /// The monotone 1D problem on which policy iteration used to fail: torus, H = |p|^2/2, F = m,
    /// V = cos(2 pi x), nu = 0.05, T = 1, m0 proportional to exp(-30 (x - 0.3)^2). Default grid 200 x 100.
    public static func monotoneExample1D() -> MFGProblem {
        MFGProblem(
            name: "monotone-example-1d", lower: 0, upper: 1, boundary: .periodic, horizon: 1, viscosity: 0.05,
            coupling: .local({ _, m in m }, derivative: { _, _ in 1 }), potential: { x in cos(2 * .pi * x) },
            initialDensity: { x in exp(-30 * (x - 0.3) * (x - 0.3)) }, defaultNx: 200, defaultNt: 100)
    }

    /// The monotone 2D problem on which accelerated policy iteration used to fail: torus [0,1)^2,
    /// H = |p|^2/2, F = 2m + cos(4 pi x) cos(2 pi y), nu = 0.03, T = 1, m0 proportional to
    /// exp(-50 ((x - 0.5)^2 + (y - 0.5)^2)). Default grid 40 x 40 x 50.
    public static func monotoneExample2D() -> MFGProblem2D {
        MFGProblem2D(
            name: "monotone-example-2d", x: (0, 1), y: (0, 1), boundary: .periodic, horizon: 1, viscosity: 0.03,
            coupling: { _, x, y, m, out, n in for k in 0..<n { out[k] = 2 * m[k] + cos(4 * .pi * x[k]) * cos(2 * .pi * y[k]) } },
            couplingDensityDerivative: { _, _, _, _, out, n in for k in 0..<n { out[k] = 2 } },
            terminalCost: { _, _ in 0 },
            initialDensity: { x, y in exp(-50 * ((x - 0.5) * (x - 0.5) + (y - 0.5) * (y - 0.5))) },
            defaultNx: 40, defaultNy: 40, defaultNt: 50)
    }
}
