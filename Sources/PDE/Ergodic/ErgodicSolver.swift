import Foundation

/// An equilibrium of the discrete ergodic system: `u`, `m`, `control` are `[Nx]`, `sum h m = 1`,
/// `sum h u = 0`, and `lambda` is the ergodic constant.
public struct ErgodicSolution: Sendable {
    public let x: [Double]
    public let u: [Double]
    public let m: [Double]
    public let control: [Double]
    public let lambda: Double
    public let converged: Bool
    public let history: [IterationReport]
    public let seconds: Double
    public var nx: Int { x.count }
    public var iterations: Int { history.count }
    public var final: IterationReport? { history.last }
}

/// Policy iteration for the ergodic system (Cacace-Camilli-Goffi 2021, stationary case): stationary
/// FP with the policy, HJB linearised at the policy with its constant lambda, policy update. Each
/// step is two bordered linear solves. Starts from the zero policy.
public enum ErgodicSolver {
    public static func solve(_ problem: MFGProblem, nx: Int, options: SolverOptions = SolverOptions()) throws -> ErgodicSolution {
        try options.validate()
        guard options.method == .policyIteration else {
            throw MFGError.invalidParameter(
                field: "solver", value: options.method.rawValue,
                fix: "ergodic problems are solved by policy-iteration (the only ergodic solver so far)")
        }
        let s = try ErgodicMFG(problem: problem, nx: nx)
        let start = ContinuousClock.now
        var history: [IterationReport] = []
        var converged = false
        for k in 1...options.maxIterations {
            try s.solveFokkerPlanck()
            s.evaluateCouplings()
            try s.solveLinearHJB()
            s.updatePolicy(relaxation: options.policyRelaxation)
            let r = s.residuals()
            var minimum = Double.infinity, mass = 0.0
            for i in 0..<nx { minimum = min(minimum, s.m[i]); mass += s.m[i] }
            mass *= s.h
            let report = IterationReport(
                iteration: k, hjbResidual: r.hjb, fpResidual: r.fp, mass: mass, massDrift: abs(mass - 1),
                minDensity: minimum, seconds: MFGSolver.seconds(since: start))
            history.append(report)
            options.progress?(report)
            guard r.hjb.isFinite, r.fp.isFinite, s.lambda.isFinite else {
                throw MFGError.nonFinite(
                    iteration: k, quantity: r.hjb.isFinite ? "the density m" : "the value function u",
                    advice: "check that F and V are finite on the domain (log(m) needs m > 0)", history: history)
            }
            if report.residual <= options.tolerance { converged = true; break }
        }
        return ErgodicSolution(
            x: s.x, u: Array(UnsafeBufferPointer(start: s.u, count: nx)), m: Array(UnsafeBufferPointer(start: s.m, count: nx)),
            control: s.control(), lambda: s.lambda, converged: converged, history: history,
            seconds: MFGSolver.seconds(since: start))
    }
}
