import Foundation

/// An equilibrium of the discrete 2D system: `u`, `m`, `controlX`, `controlY` are `[Nt+1][Nx][Ny]`
/// row-major (index `(n nx + i) ny + j`); `m` is a density (`sum h_x h_y m = 1` at t = 0).
public struct MFGSolution2D: Sendable {
    public let x: [Double], y: [Double], t: [Double]
    public let u: [Double], m: [Double]
    public let controlX: [Double], controlY: [Double]
    /// False inside obstacles.
    public let active: [Bool]
    /// Mass that left through exits in each step.
    public let outflow: [Double]
    public let converged: Bool
    public let history: [IterationReport]
    public let seconds: Double
    public var nx: Int { x.count }
    public var ny: Int { y.count }
    public var nt: Int { t.count - 1 }
    public var iterations: Int { history.count }
    public var final: IterationReport? { history.last }
}

/// Policy iteration for 2D problems: FP sweep with the policy, HJB sweep linearised at the policy
/// (couplings at the new density), policy update. Linear solves: `FivePointSystem`, warm-started
/// from the previous iteration, so later iterations need few Krylov steps.
public enum MFGSolver2D {
    public static func solve(
        _ problem: MFGProblem2D, nx: Int, ny: Int, nt: Int, options: SolverOptions = SolverOptions()
    ) throws -> MFGSolution2D {
        try options.validate()
        guard options.method == .policyIteration else {
            throw MFGError.invalidParameter(field: "solver", value: options.method.rawValue,
                                            fix: "2D problems are solved by policy-iteration (the only 2D solver so far)")
        }
        let s = try DiscreteMFG2D(problem: problem, nx: nx, ny: ny, nt: nt)
        let start = ContinuousClock.now
        var history: [IterationReport] = []
        var converged = false
        // Adaptive smoothed policy iteration: the weight of the new policy is halved when the
        // residual grows and doubled (up to options.policyRelaxation) when it falls by half.
        var theta = options.policyRelaxation
        var previous = Double.infinity
        for k in 1...options.maxIterations {
            s.solveFokkerPlanck()
            s.solveLinearHJBAndUpdatePolicy(relaxation: theta)
            let r = s.residuals()
            let (mass, drift, minimum) = s.massDiagnostics()
            let report = IterationReport(
                iteration: k, hjbResidual: r.hjb, fpResidual: r.fp, mass: mass, massDrift: drift,
                minDensity: minimum, seconds: MFGSolver.seconds(since: start))
            history.append(report)
            options.progress?(report)
            guard r.hjb.isFinite, r.fp.isFinite else {
                throw MFGError.nonFinite(
                    iteration: k, quantity: r.hjb.isFinite ? "the density m" : "the value function u",
                    advice: "check that F, G and m0 are finite on the domain (log(m) needs m > 0), or refine the time grid",
                    history: history)
            }
            if report.residual <= options.tolerance { converged = true; break }
            if report.residual > previous { theta = max(0.05, theta / 2) }
            else if report.residual < 0.5 * previous { theta = min(options.policyRelaxation, 2 * theta) }
            previous = report.residual
        }
        let (ax, ay) = s.controls()
        let size = (nt + 1) * s.count
        return MFGSolution2D(
            x: s.x, y: s.y, t: (0...nt).map { Double($0) * s.dt }, u: Array(UnsafeBufferPointer(start: s.u, count: size)),
            m: Array(UnsafeBufferPointer(start: s.m, count: size)), controlX: ax, controlY: ay, active: s.active,
            outflow: s.outflow, converged: converged, history: history, seconds: MFGSolver.seconds(since: start))
    }
}
