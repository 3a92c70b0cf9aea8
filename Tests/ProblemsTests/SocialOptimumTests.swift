import Foundation
import PDE
import Testing
@testable import Problems

/// Issue 13, point 3: the social optimum (mean-field control) beside the equilibrium.
@Suite struct SocialOptimumTests {
    func problem(running: String, extra: String = "") throws -> ProblemFile {
        try ProblemFile.parse("""
            name = "social-test"
            [domain]
            x = [0.0, 1.0]
            boundary = "periodic"
            [time]
            horizon = 1.0
            [dynamics]
            viscosity = 0.05
            [costs]
            running = "\(running)"
            potential = "sin(2*pi*x)"
            terminal = "-cos(2*pi*(x - 0.75))"
            [initial]
            density = "exp(-50*(x - 0.3)^2) + 0.05"
            [discretisation]
            nx = 100
            nt = 50
            \(extra)
            """, path: "social-test.toml")
    }

    /// With F = m the planner's marginal cost is F + m F' = 2m: the social optimum is the
    /// equilibrium of F = 2m, the same discrete system, to round-off.
    @Test func socialOptimumOfMIsTheEquilibriumOfTwoM() throws {
        let social = try MFGSolver.solve(try problem(running: "m").model(for: .social))
        let doubled = try MFGSolver.solve(try problem(running: "2*m").model)
        #expect(social.converged && doubled.converged)
        #expect(maxAbsDifference(social.m, doubled.m) < 1e-9)
        #expect(maxAbsDifference(social.u, doubled.u) < 1e-9)
    }

    /// A potential game: the social optimum costs the population less than the equilibrium, by
    /// far more than the discretisation error of either cost (estimated on the same grids).
    @Test func socialOptimumCostsLessThanTheEquilibrium() throws {
        let file = try problem(running: "3*m")
        var options = SolverOptions()
        options.errorEstimate = true
        let nash = try MFGSolver.solve(file.model, grid: GridSize(nx: 200, nt: 100), options: options, costs: file.model)
        let opt = try MFGSolver.solve(try file.model(for: .social), grid: GridSize(nx: 200, nt: 100), options: options, costs: file.model)
        let a = try #require(nash.errorEstimate?.quantity("social_cost")), b = try #require(opt.errorEstimate?.quantity("social_cost"))
        #expect(b.value < a.value)
        let boundA = try #require(a.errorBound), boundB = try #require(b.errorBound)
        #expect(a.value - b.value > boundA + boundB)
    }

    /// The linear-quadratic problem with a mean coupling: the planner's costs gain
    /// -q s (1 - s) mean x and -c sT (1 - sT) mean x; the solution's mean follows
    /// `LinearQuadraticSolution(objective: .social)` at first order under refinement.
    @Test func linearQuadraticSocialOptimumMatchesTheClosedForm() throws {
        let file = try load("lq-1d.toml")
        let model = try file.model(for: .social)
        let exact = try LinearQuadraticSolution(q: 1, c: 2, s: 0.5, sT: 0.5, nu: 0.1, T: 1, mean0: 1, var0: 0.2, objective: .social)
        let nash = try LinearQuadraticSolution(q: 1, c: 2, s: 0.5, sT: 0.5, nu: 0.1, T: 1, mean0: 1, var0: 0.2)
        var meanErrors: [Double] = [], varianceErrors: [Double] = []
        for level in 0..<3 {
            let s = try MFGSolver.solve(model, grid: GridSize(nx: 100 << level, nt: 20 << level), options: SolverOptions(), costs: file.model)
            #expect(s.converged)
            let h = s.cellVolume
            var eMean = 0.0, eVar = 0.0
            for n in 0...s.nt {
                let row = Array(s.level(s.m, n)), t = s.t![n]
                let mean = zip(s.x, row).reduce(0) { $0 + $1.0 * $1.1 } * h
                let second = zip(s.x, row).reduce(0) { $0 + $1.0 * $1.0 * $1.1 } * h
                eMean = max(eMean, abs(mean - exact.mean(t)))
                eVar = max(eVar, abs(second - mean * mean - exact.variance(t)))
            }
            meanErrors.append(eMean)
            varianceErrors.append(eVar)
        }
        // The two closed forms differ by far more than the scheme's error.
        #expect(abs(exact.mean(1) - nash.mean(1)) > 10 * meanErrors.last!)
        for k in 1..<3 {
            #expect(log2(meanErrors[k - 1] / meanErrors[k]) > 0.8, "mean errors \(meanErrors)")
            #expect(log2(varianceErrors[k - 1] / varianceErrors[k]) > 0.8, "variance errors \(varianceErrors)")
        }
        #expect(meanErrors.last! < 0.02)
    }

    @Test func objectiveComesFromTheFileAndRefusalsNameTheField() throws {
        #expect(try problem(running: "m", extra: "[game]\nobjective = \"social\"").objective == .social)
        #expect(throws: ProblemFileError.self) { try problem(running: "m", extra: "[game]\nobjective = \"selfish\"") }
        // A mean coupling whose derivative in the mean is not affine in x.
        let curved = try problem(running: "m + (x^2 - mean)^2 + sin(x*mean)")
        #expect { try curved.model(for: .social) } throws: { error in
            "\(error)".contains("[costs] running") && "\(error)".contains("affine in x")
        }
        // A congestion Hamiltonian.
        let congested = try load("congestion-lst-1d.toml")
        #expect { try congested.model(for: .social) } throws: { error in "\(error)".contains("congestion") }
    }
}
