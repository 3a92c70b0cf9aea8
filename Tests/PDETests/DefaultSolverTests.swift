import Foundation
import Testing
@testable import PDE

/// The default solver needs no settings: every monotone problem (a coupling increasing in m, so a
/// unique equilibrium by Lasry-Lions) converges to 1e-10 with `SolverOptions()`.
@Suite struct DefaultSolverTests {
    /// A 1D problem on [0, 1] with `F = coupling(m) + V(x)`.
    static func problem(
        _ name: String, boundary: Boundary, viscosity: Double, coupling: @escaping @Sendable (Double) -> Double,
        derivative: @escaping @Sendable (Double) -> Double, potential: @escaping @Sendable (Double) -> Double,
        terminal: @escaping @Sendable (Double) -> Double = { _ in 0 }, initial: @escaping @Sendable (Double) -> Double
    ) -> MFGProblem {
        MFGProblem(
            name: name, lower: 0, upper: 1, boundary: boundary, horizon: 1, viscosity: viscosity,
            coupling: .local({ _, m in coupling(m) }, derivative: { _, m in derivative(m) }), potential: potential,
            terminalCost: .position(terminal), initialDensity: initial, defaultNx: 200, defaultNt: 100)
    }

    /// The problems on which policy iteration (the former default) failed: couplings `c m`, `m^2`,
    /// `m + log m`, walls or torus, nu 0.02 to 0.1, different initial densities.
    static let hardProblems: [MFGProblem] = [
        problem("m, torus, nu 0.05", boundary: .periodic, viscosity: 0.05, coupling: { $0 }, derivative: { _ in 1 },
                potential: { cos(2 * .pi * $0) }, initial: { exp(-30 * ($0 - 0.3) * ($0 - 0.3)) }),
        problem("3m, walls, nu 0.02", boundary: .reflecting, viscosity: 0.02, coupling: { 3 * $0 }, derivative: { _ in 3 },
                potential: { cos(2 * .pi * $0) }, initial: { exp(-30 * ($0 - 0.3) * ($0 - 0.3)) }),
        problem("m^2, torus, nu 0.1", boundary: .periodic, viscosity: 0.1, coupling: { $0 * $0 }, derivative: { 2 * $0 },
                potential: { sin(2 * .pi * $0) }, terminal: { 2 * cos(2 * .pi * ($0 - 0.2)) },
                initial: { exp(-30 * ($0 - 0.5) * ($0 - 0.5)) }),
        problem("m + log m, walls, nu 0.05", boundary: .reflecting, viscosity: 0.05, coupling: { $0 + log($0) },
                derivative: { 1 + 1 / $0 }, potential: { cos(2 * .pi * $0) },
                initial: { exp(-30 * ($0 - 0.3) * ($0 - 0.3)) + 0.01 }),
        problem("5m, torus, nu 0.02", boundary: .periodic, viscosity: 0.02, coupling: { 5 * $0 }, derivative: { _ in 5 },
                potential: { cos(4 * .pi * $0) }, terminal: { ($0 - 0.5) * ($0 - 0.5) },
                initial: { exp(-30 * ($0 - 0.7) * ($0 - 0.7)) }),
        problem("m^2, walls, nu 0.03, two bumps", boundary: .reflecting, viscosity: 0.03, coupling: { $0 * $0 },
                derivative: { 2 * $0 }, potential: { -cos(2 * .pi * $0) }, terminal: { $0 },
                initial: { exp(-50 * ($0 - 0.2) * ($0 - 0.2)) + exp(-50 * ($0 - 0.8) * ($0 - 0.8)) }),
    ]

    @Test(arguments: 0..<6)
    func hardProblemsConverge(index: Int) throws {
        let p = Self.hardProblems[index]
        let s = try MFGSolver.solve(.oneD(p), grid: GridSize(nx: 200, nt: 100))
        let converged = s.converged, residual = s.final!.residual, phases = s.phases.map(\.method)
        #expect(converged, "\(p.name): residual \(residual) after \(phases)")
        #expect(residual <= 1e-10)
        #expect(abs(s.final!.mass - 1) <= 1e-12, "\(p.name): mass \(s.final!.mass)")
    }

    /// Twenty random monotone problems: potentials and terminal costs of three random Fourier
    /// modes, `F = c m^p` with c in [0.1, 5] and p in [1, 2], nu in [0.02, 0.2], torus or walls, an
    /// initial density of two random bumps. All converge with the default.
    @Test func randomMonotoneProblemsConverge() throws {
        var random = SeededRandom(seed: 2026)
        var failures: [String] = []
        for k in 0..<20 {
            func fourier() -> @Sendable (Double) -> Double {
                let a = (0..<3).map { _ in random.uniform(-1, 1) }, b = (0..<3).map { _ in random.uniform(-1, 1) }
                return { x in
                    var sum = 0.0
                    for j in 0..<3 {
                        let k = 2 * Double.pi * Double(j + 1)
                        sum += a[j] * cos(k * x) + b[j] * sin(k * x)
                    }
                    return sum
                }
            }
            let c = random.uniform(0.1, 5), power = random.uniform(1, 2), nu = random.uniform(0.02, 0.2)
            let centres = (random.uniform(0.1, 0.9), random.uniform(0.1, 0.9))
            let widths = (random.uniform(10, 80), random.uniform(10, 80)), weight = random.uniform(0.2, 1)
            let boundary: Boundary = random.next() < 0.5 ? .periodic : .reflecting
            let p = Self.problem(
                "random \(k)", boundary: boundary, viscosity: nu, coupling: { c * pow($0, power) },
                derivative: { c * power * pow($0, power - 1) }, potential: fourier(), terminal: fourier(),
                initial: { x in
                    let first = exp(-widths.0 * (x - centres.0) * (x - centres.0))
                    return first + weight * exp(-widths.1 * (x - centres.1) * (x - centres.1))
                })
            let s = try MFGSolver.solve(.oneD(p), grid: GridSize(nx: 100, nt: 50))
            if !s.converged {
                failures.append(String(format: "%d (c %.2f, p %.2f, nu %.3f, %@): residual %.2e, %@", k, c, power, nu,
                                       boundary.rawValue, s.final!.residual, s.stopReason ?? ""))
            }
        }
        #expect(failures.isEmpty, "\(failures)")
    }

    /// The issue's 2D problem (torus, F = 2m, potential cos(4 pi x) cos(2 pi y), nu 0.03): policy
    /// iteration with Anderson acceleration failed on it; the default converges.
    @Test func twoDimensionalExampleConverges() throws {
        let s = try MFGSolver.solve(.twoD(Catalogue.monotoneExample2D()), grid: GridSize(nx: 20, ny: 20, nt: 25))
        let converged = s.converged, residual = s.final!.residual
        #expect(converged, "residual \(residual)")
        #expect(s.final!.massDrift <= 1e-12)
    }
}
