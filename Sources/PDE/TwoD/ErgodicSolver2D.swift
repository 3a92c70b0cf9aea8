import Foundation

/// A stationary (ergodic) equilibrium on a 2D grid: `u`, `m`, `controlX`, `controlY` are `[Nx][Ny]`
/// (index `i ny + j`), `sum hx hy m = 1`, `sum hx hy u = 0`, and `lambda` is the ergodic constant.
public struct ErgodicSolution2D: Sendable {
    public let x: [Double], y: [Double]
    public let u: [Double], m: [Double]
    public let controlX: [Double], controlY: [Double]
    public let active: [Bool]
    public let lambda: Double
    public let converged: Bool
    public let history: [IterationReport]
    public let seconds: Double
    public var nx: Int { x.count }
    public var ny: Int { y.count }
    public var iterations: Int { history.count }
    public var final: IterationReport? { history.last }
}

/// Ergodic 2D problems (`-nu Lap u + H + lambda = F`, `-nu Lap m - div(m H_p) = 0`), by policy
/// iteration (optionally smoothed: `policyRelaxation < 1`), on the operators of the time-dependent scheme without
/// the time derivative (`A0`). For the current policy:
/// - the stationary density spans the kernel of `A0^T`: inverse iteration `(A0^T + e I) m <- e m`,
///   normalised (an M-matrix: positivity is kept), with `e` a fraction of the diffusion gap;
/// - `lambda = sum hx hy m r` exactly (m is the left null vector of A0), then `A0 u = r - lambda`
///   by the proximal iteration `(A0 + e I) u <- r - lambda + e u`, shifted to mean zero.
public enum ErgodicSolver2D {
    public static func solve(_ problem: MFGProblem2D, nx: Int, ny: Int, options: SolverOptions = SolverOptions()) throws -> ErgodicSolution2D {
        try options.validate()
        guard problem.viscosity > 0 else {
            throw MFGError.invalidParameter(field: "viscosity", value: "\(problem.viscosity)",
                                            fix: "an ergodic problem needs nu > 0 (the stationary density is then unique)")
        }
        guard !problem.hasExit else {
            throw MFGError.invalidParameter(field: "exits", value: "in an ergodic problem",
                                            fix: "mass leaving through exits has no stationary state; remove the exits")
        }
        var p = problem
        p.horizon = 1
        let s = try DiscreteMFG2D(problem: p, nx: nx, ny: ny, nt: 1)
        let n = s.count
        let length = max(problem.upperX - problem.lowerX, problem.upperY - problem.lowerY)
        let shift = 0.05 * 4 * Double.pi * Double.pi * problem.viscosity / (length * length)
        s.stationaryShift = shift
        let area = s.cellArea
        let start = ContinuousClock.now
        var history: [IterationReport] = []
        var converged = false
        let current = UnsafeMutablePointer<Double>.allocate(capacity: n)
        let rhs = UnsafeMutablePointer<Double>.allocate(capacity: n)
        defer { current.deallocate(); rhs.deallocate() }
        let m = s.m + n   // the stationary density lives in level 1; level 0 mirrors it
        var previous = Double.infinity

        for k in 1...options.maxIterations {
            s.linearTolerance = max(1e-15, min(1e-6, 3e-5 * previous))
            current.update(from: s.u, count: n)
            // Stationary FP by inverse iteration.
            s.assemble(step: 0, transposed: true)
            s.system.factorPreconditioner()
            for _ in 0..<100 {
                for q in 0..<n { rhs[q] = s.active[q] ? shift * m[q] : 0 }
                s.system.solve(rhs, s.work, tolerance: s.linearTolerance)
                var total = 0.0
                for q in 0..<n where s.active[q] { s.work[q] = max(s.work[q], 0); total += s.work[q] }
                var change = 0.0
                for q in 0..<n {
                    let v = s.active[q] ? s.work[q] / (total * area) : 0
                    change = max(change, abs(v - m[q]))
                    m[q] = v
                }
                if change <= 1e-14 * (m.max(count: n)) { break }
            }
            s.m.update(from: m, count: n)
            // HJB linearised at the policy: lambda from the stationary density, then u.
            s.evaluateCouplings(step: 0)
            s.assemble(step: 0, transposed: false)
            s.system.factorPreconditioner()
            var l = 0.0
            for q in 0..<n where s.active[q] {
                let r = 0.5 * (s.bx[q] * s.bx[q] + s.cx[q] * s.cx[q] + s.by[q] * s.by[q] + s.cy[q] * s.cy[q]) / s.weight[q] + s.cost[q]
                rhs[q] = r
                l += m[q] * r
            }
            s.lambda = l * area
            for _ in 0..<100 {
                for q in 0..<n { s.work[q] = s.active[q] ? rhs[q] - s.lambda + shift * s.u[q] : 0 }
                s.system.solve(s.work, s.u, tolerance: s.linearTolerance)
                var change = 0.0, mean = 0.0, cells = 0.0
                for q in 0..<n where s.active[q] { mean += s.u[q]; cells += 1 }
                mean /= cells
                for q in 0..<n where s.active[q] {
                    s.u[q] -= mean
                    change = max(change, abs(s.u[q] - current[q]))
                }
                // Stop the proximal iteration once u no longer moves at the solver's accuracy.
                var step = 0.0
                for q in 0..<n where s.active[q] { step = max(step, abs(s.work[q] - s.lambda)) }
                if change.isNaN { break }
                current.update(from: s.u, count: n)   // reused as the previous proximal iterate
                if change <= 1e-13 * (1 + step) { break }
            }
            // Both time levels equal: the residual is that of the stationary equations.
            (s.u + n).update(from: s.u, count: n)
            s.updatePolicy(step: 0, relaxation: options.policyRelaxation)
            let r = s.residuals()
            var minimum = Double.infinity
            for q in 0..<n where s.active[q] { minimum = min(minimum, m[q]) }
            let report = IterationReport(
                iteration: k, hjbResidual: r.hjb, fpResidual: r.fp, mass: 1, massDrift: 0, minDensity: minimum,
                seconds: MFGSolver.seconds(since: start))
            history.append(report)
            options.progress?(report)
            guard r.hjb.isFinite, r.fp.isFinite, s.lambda.isFinite else {
                throw MFGError.nonFinite(iteration: k, quantity: r.hjb.isFinite ? "the density m" : "the value function u",
                                         advice: "check that F is finite on the domain (log(m) needs m > 0)", history: history)
            }
            if report.residual <= options.tolerance { converged = true; break }
            previous = min(previous, report.residual)
        }
        let (ax, ay) = s.controls()
        return ErgodicSolution2D(
            x: s.x, y: s.y, u: Array(UnsafeBufferPointer(start: s.u, count: n)), m: Array(UnsafeBufferPointer(start: m, count: n)),
            controlX: Array(ax[0..<n]), controlY: Array(ay[0..<n]), active: s.active, lambda: s.lambda,
            converged: converged, history: history, seconds: MFGSolver.seconds(since: start))
    }
}

extension UnsafeMutablePointer where Pointee == Double {
    func max(count: Int) -> Double {
        var v = 0.0
        for i in 0..<count { v = Swift.max(v, self[i]) }
        return v
    }
}
