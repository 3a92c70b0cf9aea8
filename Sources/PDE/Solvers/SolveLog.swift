import Foundation

/// The record of a solve: one report per iteration (with progress and the non-finite check), the
/// phases, and the iteration budget. Every method writes its iterations here, whatever the system.
final class SolveLog {
    let options: SolverOptions
    let start = ContinuousClock.now
    private(set) var history: [IterationReport] = []
    private(set) var phases: [SolverPhase] = []

    init(options: SolverOptions) { self.options = options }

    /// Iterations left before `maxIterations`.
    var remaining: Int { options.maxIterations - history.count }
    var last: IterationReport? { history.last }
    var seconds: Double { Self.seconds(since: start) }

    static func seconds(since start: ContinuousClock.Instant) -> Double {
        let d = ContinuousClock.now - start
        return Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
    }

    /// Starts a phase (recorded only when the method changes).
    func begin(_ method: SolverMethod, reason: String) {
        if phases.last?.method == method.rawValue { return }
        phases.append(SolverPhase(method: method.rawValue, firstIteration: history.count + 1, reason: reason))
    }

    /// Records the current iterate of `system` and tells whether it meets the tolerance. Throws
    /// `MFGError.nonFinite` (with the history so far) when a residual or the mass is not finite.
    func record(
        _ system: CoupledSystem, residuals r: (hjb: Double, fp: Double), krylovProducts: Int? = nil,
        stepLength: Double? = nil
    ) throws -> Bool {
        let (mass, drift, minimum) = system.massDiagnostics()
        let report = IterationReport(
            iteration: history.count + 1, phase: phases.last?.method ?? options.method.rawValue,
            hjbResidual: r.hjb, fpResidual: r.fp, mass: mass, massDrift: drift, minDensity: minimum,
            seconds: seconds, krylovProducts: krylovProducts, stepLength: stepLength,
            unconvergedHJBSteps: system.unconvergedSteps > 0 ? system.unconvergedSteps : nil)
        history.append(report)
        options.progress?(report)
        guard r.hjb.isFinite, r.fp.isFinite, mass.isFinite else {
            let what = !r.hjb.isFinite ? "the value function u" : "the density m"
            throw MFGError.nonFinite(
                iteration: report.iteration, quantity: what,
                advice: "check that F, G and m0 are finite on the domain (log(m) needs m > 0), "
                    + "or refine the time grid (larger nt)", history: history)
        }
        return report.residual <= options.tolerance
    }

    /// The non-finite error for a failure outside `record` (a best response that diverged).
    func nonFinite(_ quantity: String, advice: String) -> MFGError {
        .nonFinite(iteration: history.count + 1, quantity: quantity, advice: advice, history: history)
    }
}

/// How a phase ended.
enum PhaseOutcome: Equatable {
    /// The tolerance is met.
    case converged
    /// The iteration budget is spent.
    case exhausted
    /// The method stopped making progress, for this reason.
    case stalled(String)
    /// The residuals reached their round-off floor on this grid: no tolerance below `floor` can be
    /// met in double precision (the reason says how it was detected).
    case roundOffFloor(Double, String)
}
