import Foundation

/// The 1D linear-quadratic MFG in closed form (notes 2a): `dX = a dt + sigma dW`, `nu = sigma^2/2`,
/// cost `E[int_0^T (a^2/2 + q/2 (X - s mean_t)^2) dt + c/2 (X_T - sT mean_T)^2]`.
///
/// `u = eta(t) x^2 / 2 + psi(t) x + chi(t)`, `m(t) = N(mean(t), variance(t))`, feedback
/// `a*(t, x) = -(eta x + psi)`. Requires `q > 0`, `s < 1`.
///
/// The social optimum (`objective: .social`, mean-field control) solves the MFG whose costs gain
/// `-q s (1 - s) mean x` and `-c sT (1 - sT) mean x` (`SocialCosts`): `eta` and the variance are
/// unchanged, `psi' = eta psi + q s (2 - s) mean`, and the mean solves `mean'' = q (1 - s)^2 mean`
/// with `mean'(T) = -c (1 - sT)^2 mean(T)` (the equilibrium: `q (1 - s)` and `c (1 - sT)`).
public struct LinearQuadraticSolution: Sendable {
    public let q, c, s, sT, nu, T, mean0, var0: Double
    public let objective: Objective

    public init(q: Double, c: Double, s: Double, sT: Double, nu: Double, T: Double, mean0: Double, var0: Double,
                objective: Objective = .nash) throws {
        self.objective = objective
        guard q > 0 else { throw MFGError.invalidParameter(field: "q", value: "\(q)", fix: "q must be > 0") }
        guard s < 1 else { throw MFGError.invalidParameter(field: "s", value: "\(s)", fix: "s must be < 1") }
        guard c >= 0, nu >= 0, T > 0, var0 > 0 else {
            throw MFGError.invalidParameter(
                field: "c, nu, T, var0", value: "\(c), \(nu), \(T), \(var0)", fix: "need c >= 0, nu >= 0, T > 0, var0 > 0")
        }
        self.q = q; self.c = c; self.s = s; self.sT = sT; self.nu = nu; self.T = T
        self.mean0 = mean0; self.var0 = var0
    }

    private var a: Double { q.squareRoot() }
    /// The rate of the mean, `mean'' = k^2 mean`.
    private var k: Double { objective == .nash ? (q * (1 - s)).squareRoot() : q.squareRoot() * (1 - s) }
    private var bCoef: Double { objective == .nash ? c * (1 - sT) / k : c * (1 - sT) * (1 - sT) / k }

    /// Riccati coefficient, `eta' = eta^2 - q`, `eta(T) = c`.
    public func eta(_ t: Double) -> Double {
        let tau = T - t
        let th = tanh(a * tau)
        return a * (c + a * th) / (a + c * th)
    }

    private func meanDenominator() -> Double { cosh(k * T) + bCoef * sinh(k * T) }

    /// Population mean.
    public func mean(_ t: Double) -> Double {
        let tau = T - t
        return mean0 * (cosh(k * tau) + bCoef * sinh(k * tau)) / meanDenominator()
    }

    /// d mean / dt.
    public func meanDerivative(_ t: Double) -> Double {
        let tau = T - t
        return -mean0 * k * (sinh(k * tau) + bCoef * cosh(k * tau)) / meanDenominator()
    }

    /// Linear coefficient of u: `psi = -mean' - eta mean`.
    public func psi(_ t: Double) -> Double { -meanDerivative(t) - eta(t) * mean(t) }

    private func w(_ tau: Double) -> Double { a * cosh(a * tau) + c * sinh(a * tau) }

    /// Population variance.
    public func variance(_ t: Double) -> Double {
        let tau = T - t
        let wT = w(T), wt = w(tau)
        return wt * wt * (var0 / (wT * wT) + (2 * nu / (a * a)) * (sinh(a * T) / wT - sinh(a * tau) / wt))
    }

    /// Equilibrium feedback `a*(t, x) = -(eta x + psi)`.
    public func control(_ t: Double, _ x: Double) -> Double { -(eta(t) * x + psi(t)) }

    /// Density of `N(mean(t), variance(t))` at x.
    public func density(_ t: Double, _ x: Double) -> Double {
        let v = variance(t), d = x - mean(t)
        return exp(-d * d / (2 * v)) / (2 * Double.pi * v).squareRoot()
    }
}
