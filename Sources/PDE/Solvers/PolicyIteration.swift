import Foundation

/// Policy iteration (Cacace-Camilli-Goffi 2021; Lauriere-Song-Tang 2023 for non-separable H),
/// from the current policy (the zero policy at the start): the FP density of the policy, the HJB
/// linearised at the policy with the couplings of that density, the policy of the new u.
///
/// With `accelerated`, the map `u -> u'` of one sweep is accelerated by Anderson mixing (depth 8,
/// Walker-Ni), with a damping that halves whenever the residual grows and recovers while it falls:
/// plain policy iteration diverges for strong couplings (crowd-aversion-2d). The linear solves of a
/// sweep are only as accurate as the current residual needs (`3e-5` of it, between `1e-15` and `1e-6`).
final class PolicyIteration {
    let system: CoupledSystem
    let anderson: AndersonAcceleration?
    let current: UnsafeMutablePointer<Double>
    /// The density of the iterate with the smallest residual, and that residual; the residual of
    /// the first sweep.
    let best: UnsafeMutablePointer<Double>
    private(set) var bestResidual = Double.infinity
    private(set) var firstResidual = Double.nan

    init(_ system: CoupledSystem, accelerated: Bool) {
        self.system = system
        anderson = accelerated ? AndersonAcceleration(size: system.valueUnknowns, depth: 8) : nil
        current = .allocate(capacity: system.valueUnknowns)
        best = .allocate(capacity: system.unknowns)
        best.update(from: system.density, count: system.unknowns)
    }

    deinit {
        current.deallocate()
        best.deallocate()
    }

    /// Sweeps until convergence or the iteration budget; with `requiredRate`, stops (stalled) as
    /// soon as the second sweep's residual is twice the first's, two sweeps together fail to reduce
    /// the residual by `requiredRate^2` (from the third sweep on), or the residual grows tenfold past
    /// its best; near the tolerance (where round-off blurs the contraction), when five sweeps in a
    /// row bring no new best residual.
    func run(_ log: SolveLog, relaxation: Double, requiredRate: Double? = nil) throws -> PhaseOutcome {
        let n = system.valueUnknowns
        let value = system.value
        var theta = 1.0, ceiling = 1.0
        var previous = Double.infinity
        var residuals: [Double] = []
        var sweepsSinceBest = 0
        while log.remaining > 0 {
            if anderson != nil { current.update(from: value, count: n) }
            let accuracy = max(1e-15, min(1e-6, 3e-5 * previous))
            let r = try system.policyIterationSweep(relaxation: relaxation, accuracy: accuracy)
            let converged = try log.record(system, residuals: r)
            let residual = max(r.hjb, r.fp)
            if firstResidual.isNaN { firstResidual = residual }
            sweepsSinceBest += 1
            if residual < bestResidual {
                bestResidual = residual
                sweepsSinceBest = 0
                // Kept only when it will be used: a stalled run restarts from it only if it is
                // 1000 times below the first residual (AutomaticSolver).
                if requiredRate != nil && residual <= 1e-3 * firstResidual {
                    best.update(from: system.density, count: system.unknowns)
                }
            }
            if converged { return .converged }
            residuals.append(residual)
            if requiredRate != nil, residuals.count == 2, residuals[1] > 2 * residuals[0] {
                return .stalled(String(format: "policy iteration diverged (residual %.2e after %.2e)", residuals[1], residuals[0]))
            }
            if requiredRate != nil, sweepsSinceBest >= 5 {
                return .stalled(String(format: "policy iteration made no progress in 5 sweeps near the tolerance (residual %.2e, best %.2e)",
                                       residual, bestResidual))
            }
            // Near the tolerance the contraction is blurred by round-off: let it finish.
            if let rate = requiredRate, residuals.count >= 3, residual > 10 * log.options.tolerance {
                let k = residuals.count - 1
                let factor = residuals[k] / residuals[k - 2]
                if residual > 10 * bestResidual {
                    return .stalled(String(format: "policy iteration diverged (residual %.2e, best %.2e)", residual, bestResidual))
                }
                if factor > rate * rate {
                    return .stalled(String(format: "policy iteration contracted by only %.2f per sweep (residual %.2e)",
                                           factor.squareRoot(), residual))
                }
            }
            guard let anderson else { previous = min(previous, residual); continue }
            // A residual that grows resets the acceleration and damps the map x + theta (G(x) - x).
            if residual > 2 * previous {
                anderson.reset()
                ceiling = max(0.02, 0.7 * theta)
                theta = max(0.02, theta / 2)
            } else if residual < 0.9 * previous {
                ceiling = min(1, 1.1 * ceiling)
                theta = min(ceiling, 1.5 * theta)
            }
            previous = min(previous, residual)
            if theta < 1 {
                for i in 0..<n { value[i] = current[i] + theta * (value[i] - current[i]) }
            }
            anderson.step(x: current, g: value)
            value.update(from: current, count: n)
            system.updatePolicy()
        }
        return .exhausted
    }
}
