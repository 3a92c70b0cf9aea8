import Foundation

/// The default method, written against `CoupledSystem` once for every kind of problem:
///
/// 1. plain policy iteration, the cheapest per iteration, for as long as it contracts fast (two
///    sweeps reduce the residual at least 4-fold);
/// 2. otherwise Newton's method on the best-response residual: quadratic near the solution and,
///    under monotonicity, well defined everywhere. It starts from the initial density, unless policy
///    iteration got its residual 1000 times below that of its first sweep (then from its best iterate):
///    the iterates of a policy iteration that stalls early are poor starts (tiny densities under a
///    log coupling make the Newton system nearly singular);
/// 3. if a Newton line search stalls, 20 iterations of fictitious play (convergent for monotone
///    games, slowly), then Newton again.
///
/// Every switch is decided by the residuals alone and recorded, with its reason, in the phases.
enum AutomaticSolver {
    static func run(_ system: CoupledSystem, log: SolveLog) throws -> PhaseOutcome {
        log.begin(.policyIteration, reason: "start: policy iteration, the cheapest method while it contracts fast")
        let initial = Array(UnsafeBufferPointer(start: system.density, count: system.unknowns))
        let pi = PolicyIteration(system, accelerated: false)
        var outcome = try pi.run(log, relaxation: log.options.policyRelaxation, requiredRate: 0.5)
        guard case let .stalled(reason) = outcome else { return outcome }
        var why = reason
        if pi.bestResidual <= 1e-3 * pi.firstResidual {
            system.density.update(from: pi.best, count: system.unknowns)
            why += "; Newton from the best policy-iteration density"
        } else {
            system.density.update(from: initial, count: system.unknowns)
            system.resetValue()
            why += "; Newton from the initial density"
        }
        let newton = BestResponseNewton(system)
        let fallback = FixedPointIteration(system)
        while true {
            log.begin(.newton, reason: why)
            outcome = try newton.run(log)
            guard case let .stalled(stall) = outcome else { return outcome }
            log.begin(.fixedPoint, reason: "Newton stalled: \(stall); 20 iterations of fictitious play")
            outcome = try fallback.run(log, damping: 0, limit: 20)
            guard case .stalled = outcome else { return outcome }
            why = "Newton again after fictitious play"
        }
    }
}
