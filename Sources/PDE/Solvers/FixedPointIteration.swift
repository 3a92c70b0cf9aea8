import Foundation

/// The damped fixed point on the density, `m <- (1 - d) m + d Phi(m)` with `Phi(m)` the FP density
/// of the best response to `m`; `d_k = 1 / (k + 1)` is fictitious play (Cardaliaguet-Hadikhanloo
/// 2017), which converges for monotone potential games, slowly (the exploitability like 1/k).
/// Each iterate recorded is the best response to the averaged density.
final class FixedPointIteration {
    let system: CoupledSystem

    init(_ system: CoupledSystem) { self.system = system }

    /// `damping` 0 is fictitious play; `limit` caps the iterations of this phase.
    func run(_ log: SolveLog, damping: Double, limit: Int = .max) throws -> PhaseOutcome {
        let n = system.unknowns
        let m = system.density
        var k = 1
        while log.remaining > 0 && k <= limit {
            do { try system.bestResponse(accuracy: 1e-12) } catch {
                throw log.nonFinite("the best response to the averaged density",
                                    advice: "check that F and G are finite on the domain (log(m) needs m > 0)")
            }
            if try log.record(system, residuals: system.residuals()) { return .converged }
            let d = damping > 0 ? damping : 1 / Double(k + 1)
            let image = system.response
            for j in 0..<n { m[j] = (1 - d) * m[j] + d * image[j] }
            k += 1
        }
        return log.remaining > 0 ? .stalled("fixed point: \(limit) iterations") : .exhausted
    }
}
