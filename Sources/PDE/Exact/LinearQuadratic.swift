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

    /// The exploitability of a linear feedback `a = -(k(t) x + l(t))` in closed form (ODEs).
    ///
    /// If every agent uses it, the population stays Gaussian: `mean' = -(k mean + l)`,
    /// `var' = -2 k var + 2 nu`, and each pays
    /// `J = int (k^2 var + (k mean + l)^2)/2 + q/2 (var + (1 - s)^2 mean^2) dt + c/2 (var_T + (1 - sT)^2 mean_T^2)`.
    /// One agent's best response to that mean path has the value `eta x^2/2 + psi x + chi` with the
    /// equilibrium's Riccati `eta`, `psi' = eta psi + q s mean`, `psi(T) = -c sT mean_T`,
    /// `chi' = psi^2/2 - nu eta - q s^2 mean^2/2`, `chi(T) = c sT^2 mean_T^2/2`, and pays
    /// `eta(0) (var0 + mean0^2)/2 + psi(0) mean0 + chi(0)`. Integrated by RK4 (`steps` steps forward
    /// at half spacing, backward at full spacing): error below 1e-12 at the default.
    public func linearControlCosts(
        k: (Double) -> Double, l: (Double) -> Double, steps: Int = 20000
    ) -> (cost: Double, bestResponseCost: Double) {
        // Forward: mean and variance at spacing T / (2 steps), with the running cost integrated along.
        let fine = 2 * steps, dt = T / Double(fine)
        var mean = [Double](repeating: 0, count: fine + 1), variance = mean
        mean[0] = mean0; variance[0] = var0
        func drift(_ t: Double, _ y: SIMD3<Double>) -> SIMD3<Double> {
            let kt = k(t), lt = l(t), m = y[0], v = y[1]
            let running = 0.5 * (kt * kt * v + (kt * m + lt) * (kt * m + lt)) + 0.5 * q * (v + (1 - s) * (1 - s) * m * m)
            return SIMD3(-(kt * m + lt), -2 * kt * v + 2 * nu, running)
        }
        var y = SIMD3(mean0, var0, 0.0)
        for n in 0..<fine {
            let t = Double(n) * dt
            let a = drift(t, y), b = drift(t + dt / 2, y + dt / 2 * a), c = drift(t + dt / 2, y + dt / 2 * b)
            let d = drift(t + dt, y + dt * c)
            y += dt / 6 * (a + 2 * b + 2 * c + d)
            mean[n + 1] = y[0]; variance[n + 1] = y[1]
        }
        let cost = y[2] + 0.5 * c * (y[1] + (1 - sT) * (1 - sT) * y[0] * y[0])
        // Backward: (psi, chi) at spacing T / steps, the mean path read at the half steps.
        let h = 2 * dt
        func backward(_ n2: Int, _ z: SIMD2<Double>) -> SIMD2<Double> {  // d/dt at fine index n2
            let t = Double(n2) * dt, e = eta(t), m = mean[n2]
            return SIMD2(e * z[0] + q * s * m, 0.5 * z[0] * z[0] - nu * e - 0.5 * q * s * s * m * m)
        }
        let mT = mean[fine]
        var z = SIMD2(-c * sT * mT, 0.5 * c * sT * sT * mT * mT)
        var n = steps
        while n > 0 {
            // From t = n h down to (n - 1) h.
            let a = backward(2 * n, z), b = backward(2 * n - 1, z - h / 2 * a), c = backward(2 * n - 1, z - h / 2 * b)
            let d = backward(2 * n - 2, z - h * c)
            z -= h / 6 * (a + 2 * b + 2 * c + d)
            n -= 1
        }
        let bestResponseCost = 0.5 * eta(0) * (var0 + mean0 * mean0) + z[0] * mean0 + z[1]
        return (cost, bestResponseCost)
    }
}
