import Foundation

/// Solves the discrete MFG system of a problem to the equilibrium.
///
///     let solution = try MFGSolver.solve(problem, nx: 200, nt: 200)
///
/// A run that stops at `maxIterations` returns with `converged == false` and its full history.
public enum MFGSolver {
    public static func solve(
        _ problem: MFGProblem, nx: Int, nt: Int, options: SolverOptions = SolverOptions()
    ) throws -> MFGSolution {
        try options.validate()
        guard !problem.isErgodic else {
            throw MFGError.invalidParameter(field: "problem", value: "ergodic", fix: "solve ergodic problems with ErgodicSolver")
        }
        let system = try DiscreteMFG(problem: problem, nx: nx, nt: nt)
        let clock = ContinuousClock.now
        var history: [IterationReport] = []
        let converged: Bool
        switch options.method {
        case .policyIteration:
            converged = try PolicyIteration.run(system, options: options, start: clock, history: &history)
        case .fixedPoint:
            converged = try FixedPointIteration.run(system, options: options, start: clock, history: &history)
        case .newton:
            converged = try NewtonSolver.run(system, options: options, start: clock, history: &history)
        }
        return MFGSolution(
            x: system.x, t: system.time.times, u: system.copyU(), m: system.copyM(),
            control: system.control(), method: options.method, converged: converged,
            history: history, seconds: seconds(since: clock))
    }

    static func seconds(since start: ContinuousClock.Instant) -> Double {
        let d = ContinuousClock.now - start
        return Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
    }

    /// Builds the report of the current iterate, checks it is finite, and tells whether it converged.
    static func record(
        _ system: DiscreteMFG, iteration: Int, residuals: (hjb: Double, fp: Double),
        options: SolverOptions, start: ContinuousClock.Instant, history: inout [IterationReport]
    ) throws -> Bool {
        let (mass, drift, minimum) = system.massDiagnostics()
        let report = IterationReport(
            iteration: iteration, hjbResidual: residuals.hjb, fpResidual: residuals.fp, mass: mass,
            massDrift: drift, minDensity: minimum, seconds: seconds(since: start))
        history.append(report)
        options.progress?(report)
        guard residuals.hjb.isFinite, residuals.fp.isFinite, mass.isFinite else {
            let what = !residuals.hjb.isFinite ? "the value function u" : "the density m"
            throw MFGError.nonFinite(
                iteration: iteration, quantity: what,
                advice: "check that F, G and m0 are finite on the domain (log(m) needs m > 0), "
                    + "or refine the time grid (larger nt)", history: history)
        }
        return report.residual <= options.tolerance
    }
}

/// Policy iteration (Cacace-Camilli-Goffi 2021, Lauriere-Song-Tang 2023), starting from the zero
/// policy: FP with the policy, couplings at the new density, HJB linearised at the policy, update.
enum PolicyIteration {
    static func run(
        _ s: DiscreteMFG, options: SolverOptions, start: ContinuousClock.Instant,
        history: inout [IterationReport]
    ) throws -> Bool {
        for k in 1...options.maxIterations {
            s.solveFokkerPlanck()
            // Couplings at the new density, HJB linearised at the policy, policy update, residuals.
            let r = s.policyIterationBackwardSweep()
            if try MFGSolver.record(s, iteration: k, residuals: r, options: options, start: start, history: &history) {
                return true
            }
        }
        return false
    }
}

/// Damped fixed point / fictitious play on the density: `u = HJB(m)`, `m <- (1-d) m + d FP(u)`.
enum FixedPointIteration {
    static func run(
        _ s: DiscreteMFG, options: SolverOptions, start: ContinuousClock.Instant,
        history: inout [IterationReport]
    ) throws -> Bool {
        let count = s.totalCount
        let averaged = UnsafeMutablePointer<Double>.allocate(capacity: count)
        defer { averaged.deallocate() }
        averaged.update(from: s.m, count: count)
        for k in 1...options.maxIterations {
            // Best response to the averaged density, and the gap it leaves in the FP equations.
            s.m.update(from: averaged, count: count)
            s.evaluateCouplings()
            try s.solveNonlinearHJB()
            let r = s.residuals(refreshCouplings: false)
            if try MFGSolver.record(s, iteration: k, residuals: r, options: options, start: start, history: &history) {
                return true
            }
            s.solveFokkerPlanck()
            let d = options.damping > 0 ? options.damping : 1 / Double(k + 1)
            for j in s.nx..<count { averaged[j] = (1 - d) * averaged[j] + d * s.m[j] }
        }
        s.m.update(from: averaged, count: count)
        return false
    }
}
