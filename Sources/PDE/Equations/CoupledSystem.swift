/// A discrete MFG system as the coupled solvers see it, whatever its dimension and whether it is
/// time-dependent or ergodic: the density unknowns, the best response and its derivative, a
/// policy-iteration sweep, and the residuals. The solvers (`Solvers/`) are written once against it.
///
/// The reduced form: for a density `m` (the unknown levels), `Phi(m)` is the Fokker-Planck density
/// of the best response to `m` (the HJB equation solved exactly at frozen `m`), and the equilibrium
/// is the fixed point `R(m) = m - Phi(m) = 0`. Under the Lasry-Lions monotonicity `dR/dm = I - dPhi`
/// has its eigenvalues in `[1, infinity)` (it is similar to the identity plus a positive
/// semidefinite matrix), so Newton's method on `R` is well defined everywhere.
protocol CoupledSystem: AnyObject {
    /// Number of density unknowns.
    var unknowns: Int { get }
    /// The density unknowns, contiguous: levels 1 ... Nt of m (time-dependent) or m itself (ergodic).
    var density: UnsafeMutablePointer<Double> { get }
    /// The number of time levels among the unknowns (Nt, or 1 for an ergodic problem); each holds
    /// `unknowns / densityLevels` values and its own mass.
    var densityLevels: Int { get }
    /// The weight `sqrt(h dt)` (or `sqrt(hx hy dt)`, `sqrt(h)`) that turns the Euclidean norm of a
    /// vector of unknowns into the residual norm of `IterationReport`.
    var normWeight: Double { get }

    /// Solves for the best response to the current density (u and the policy are left in the
    /// system) and its Fokker-Planck density `Phi(m)` (in `response`); linear solves to relative
    /// `accuracy` where they are iterative. Prepares `responseDerivative` at this point.
    func bestResponse(accuracy: Double) throws

    /// Time steps (1 for a stationary problem) whose HJB iteration stopped at its limit in the last
    /// best response; reported with every iterate.
    var unconvergedSteps: Int { get }

    /// `Phi(m)` of the last best response, `unknowns` values laid out like `density`.
    var response: UnsafeMutablePointer<Double> { get }

    /// `out = dPhi v` at the last best response (linearised HJB backward, linearised FP forward),
    /// linear solves to relative `accuracy`.
    func responseDerivative(_ v: UnsafePointer<Double>, into out: UnsafeMutablePointer<Double>, accuracy: Double)

    /// The value unknowns (u at the levels the policy is computed from), for the Anderson
    /// acceleration of policy iteration.
    var valueUnknowns: Int { get }
    var value: UnsafeMutablePointer<Double> { get }

    /// One policy-iteration sweep from the current policy: the FP density of the policy, the HJB
    /// linearised at the policy with the couplings of that density, then the new policy of `u`
    /// (averaged with weight `relaxation` when it is below 1); linear solves to relative `accuracy`
    /// where they are iterative. Returns the residuals of the result.
    func policyIterationSweep(relaxation: Double, accuracy: Double) throws -> (hjb: Double, fp: Double)

    /// Sets the policy to the optimal one of the current `value` (after `value` was changed).
    func updatePolicy()

    /// Forgets the value function (the next best response starts cold), after a method whose
    /// iterates are no good start.
    func resetValue()

    /// The discrete HJB and FP residuals `sqrt(cell) |r|_2` of the current `(u, m)`.
    func residuals() -> (hjb: Double, fp: Double)

    /// Mass of the last level, the largest relative mass drift, the smallest density.
    func massDiagnostics() -> (mass: Double, drift: Double, minimum: Double)

    /// Sets the policy of every step to a given feedback velocity and computes its Fokker-Planck
    /// density into `density` (the population of agents that follow it, `m^a`). `control[k]` is
    /// the component along axis k, laid out like `Equilibrium.control` (row n drives FP step n);
    /// the upwind split is `b = -max(a, 0)`, `c = -min(a, 0)`, so that `-(b + c) = a`.
    func followControl(_ control: [[Double]]) throws

    /// The current state as a result value.
    func equilibrium(
        method: SolverMethod, converged: Bool, history: [IterationReport], phases: [SolverPhase], seconds: Double
    ) -> Equilibrium
}
