import Foundation

/// How the coupled HJB / FP system is iterated to the equilibrium.
public enum SolverMethod: String, Sendable, CaseIterable, Codable {
    /// Policy iteration (Cacace-Camilli-Goffi 2021; Lauriere-Song-Tang for non-separable H):
    /// FP with the current policy, the HJB linearised at that policy, then the policy update.
    case policyIteration = "policy-iteration"
    /// Newton's method on the whole forward-backward system (Achdou and Capuzzo-Dolcetta 2010),
    /// one banded LU solve (LAPACK `dgbsv`) per iteration, with a backtracking line search.
    case newton
    /// Damped fixed point `m <- (1 - d) m + d FP(HJB(m))`; `damping = 0` means fictitious play,
    /// `d_k = 1 / (k + 1)` (Cardaliaguet-Hadikhanloo 2017).
    case fixedPoint = "fixed-point"
}

/// Settings of a solve.
public struct SolverOptions: Sendable {
    public var method: SolverMethod
    /// Converged when both the HJB and the FP residual are at most this.
    public var tolerance: Double
    public var maxIterations: Int
    /// Fixed point only: the damping `d` in (0, 1]; 0 selects fictitious play.
    public var damping: Double
    /// Ergodic policy iteration: weight of the new policy in each update, in (0, 1]; below 1 the
    /// policies are averaged (smoothed policy iteration), which is slower but robust for strong couplings.
    public var policyRelaxation: Double = 1
    /// Newton only: largest memory, in bytes, the banded Jacobian may take.
    public var newtonMemoryLimit: Int
    /// Called after every iteration (progress on long runs).
    public var progress: (@Sendable (IterationReport) -> Void)?

    public init(
        method: SolverMethod = .policyIteration, tolerance: Double = 1e-10, maxIterations: Int = 200,
        damping: Double = 0.5, newtonMemoryLimit: Int = 4 << 30,
        progress: (@Sendable (IterationReport) -> Void)? = nil
    ) {
        self.method = method
        self.tolerance = tolerance
        self.maxIterations = maxIterations
        self.damping = damping
        self.newtonMemoryLimit = newtonMemoryLimit
        self.progress = progress
    }

    func validate() throws {
        guard tolerance.isFinite, tolerance > 0 else {
            throw MFGError.invalidParameter(
                field: "tolerance", value: "\(tolerance)", fix: "the tolerance must be a positive number such as 1e-10")
        }
        guard maxIterations >= 1 else {
            throw MFGError.invalidParameter(
                field: "max-iterations", value: "\(maxIterations)", fix: "allow at least 1 iteration")
        }
        guard policyRelaxation.isFinite, policyRelaxation > 0, policyRelaxation <= 1 else {
            throw MFGError.invalidParameter(
                field: "relaxation", value: "\(policyRelaxation)", fix: "the policy relaxation must lie in (0, 1]")
        }
        guard damping.isFinite, damping >= 0, damping <= 1 else {
            throw MFGError.invalidParameter(
                field: "damping", value: "\(damping)",
                fix: "the damping must lie in (0, 1], or be 0 for fictitious play")
        }
    }
}

/// Diagnostics of one iteration of a coupled solver.
public struct IterationReport: Sendable, Codable, Equatable {
    public var iteration: Int
    /// `sqrt(h dt) |r|_2` of the discrete HJB equations.
    public var hjbResidual: Double
    /// `sqrt(h dt) |r|_2` of the discrete FP equations.
    public var fpResidual: Double
    /// `sum_i h m^Nt_i`.
    public var mass: Double
    /// Largest relative deviation of the mass from that of `m0`, over all time levels. With exits,
    /// where mass leaves, the largest relative increase from one level to the next (it must be <= 0
    /// up to round-off).
    public var massDrift: Double
    /// Smallest density value over all time levels.
    public var minDensity: Double
    /// Wall-clock seconds since the solve started.
    public var seconds: Double

    public var residual: Double { max(hjbResidual, fpResidual) }
}

/// An equilibrium of the discrete system, with how it was reached.
///
/// `u`, `m`, `control` are row-major `[Nt + 1][Nx]`: row `n` is time `t_n = n dt`.
/// `m` is a density (`sum_i h m^n_i = 1`). `control[n][i] = -(dg/dq1 + dg/dq2)` is the
/// feedback velocity used in FP step `n -> n+1` (row Nt: the one of `u^Nt`).
public struct MFGSolution: Sendable {
    public let x: [Double]
    public let t: [Double]
    public let u: [Double]
    public let m: [Double]
    public let control: [Double]
    public let method: SolverMethod
    public let converged: Bool
    public let history: [IterationReport]
    public let seconds: Double

    public var nx: Int { x.count }
    public var nt: Int { t.count - 1 }
    public var iterations: Int { history.count }
    public var final: IterationReport? { history.last }

    /// Row `n` of a `[Nt + 1][Nx]` array.
    public func row(_ array: [Double], _ n: Int) -> ArraySlice<Double> {
        array[(n * nx)..<((n + 1) * nx)]
    }
}
