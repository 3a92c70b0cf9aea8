import Foundation

/// How the coupled HJB / FP system is iterated to the equilibrium.
public enum SolverMethod: String, Sendable, CaseIterable, Codable {
    /// The default: policy iteration while it contracts fast, Newton's method on the best response
    /// otherwise, fictitious play when a Newton line search stalls; every switch decided by the
    /// residuals and recorded in `Equilibrium.phases`.
    case auto
    /// Newton's method on the best-response residual `R(m) = m - Phi(m)` (Newton-Krylov: GMRES on
    /// `I - dPhi`, each product one linearised backward HJB and one forward FP sweep), with a
    /// backtracking line search. Quadratic near the solution.
    case newton
    /// Policy iteration (Cacace-Camilli-Goffi 2021; Lauriere-Song-Tang for non-separable H): FP
    /// with the current policy, the HJB linearised at that policy, the policy update; the map on u
    /// accelerated by Anderson mixing with adaptive damping.
    case policyIteration = "policy-iteration"
    /// Damped fixed point `m <- (1 - d) m + d Phi(m)`; `damping = 0` means fictitious play,
    /// `d_k = 1 / (k + 1)` (Cardaliaguet-Hadikhanloo 2017).
    case fixedPoint = "fixed-point"
}

/// Settings of a solve.
public struct SolverOptions: Sendable {
    public var method: SolverMethod
    /// Converged when both the HJB and the FP residual are at most this.
    public var tolerance: Double
    /// Largest number of iterations (Newton steps, policy-iteration sweeps, fixed-point steps).
    public var maxIterations: Int
    /// Fixed point only: the damping `d` in (0, 1]; 0 selects fictitious play.
    public var damping: Double
    /// Policy iteration: weight of the new policy in each update, in (0, 1]; below 1 the policies
    /// are averaged (smoothed policy iteration).
    public var policyRelaxation: Double
    /// Called after every iteration (progress on long runs).
    public var progress: (@Sendable (IterationReport) -> Void)?
    /// Also solve on the grids of steps 2h and 4h and attach an `ErrorEstimate` (the coarse solves
    /// run beside the requested one, on a second thread).
    public var errorEstimate = false

    public init(
        method: SolverMethod = .auto, tolerance: Double = 1e-10, maxIterations: Int = 200,
        damping: Double = 0.5, policyRelaxation: Double = 1,
        progress: (@Sendable (IterationReport) -> Void)? = nil
    ) {
        self.method = method
        self.tolerance = tolerance
        self.maxIterations = maxIterations
        self.damping = damping
        self.policyRelaxation = policyRelaxation
        self.progress = progress
    }

    /// The same settings without progress reports or an error estimate (for the extra solves of
    /// an estimate or a comparison).
    public var silent: SolverOptions {
        var o = self
        o.progress = nil
        o.errorEstimate = false
        return o
    }

    func validate() throws {
        guard tolerance.isFinite, tolerance > 0 else {
            throw MFGError.invalidParameter(
                field: "tolerance", value: "\(tolerance)", fix: "the tolerance must be a positive number such as 1e-10")
        }
        guard maxIterations >= 1, maxIterations <= 1_000_000 else {
            throw MFGError.invalidParameter(
                field: "max-iterations", value: "\(maxIterations)", fix: "allow between 1 and 1,000,000 iterations")
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
    /// The method that produced this iterate: "policy-iteration", "newton" or "fixed-point".
    public var phase: String
    /// `sqrt(h dt) |r|_2` of the discrete HJB equations.
    public var hjbResidual: Double
    /// `sqrt(h dt) |r|_2` of the discrete FP equations.
    public var fpResidual: Double
    /// Mass of the last level, `sum_i h m^Nt_i`.
    public var mass: Double
    /// Largest relative deviation of the mass from that of `m0`, over all time levels. With exits,
    /// where mass leaves, the largest relative error of "mass + outflow so far" (round-off).
    public var massDrift: Double
    /// Smallest density value over all time levels.
    public var minDensity: Double
    /// Wall-clock seconds since the solve started.
    public var seconds: Double
    /// Newton: GMRES products (linearised sweep pairs) spent on the step that led here.
    public var krylovProducts: Int?
    /// Newton: the accepted line-search step length.
    public var stepLength: Double?
    /// Time steps whose HJB iteration (Howard's, at frozen density) stopped at its limit of 100
    /// iterations in the best response behind this iterate (nil: none).
    public var unconvergedHJBSteps: Int?

    public init(
        iteration: Int, phase: String, hjbResidual: Double, fpResidual: Double, mass: Double, massDrift: Double,
        minDensity: Double, seconds: Double, krylovProducts: Int? = nil, stepLength: Double? = nil,
        unconvergedHJBSteps: Int? = nil
    ) {
        self.unconvergedHJBSteps = unconvergedHJBSteps
        self.iteration = iteration
        self.phase = phase
        self.hjbResidual = hjbResidual
        self.fpResidual = fpResidual
        self.mass = mass
        self.massDrift = massDrift
        self.minDensity = minDensity
        self.seconds = seconds
        self.krylovProducts = krylovProducts
        self.stepLength = stepLength
    }

    public var residual: Double { max(hjbResidual, fpResidual) }
}

/// A stretch of iterations done by one method, and why the solver moved to it.
public struct SolverPhase: Sendable, Codable, Equatable {
    /// "policy-iteration", "newton" or "fixed-point".
    public var method: String
    /// First iteration of the phase (1-based).
    public var firstIteration: Int
    /// Why this phase began.
    public var reason: String
}
