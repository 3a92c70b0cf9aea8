import Foundation
import Testing
@testable import PDE

/// Issue 16, point 1: the exploitability of a continuous feedback control on the PDE.
@Suite struct ControlEvaluationTests {
    let lq = try! LinearQuadraticSolution(q: 1, c: 2, s: 0.5, sT: 0.5, nu: 0.1, T: 1, mean0: 1, var0: 0.2)

    /// `a(t, x) = -(k(t) x + l(t))` on its own fine grid (exact in x, linear interpolation in t:
    /// error O(1e-5), far below the scheme's).
    func linear(_ k: @escaping (Double) -> Double, _ l: @escaping (Double) -> Double) throws -> FeedbackControl {
        let t = (0...400).map { Double($0) / 400 }, x = (0...100).map { -5 + Double($0) / 10 }
        return try FeedbackControl(t: t, x: x, y: nil, components: [t.flatMap { s in x.map { -(k(s) * $0 + l(s)) } }])
    }

    /// The closed form is 0 at the equilibrium's own feedback, and its value is the equilibrium's.
    @Test func closedFormVanishesAtTheEquilibrium() {
        let (cost, best) = lq.linearControlCosts(k: lq.eta, l: lq.psi)
        #expect(abs(cost - best) < 1e-10)
        #expect(cost > 0)
    }

    /// Linear controls that are not the equilibrium: the scheme's exploitability converges to the
    /// closed form at first order (observed order at least 0.8 on each refinement).
    @Test(arguments: [0, 1, 2])
    func linearControlsMatchTheClosedForm(_ case_: Int) throws {
        let (k, l): ((Double) -> Double, (Double) -> Double) = switch case_ {
        case 0: ({ _ in 0.5 }, { _ in 0 })
        case 1: (lq.eta, { self.lq.psi($0) + 0.3 })
        default: ({ _ in 2 }, { t in -0.5 * t })
        }
        let exact = lq.linearControlCosts(k: k, l: l)
        let reference = exact.cost - exact.bestResponseCost
        #expect(reference > 1e-3)
        let control = try linear(k, l)
        let problem = MFGModel.oneD(try Catalogue.linearQuadratic())
        var errors: [Double] = []
        for level in 0..<3 {
            let e = try ControlEvaluation.evaluate(problem, control: control, grid: GridSize(nx: 100 << level, nt: 20 << level))
            #expect(e.exploitability >= -1e-10)
            #expect(e.equilibrium.converged)
            errors.append(abs(e.exploitability - reference))
        }
        for k in 1..<errors.count { #expect(log2(errors[k - 1] / errors[k]) >= 0.8, "errors \(errors), exact \(reference)") }
        #expect(errors.last! < 0.1 * reference + 1e-3)
    }

    /// The equilibrium's own feedback on its grid has exploitability 0 (round-off), and the exact
    /// equilibrium feedback has exploitability converging to 0 under refinement.
    @Test func equilibriumControlHasZeroExploitability() throws {
        let problem = MFGModel.oneD(try Catalogue.linearQuadratic())
        let s = try MFGSolver.solve(problem, grid: GridSize(nx: 200, nt: 40))
        let own = try FeedbackControl(t: s.t, x: s.x, y: nil, components: s.control)
        let e = try ControlEvaluation.evaluate(problem, control: own, grid: GridSize(nx: 200, nt: 40))
        #expect(abs(e.exploitability) < 1e-8)
        #expect(e.densityDistance < 1e-8)
        var values: [Double] = []
        for level in 0..<3 {
            values.append(try ControlEvaluation.evaluate(problem, control: try linear(lq.eta, lq.psi),
                                                         grid: GridSize(nx: 100 << level, nt: 20 << level)).exploitability)
        }
        #expect(values.allSatisfy { $0 >= -1e-10 })
        #expect(values[2] < values[1] && values[1] < values[0])
    }

    /// The error estimate of every number, and its check against the closed form.
    @Test func errorEstimateCoversTheExploitability() throws {
        let exact = lq.linearControlCosts(k: { _ in 0.5 }, l: { _ in 0 })
        var options = SolverOptions()
        options.errorEstimate = true
        let e = try ControlEvaluation.evaluate(.oneD(try Catalogue.linearQuadratic()), control: try linear({ _ in 0.5 }, { _ in 0 }),
                                               grid: GridSize(nx: 200, nt: 40), options: options)
        let q = try #require(e.errorEstimate?.first { $0.name == "exploitability" })
        let bound = try #require(q.errorBound)
        let truth = abs(q.value - (exact.cost - exact.bestResponseCost))
        #expect(bound >= truth && bound <= 20 * truth)
    }

    @Test func refusesControlsOfTheWrongShape() {
        #expect(throws: MFGError.self) { try FeedbackControl(t: [0, 1], x: [0, 1], y: nil, components: [[1, 2, 3]]) }
        #expect(throws: MFGError.self) { try FeedbackControl(t: nil, x: [0, 0], y: nil, components: [[1, 2]]) }
        #expect(throws: MFGError.self) { try FeedbackControl(t: nil, x: [0, 1], y: nil, components: [[1, .nan]]) }
    }
}
