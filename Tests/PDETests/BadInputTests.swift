import Foundation
import Testing
@testable import PDE

/// Acceptance 6: bad input gives an error that says what to change, never a trap.
@Suite struct BadInputTests {
    func message(_ body: () throws -> Void) -> String? {
        do { try body(); return nil } catch { return "\(error)" }
    }

    @Test func invalidGridSizes() throws {
        let p = try Catalogue.congestionLST()
        for (nx, nt) in [(2, 10), (0, 10), (-5, 10), (10, 0), (10, -1)] {
            let text = message { _ = try MFGSolver.solve(.oneD(p), grid: GridSize(nx: nx, nt: nt)) }
            #expect(text != nil)
            #expect(text!.contains(nx < 4 ? "nx" : "nt"), "\(text!)")
        }
    }

    @Test func negativeViscosity() throws {
        var p = try Catalogue.congestionLST()
        p.viscosity = -0.1
        let text = message { _ = try MFGSolver.solve(.oneD(p), grid: GridSize(nx: 20, nt: 20)) }
        #expect(text?.contains("viscosity") == true && text?.contains(">= 0") == true, "\(text ?? "no error")")
    }

    @Test func emptyDomainAndBadHorizon() throws {
        var p = try Catalogue.congestionLST()
        p.upper = p.lower
        #expect(message { _ = try MFGSolver.solve(.oneD(p), grid: GridSize(nx: 20, nt: 20)) }?.contains("domain") == true)
        p = try Catalogue.congestionLST()
        p.horizon = .nan
        #expect(message { _ = try MFGSolver.solve(.oneD(p), grid: GridSize(nx: 20, nt: 20)) }?.contains("T") == true)
    }

    @Test func nonNormalisableInitialDensity() throws {
        var p = try Catalogue.congestionLST()
        for m0 in [{ @Sendable (_: Double) in 0.0 }, { @Sendable (x: Double) in x - 0.5 }, { @Sendable (_: Double) in .nan }] {
            p.initialDensity = m0
            let text = message { _ = try MFGSolver.solve(.oneD(p), grid: GridSize(nx: 20, nt: 20)) }
            #expect(text?.contains("m0") == true, "\(text ?? "no error")")
        }
    }

    @Test func badSolverSettings() throws {
        let p = try Catalogue.congestionLST()
        #expect(message { _ = try MFGSolver.solve(.oneD(p), grid: GridSize(nx: 20, nt: 20), options: SolverOptions(tolerance: -1)) }?.contains("tolerance") == true)
        #expect(message { _ = try MFGSolver.solve(.oneD(p), grid: GridSize(nx: 20, nt: 20), options: SolverOptions(maxIterations: 0)) }?.contains("iteration") == true)
        #expect(message { _ = try MFGSolver.solve(.oneD(p), grid: GridSize(nx: 20, nt: 20), options: SolverOptions(damping: 1.5)) }?.contains("damping") == true)
    }

    /// A coupling that produces NaN once the density moves: reported with the iteration and advice,
    /// and the history gathered so far is kept for the diagnostics.
    @Test(arguments: SolverMethod.allCases)
    func nanDuringSolveIsReported(method: SolverMethod) throws {
        var p = try Catalogue.congestionLST()
        p.coupling = .local({ _, m in (1 - m).squareRoot() })  // NaN where m > 1
        do {
            _ = try MFGSolver.solve(.oneD(p), grid: GridSize(nx: 30, nt: 30), options: SolverOptions(method: method))
            Issue.record("expected a non-finite error")
        } catch let MFGError.nonFinite(iteration, quantity, advice, _) {
            #expect(iteration >= 0)
            #expect(!quantity.isEmpty)
            #expect(advice.contains("finite") || advice.contains("nt"))
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }

    @Test func nonConvergenceIsReportedNotThrown() throws {
        let s = try MFGSolver.solve(.oneD(try Catalogue.congestionLST()), grid: GridSize(nx: 50, nt: 50), options: SolverOptions(tolerance: 1e-14, maxIterations: 3))
        #expect(!s.converged)
        #expect(s.iterations == 3)
    }
}
