import Foundation

/// Newton's method on the whole discrete forward-backward system (Achdou and Capuzzo-Dolcetta 2010):
/// `J(z) dz = -R(z)` by a banded LU (`kl = ku = 2 nx`), then a backtracking line search on `|R|`.
///
/// Newton converges only locally; the iteration starts from the first policy-iteration iterate
/// (the FP density of the zero policy and its HJB value function), and the line search keeps the
/// early steps safe. Near the solution the convergence is quadratic.
/// Memory grows like `12 nx^2 nt` doubles and work like `32 nx^3 nt`: meant for moderate grids.
enum NewtonSolver {
    static func run(
        _ s: DiscreteMFG, options: SolverOptions, start: ContinuousClock.Instant,
        history: inout [IterationReport]
    ) throws -> Bool {
        let shape = s.jacobianShape
        let bytes = BandedMatrix.bytes(order: shape.order, lower: shape.lower, upper: shape.upper)
        guard bytes <= options.newtonMemoryLimit else {
            throw MFGError.invalidParameter(
                field: "solver", value: "newton at nx = \(s.nx), nt = \(s.nt)",
                fix: "Newton's banded Jacobian would take \(bytes >> 20) MiB (limit \(options.newtonMemoryLimit >> 20) MiB); "
                    + "use the policy-iteration solver or a coarser grid")
        }
        let J = try BandedMatrix(order: shape.order, lower: shape.lower, upper: shape.upper)
        let count = shape.order
        let z = UnsafeMutablePointer<Double>.allocate(capacity: count)
        let trial = UnsafeMutablePointer<Double>.allocate(capacity: count)
        let step = UnsafeMutablePointer<Double>.allocate(capacity: count)
        defer { z.deallocate(); trial.deallocate(); step.deallocate() }

        // Initial guess: one policy-iteration sweep from the zero policy.
        s.solveFokkerPlanck()
        s.evaluateCouplings()
        s.solveLinearHJB()
        s.gather(into: z)
        var r = s.residuals(refreshCouplings: true, vector: step)
        var norm = (r.hjb * r.hjb + r.fp * r.fp).squareRoot()
        guard norm.isFinite else {
            throw MFGError.nonFinite(
                iteration: 0, quantity: r.hjb.isFinite ? "the density m" : "the value function u",
                advice: "the initial guess already has non-finite residuals; check that F, G and m0 are "
                    + "finite on the domain (log(m) needs m > 0)", history: history)
        }

        for k in 1...options.maxIterations {
            s.assembleJacobian(into: J)
            for j in 0..<count { step[j] = -step[j] }
            try J.solve(step)
            // Backtracking line search on the residual norm.
            var t = 1.0
            var accepted = false
            for _ in 0..<40 {
                for j in 0..<count { trial[j] = z[j] + t * step[j] }
                s.scatter(from: trial)
                let rt = s.residuals(refreshCouplings: true)
                let nt = (rt.hjb * rt.hjb + rt.fp * rt.fp).squareRoot()
                if nt.isFinite && nt <= (1 - 1e-4 * t) * norm {
                    accepted = true
                    r = rt
                    norm = nt
                    break
                }
                t *= 0.5
            }
            if !accepted {
                // No decrease along the Newton direction: at round-off level, or stuck.
                s.scatter(from: z)
                r = s.residuals(refreshCouplings: true)
                _ = try MFGSolver.record(s, iteration: k, residuals: r, options: options, start: start, history: &history)
                return history.last!.residual <= options.tolerance
            }
            z.update(from: trial, count: count)
            // Residual vector at the accepted point, for the next step.
            r = s.residuals(refreshCouplings: true, vector: step)
            if try MFGSolver.record(s, iteration: k, residuals: r, options: options, start: start, history: &history) {
                return true
            }
        }
        return false
    }
}
