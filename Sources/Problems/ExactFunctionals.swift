import Foundation
import PDE

/// The exact values of the `Functionals` of a problem with an `[exact]` section, by quadrature of
/// the closed-form fields (to check error estimates against the truth).
///
/// - `lambda`: the file's `[exact] lambda`;
/// - `mean_final`, `variance_final` (per axis in 2D): moments of the exact density at the horizon
///   (the stationary density of an ergodic problem);
/// - `value_at_start`: `int u*(0) m*(0)` (time-dependent, with an exact value);
/// - `social_cost` (1D, with exact density and control): `int_0^T int (L(a*) + F + V) m* dx dt +
///   int G m*(T) dx`, and for an ergodic problem `int (L(a*) + F + V) m* dx`.
/// Space integrals use the midpoint rule on 4000 cells per axis (spectrally accurate for the
/// periodic and Gaussian densities of the catalogue); time integrals Simpson's rule on 400
/// intervals: their errors are far below the scheme's at any grid it can solve.
public enum ExactFunctionals {
    public static func values(_ file: ProblemFile) -> [String: Double] {
        let exact = file.exact, model = file.model
        var out: [String: Double] = [:]
        if let l = exact.lambda { out["lambda"] = l }
        guard let density = exact.density else { return out }
        let domain = model.domain
        let cells = model.dimension == 1 ? 4000 : 400
        let axes = domain.map { d in (0..<cells).map { d.lower + (Double($0) + 0.5) * (d.upper - d.lower) / Double(cells) } }
        let volume = domain.map { ($0.upper - $0.lower) / Double(cells) }.reduce(1, *)
        let horizon = model.horizon ?? 0
        // Moments of the density at the horizon.
        var mass = 0.0, first = [0.0, 0.0], second = [0.0, 0.0]
        if model.dimension == 1 {
            for x in axes[0] {
                let m = density.value(x: x, t: horizon)
                mass += m; first[0] += x * m; second[0] += x * x * m
            }
        } else {
            for x in axes[0] { for y in axes[1] {
                let m = density.value(x: x, y: y, t: horizon)
                mass += m; first[0] += x * m; second[0] += x * x * m; first[1] += y * m; second[1] += y * y * m
            } }
        }
        let means = (0..<model.dimension).map { first[$0] / mass }
        let variances = (0..<model.dimension).map { second[$0] / mass - means[$0] * means[$0] }
        if model.dimension == 1 {
            out["mean_final"] = means[0]
            out["variance_final"] = variances[0]
        } else {
            out["mean_final_x"] = means[0]; out["mean_final_y"] = means[1]
            out["variance_final_x"] = variances[0]; out["variance_final_y"] = variances[1]
        }
        // The value at the start, int u*(0) m*(0) (time-dependent problems with an exact value).
        if let value = exact.value, !model.isErgodic {
            var sum = 0.0
            if model.dimension == 1 {
                for x in axes[0] { sum += value.value(x: x, t: 0) * density.value(x: x, t: 0) }
            } else {
                for x in axes[0] { for y in axes[1] { sum += value.value(x: x, y: y, t: 0) * density.value(x: x, y: y, t: 0) } }
            }
            out["value_at_start"] = sum * volume
        }
        // The population's cost (1D).
        guard case let .oneD(p) = model, let control = exact.control else { return out }
        let h = volume
        func running(_ t: Double) -> Double {
            let m = axes[0].map { density.value(x: $0, t: t) }
            let mean = zip(axes[0], m).reduce(0) { $0 + $1.0 * $1.1 } * h
            var sum = 0.0
            for (i, x) in axes[0].enumerated() {
                let a = control.value(x: x, t: t)
                let cost = p.hamiltonian.lagrangian(speedSquared: a * a, density: m[i])
                    + p.coupling.value(t, x, m[i], mean) + (p.potential?(x) ?? 0)
                sum += cost * m[i]
            }
            return sum * h
        }
        if p.isErgodic {
            out["social_cost"] = running(0)
        } else {
            let intervals = 400, dt = horizon / Double(intervals)
            var integral = 0.0
            for k in 0...intervals {
                let w: Double = k == 0 || k == intervals ? 1 : (k % 2 == 1 ? 4 : 2)
                integral += w * running(Double(k) * dt)
            }
            integral *= dt / 3
            let m = axes[0].map { density.value(x: $0, t: horizon) }
            let mean = zip(axes[0], m).reduce(0) { $0 + $1.0 * $1.1 } * h
            for (i, x) in axes[0].enumerated() { integral += p.terminalCost.value(horizon, x, m[i], mean) * m[i] * h }
            out["social_cost"] = integral
        }
        return out
    }
}
