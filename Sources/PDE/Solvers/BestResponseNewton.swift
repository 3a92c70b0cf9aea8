import Foundation

/// Newton's method on the best-response residual `R(m) = m - Phi(m)` (see `CoupledSystem`):
///
///     (I - dPhi(m_k)) d_k = -R(m_k)           by GMRES, to the relative tolerance eta_k
///     m_{k+1} = max(m_k + t d_k, m_k / 100)   t = 1, 1/2, ... until |R| decreases (Armijo)
///
/// Each GMRES product is one linearised backward (HJB) and one forward (FP) sweep. The forcing
/// terms `eta_k` follow Eisenstat-Walker (choice 2), never below what the tolerance needs; the
/// inner linear solves of a product are accurate to `0.1 eta_k / rho` (rho: GMRES's current
/// relative residual; inexact Krylov, Simoncini-Szyld), at most 1e-2, those of the best response
/// to `min(1e-6, 1e-6 |R|, 1e-4 |R|^2)`, at least 1e-14 (the residual must be exact to well below
/// the next one for superlinear convergence).
/// Under monotonicity `I - dPhi` is nonsingular everywhere and the direction is one of descent
/// for `|R|^2`; the line search makes the method converge from the initial density in practice.
/// The floor `m_k / 100` keeps densities positive (log couplings) without blocking the step.
final class BestResponseNewton {
    let system: CoupledSystem
    let size: Int
    let residual, step, base: UnsafeMutablePointer<Double>
    let gmres: GMRES
    private let workspace: Workspace
    /// |R| (weighted) at the current density, with the best response of the current density in
    /// the system, or nil before the first evaluation.
    private(set) var norm: Double?
    /// The GMRES budget of one Newton step.
    static let maxProducts = 150

    init(_ system: CoupledSystem) {
        self.system = system
        let size = system.unknowns
        self.size = size
        let workspace = Workspace()
        residual = workspace.make(size); step = workspace.make(size); base = workspace.make(size)
        self.workspace = workspace
        // The Krylov basis takes at most 512 MB (restart 40, but at least 10).
        gmres = GMRES(size: size, restart: max(10, min(40, (1 << 26) / max(size, 1))))
    }


    /// Best response to the current density and `|R|`; nil when it is not finite.
    func evaluate(accuracy: Double) -> Double? {
        do { try system.bestResponse(accuracy: accuracy) } catch { return nil }
        let m = system.density, image = system.response
        var sum = 0.0
        for k in 0..<size {
            let r = m[k] - image[k]
            residual[k] = r
            sum += r * r
        }
        let value = system.normWeight * sum.squareRoot()
        return value.isFinite ? value : nil
    }

    /// Sets the density to `base + t step`, floored at `base / 100` where the step would cut deeper
    /// (densities stay positive: log couplings), each level then rescaled to the mass of the
    /// unfloored step (the exact Newton step keeps every level's mass).
    func move(to t: Double) {
        let m = system.density
        let levels = system.densityLevels, width = size / levels
        for level in 0..<levels {
            let start = level * width
            var target = 0.0, floored = 0.0
            for k in start..<(start + width) {
                let value = base[k] + t * step[k]
                target += value
                let v = max(value, 0.01 * base[k])
                m[k] = v
                floored += v
            }
            if floored > target, target > 0 {
                let scale = target / floored
                for k in start..<(start + width) { m[k] *= scale }
            }
        }
    }

    /// Runs Newton steps from the current density until convergence, the iteration budget, or a
    /// stall. The first iterate recorded is the best response to the current density.
    func run(_ log: SolveLog) throws -> PhaseOutcome {
        let tolerance = log.options.tolerance
        guard let start = evaluate(accuracy: 1e-10) else {
            throw log.nonFinite("the best response to the starting density",
                                advice: "check that F, G and m0 are finite on the domain (log(m) needs m > 0)")
        }
        var current = start
        norm = current
        var products: Int? = nil, length: Double? = nil
        var previous = Double.nan, eta = 0.5
        while true {
            var r = system.residuals()
            if max(r.hjb, r.fp) <= tolerance {
                // Converged: keep the FP density of the best response, whose mass balance is exact
                // (the iterate's is only as good as the residual), if it meets the tolerance too.
                base.update(from: system.density, count: size)
                system.density.update(from: system.response, count: size)
                let polished = system.residuals()
                if max(polished.hjb, polished.fp) <= tolerance {
                    _ = try log.record(system, residuals: polished, krylovProducts: products, stepLength: length)
                    return .converged
                }
                system.density.update(from: base, count: size)
                r = system.residuals()
            }
            if try log.record(system, residuals: r, krylovProducts: products, stepLength: length) { return .converged }
            guard log.remaining > 0 else { return .exhausted }
            // Forcing term: Eisenstat-Walker choice 2 with its safeguard, but no tighter than a third
            // of the last step's reduction (the upwind switches make Newton superlinear rather than
            // quadratic: solving the linear system further is wasted), nor than what brings |R| to
            // a tenth of the size that meets the tolerance (the residual is about `ratio` |R| here).
            if previous.isFinite {
                let reduction = current / previous
                var next = 0.9 * reduction * reduction
                if 0.9 * eta * eta > 0.1 { next = max(next, 0.9 * eta * eta) }
                eta = max(next, 0.3 * reduction)
            }
            let ratio = max(r.fp, r.hjb) / max(current, 1e-300)
            let needed = 0.1 * tolerance / max(ratio * current, 1e-300)
            eta = min(0.5, max(eta, needed, 1e-8))
            // GMRES on (I - dPhi) d = -R.
            for k in 0..<size { residual[k] = -residual[k] }
            let system = self.system
            let outcome = gmres.solve(residual, into: step, tolerance: eta, maxIterations: Self.maxProducts) { v, out, rho in
                // Inner solves to eta/10 at first, looser as GMRES converges (at most 1e-2).
                let inner = max(1e-14, min(1e-2, 0.1 * eta / max(rho, eta)))
                system.responseDerivative(v, into: out, accuracy: inner)
                for k in 0..<self.size { out[k] = v[k] - out[k] }
            }
            guard outcome.relativeResidual < 1 else {
                return .stalled("GMRES made no progress on the Newton system in \(outcome.iterations) products")
            }
            // Backtracking line search on |R|.
            let m = system.density
            base.update(from: m, count: size)
            var t = 1.0, accepted: Double? = nil
            let accuracy = max(1e-14, min(1e-6, min(1e-6 * current, 1e-4 * current * current)))
            for _ in 0..<8 {
                move(to: t)
                if let trial = evaluate(accuracy: accuracy), trial <= (1 - 1e-4 * t) * current {
                    accepted = trial
                    break
                }
                t *= 0.5
            }
            guard let value = accepted else {
                m.update(from: base, count: size)
                guard let restored = evaluate(accuracy: accuracy) else {
                    throw log.nonFinite("the best response", advice: "the best response to a density that was finite before diverged")
                }
                norm = restored
                var size = 0.0
                for k in 0..<self.size { size += base[k] * base[k] }
                size = system.normWeight * size.squareRoot()
                // |R| at round-off (1e-11 of |m|): the residuals are at their floor on this grid and no
                // method can lower them.
                if current <= 1e-11 * size {
                    let floor = 2 * max(r.hjb, r.fp)
                    return .roundOffFloor(floor, String(format: "the residuals are at their round-off floor on this grid "
                                                        + "(|m - Phi(m)| = %.1e of |m|); ask for a tolerance above %.1e",
                                                        current / size, floor))
                }
                return .stalled(String(format: "no decrease of |m - Phi(m)| = %.3e along the Newton direction (step 1/128 tried)", current))
            }
            previous = current
            current = value
            norm = value
            products = outcome.iterations
            length = t
        }
    }
}

