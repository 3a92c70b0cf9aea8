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
/// (couplings at the new density), policy from the new u. The map u -> u' is accelerated by
/// Anderson mixing (depth 8), with damping that adapts when the residual grows: plain policy
/// iteration diverges for strong couplings such as crowd-aversion-2d; accelerated, it converges in
/// about 40 iterations at 50^3 and 100^3. Linear solves: `FivePointSystem` (ILU-BiCGSTAB),
/// warm-started and only as accurate as the current residual needs.
public enum MFGSolver2D {
    public static func solve(
        _ problem: MFGProblem2D, nx: Int, ny: Int, nt: Int, options: SolverOptions = SolverOptions()
    ) throws -> MFGSolution2D {
        try options.validate()
        guard !problem.isErgodic else {
            throw MFGError.invalidParameter(field: "problem", value: "ergodic", fix: "solve ergodic problems with ErgodicSolver2D")
        }
        guard options.method == .policyIteration else {
            throw MFGError.invalidParameter(field: "solver", value: options.method.rawValue,
                                            fix: "2D problems are solved by policy-iteration (the only 2D solver so far)")
        }
        let s = try DiscreteMFG2D(problem: problem, nx: nx, ny: ny, nt: nt)
        let start = ContinuousClock.now
        var history: [IterationReport] = []
        var converged = false
        // Adaptive smoothed policy iteration: the weight of the new policy is halved when the
        // residual grows and raised by half (up to a ceiling) when the residual falls by half.
        var theta = options.policyRelaxation, ceiling = options.policyRelaxation
        var previous = Double.infinity
        // Anderson acceleration of the policy-iteration map u -> u' (u^0 ... u^{Nt-1}; the policy is
        // a function of u, so it stays in the cone of the scheme without projection).
        let stateSize = nt * s.count
        let anderson = AndersonAcceleration(size: stateSize, depth: 8)
        let current = UnsafeMutablePointer<Double>.allocate(capacity: stateSize)
        defer { current.deallocate() }
        for k in 1...options.maxIterations {
            // Inexact linear solves while far from the solution: relative tolerance 3e-5 of the last
            // residual, between 1e-15 and 1e-6 (the linear residuals of all Nt steps add up in the
            // nonlinear one: at 100^3 a relative 1e-13 per step already amounts to about 1e-10).
            s.linearTolerance = max(1e-15, min(1e-6, 3e-5 * previous))
            current.update(from: s.u, count: stateSize)
            s.solveFokkerPlanck()
            s.solveLinearHJBAndUpdatePolicy(updatingPolicy: false)
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
            // G(current) is in s.u. A residual that grows resets the acceleration and damps.
            if report.residual > 2 * previous {
                anderson.reset()
                ceiling = max(0.02, 0.7 * theta)
                theta = max(0.02, theta / 2)
            } else if report.residual < 0.9 * previous {
                // Steady progress: let the damping recover.
                ceiling = min(options.policyRelaxation, 1.1 * ceiling)
                theta = min(ceiling, 1.5 * theta)
            }
            previous = min(previous, report.residual)
            // Damped map x + theta (G(x) - x), accelerated; then the policy of the new u.
            if theta < 1 {
                for i in 0..<stateSize { s.u[i] = current[i] + theta * (s.u[i] - current[i]) }
            }
            anderson.step(x: current, g: s.u)
            s.u.update(from: current, count: stateSize)
            for n in 0..<nt { s.updatePolicy(step: n) }
        }
        let (ax, ay) = s.controls()
        let size = (nt + 1) * s.count
        return MFGSolution2D(
            x: s.x, y: s.y, t: (0...nt).map { Double($0) * s.dt }, u: Array(UnsafeBufferPointer(start: s.u, count: size)),
            m: Array(UnsafeBufferPointer(start: s.m, count: size)), controlX: ax, controlY: ay, active: s.active,
            outflow: s.outflow, converged: converged, history: history, seconds: MFGSolver.seconds(since: start))
    }
}
