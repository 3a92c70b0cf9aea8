import Foundation

/// The Hamiltonian family `H(p, m) = w(m) |p|^gamma / gamma`, `w(m) = (1 + kappa m)^(-alpha)`,
/// `gamma` in (1, 2]: `gamma = 2, kappa = 0` is the quadratic `|p|^2/2`; `gamma = 2, kappa > 0` the
/// congestion Hamiltonian `|p|^2 / (2 (1 + kappa m)^alpha)`; other `gamma` the power family. The
/// optimal feedback is `a* = -H_p = -w |p|^(gamma-2) p` and the Lagrangian
/// `L(a, m) = |a|^gamma' / (gamma' w^(gamma'-1))`, `gamma' = gamma/(gamma-1)` (`a^2/(2w)` at gamma = 2).
///
/// This type owns every formula of the Hamiltonian; the schemes (1D, 2D, ergodic, Newton) and the
/// discretised games call it and write none of their own.
///
/// The monotone upwind numerical Hamiltonian (Achdou and Capuzzo-Dolcetta 2010) takes, per axis,
/// `beta = min(D+u, 0)` and `gamma_ = max(D-u, 0)` and evaluates `H` at the upwind norm
/// `P^2 = sum over axes (beta^2 + gamma_^2)`:
///
///     g = w P^gamma / gamma,   dg/dq = w P^(gamma-2) (beta, gamma_)   (the policy (b, c))
///
/// and the policy's cost is the convex conjugate `g*(b, c) = sup_q (b q1 + c q2 - g)
/// = |(b, c)|^gamma' / (gamma' w^(gamma'-1))`, so that `g(q) = b q1 + c q2 - g*(b, c)` at the optimal
/// policy (Howard's linearisation). Everything here is written in terms of squared norms, so the same
/// formulas serve one and two dimensions.
public struct Hamiltonian: Sendable, Equatable, Codable {
    /// gamma in (1, 2].
    public let exponent: Double
    public let kappa: Double
    public let alpha: Double

    /// `|p|^2 / 2`.
    public static let quadratic = Hamiltonian(exponent: 2, kappa: 0, alpha: 0)

    /// `|p|^2 / (2 (1 + kappa m)^alpha)`, with `kappa >= 0` and `alpha >= 0`.
    public static func congestion(kappa: Double, alpha: Double) throws -> Hamiltonian {
        try power(exponent: 2, kappa: kappa, alpha: alpha)
    }

    /// `|p|^gamma / (gamma (1 + kappa m)^alpha)`, gamma in (1, 2], `kappa >= 0`, `alpha >= 0`.
    public static func power(exponent gamma: Double, kappa: Double = 0, alpha: Double = 0) throws -> Hamiltonian {
        guard gamma.isFinite, gamma > 1, gamma <= 2 else {
            throw MFGError.invalidParameter(
                field: "exponent", value: "\(gamma)", fix: "the exponent gamma of |p|^gamma must lie in (1, 2]")
        }
        guard kappa.isFinite, kappa >= 0 else {
            throw MFGError.invalidParameter(
                field: "kappa", value: "\(kappa)", fix: "the congestion strength kappa must be >= 0")
        }
        guard alpha.isFinite, alpha >= 0 else {
            throw MFGError.invalidParameter(
                field: "alpha", value: "\(alpha)", fix: "the congestion exponent alpha must be >= 0")
        }
        return Hamiltonian(exponent: gamma, kappa: kappa, alpha: alpha)
    }

    private init(exponent: Double, kappa: Double, alpha: Double) {
        self.exponent = exponent
        self.kappa = kappa
        self.alpha = alpha
    }

    /// True when `H` does not depend on `m`.
    public var isSeparable: Bool { kappa == 0 || alpha == 0 }

    /// True for `gamma = 2` (quadratic in p, possibly with congestion).
    public var isQuadraticInP: Bool { exponent == 2 }

    /// The conjugate exponent `gamma' = gamma / (gamma - 1)`.
    public var conjugateExponent: Double { exponent / (exponent - 1) }

    /// A one-line description, e.g. `|p|^1.5/(1.5 (1 + 2 m)^1)`.
    public var formula: String {
        let p = isQuadraticInP ? "|p|^2/2" : "|p|^\(exponent)/\(exponent)"
        return isSeparable ? p : "\(p) / (1 + \(kappa) m)^\(alpha)"
    }

    // MARK: - The congestion weight

    /// `w(m) = (1 + kappa m)^(-alpha)`, with common exponents done without `pow`.
    @inline(__always)
    public func weight(_ m: Double) -> Double {
        if isSeparable { return 1 }
        let s = 1 + kappa * m
        switch alpha {
        case 1.5: return 1 / (s * s.squareRoot())
        case 1: return 1 / s
        case 0.5: return 1 / s.squareRoot()
        case 2: return 1 / (s * s)
        default: return pow(s, -alpha)
        }
    }

    /// `dw/dm = -alpha kappa (1 + kappa m)^(-alpha - 1)`.
    @inline(__always)
    public func weightDerivative(_ m: Double) -> Double {
        if isSeparable { return 0 }
        let s = 1 + kappa * m
        return -alpha * kappa * weight(m) / s
    }

    /// `w'(m) / w(m) = -alpha kappa / (1 + kappa m)`.
    @inline(__always)
    public func logWeightDerivative(_ m: Double) -> Double {
        isSeparable ? 0 : -alpha * kappa / (1 + kappa * m)
    }

    // MARK: - The numerical Hamiltonian

    /// The upwind norm below which a power Hamiltonian (gamma < 2) is replaced by its quadratic
    /// continuation in the scheme (0: none). `|p|^gamma` has an unbounded second derivative at
    /// p = 0, which makes the best response only Hoelder-continuous in the density where some upwind
    /// norm is small, and Newton's method stalls (in 2D, along every curve where a component of
    /// the gradient changes sign). Below `delta` the scheme uses `delta^(gamma-2) P^2 / 2 +
    /// delta^gamma (1/gamma - 1/2)`, the C^1 continuation of `P^gamma / gamma`, whose conjugate is
    /// the Huber-like Lagrangian. The change of the policy is at most `delta^(gamma-1)`, and
    /// `delta = (4h)^(1/(gamma-1))` keeps it O(h), as the scheme's own error (the Hamiltonian moves by
    /// `O(delta^gamma)`, less; the factor 4 was chosen by measurement: 1 and 2 leave Newton stalling
    /// near 2e-10 on a 2D problem, 4 and 8 converge, and the feedback's error grows with it).
    /// Set by `discretised(spacing:)`.
    public private(set) var smallGradient = 0.0

    /// This Hamiltonian as a scheme on a grid of spacing h uses it (`smallGradient =
    /// (4h)^(1/(gamma-1))` for gamma < 2; unchanged at gamma = 2).
    public func discretised(spacing h: Double) -> Hamiltonian {
        var copy = self
        copy.smallGradient = exponent < 2 && h.isFinite && h > 0 ? pow(4 * h, 1 / (exponent - 1)) : 0
        return copy
    }

    /// The curvature `delta^(gamma-2)` of the quadratic continuation and its constant
    /// `delta^gamma (1/gamma - 1/2)`.
    @inline(__always)
    var continuation: (curvature: Double, constant: Double) {
        let d = smallGradient
        return (pow(d, exponent - 2), pow(d, exponent) * (1 / exponent - 0.5))
    }

    /// The factor `w P^(gamma-2)` of the upwind policy `dg/dq = factor * (beta, gamma_)`, from the
    /// squared upwind norm `P^2` (0 when `P = 0` without continuation).
    @inline(__always)
    public func policyFactor(normSquared p2: Double, weight w: Double) -> Double {
        if exponent == 2 { return w }
        if p2 < smallGradient * smallGradient { return w * continuation.curvature }
        return p2 > 0 ? w * pow(p2, 0.5 * exponent - 1) : 0
    }

    /// `g = w P^gamma / gamma` from the squared upwind norm `P^2`.
    @inline(__always)
    public func numerical(normSquared p2: Double, weight w: Double) -> Double {
        if exponent == 2 { return 0.5 * w * p2 }
        if p2 < smallGradient * smallGradient {
            let (a, c) = continuation
            return w * (0.5 * a * p2 + c)
        }
        return p2 > 0 ? w * pow(p2, 0.5 * exponent) / exponent : 0
    }

    /// The cost of a policy, the conjugate `g*(b, c) = |(b, c)|^gamma' / (gamma' w^(gamma'-1))`, from
    /// `|(b, c)|^2` (sum over axes of `b^2 + c^2`). At `gamma = 2`: `(b^2 + c^2) / (2 w)`; below the
    /// continuation's policy size `w delta^(gamma-1)`: `|(b, c)|^2 / (2 w delta^(gamma-2)) - w c`.
    @inline(__always)
    public func policyCost(policySquared s: Double, weight w: Double) -> Double {
        if exponent == 2 { return 0.5 * s / w }
        if let q = onContinuation(policySquared: s, weight: w) { return q.quadratic - q.shift }
        return conjugate(policySquared: s, weight: w)
    }

    /// For a policy on the continuation (its size below `w delta^(gamma-1)`): the quadratic part
    /// `|(b, c)|^2 / (2 w delta^(gamma-2))` and the shift `w delta^gamma (1/gamma - 1/2)`; nil above.
    @inline(__always)
    func onContinuation(policySquared s: Double, weight w: Double) -> (quadratic: Double, shift: Double)? {
        guard smallGradient > 0 else { return nil }
        let (a, c) = continuation
        let edge = w * a * smallGradient
        return s < edge * edge ? (0.5 * s / (w * a), w * c) : nil
    }

    /// The exact conjugate `|b|^gamma' / (gamma' w^(gamma'-1))` of `w |p|^gamma / gamma`.
    @inline(__always)
    func conjugate(policySquared s: Double, weight w: Double) -> Double {
        if exponent == 2 { return 0.5 * s / w }
        guard s > 0 else { return 0 }
        let q = conjugateExponent
        return pow(s, 0.5 * q) / (q * pow(w, q - 1))
    }

    /// `g` at the optimal policy `(b, c)` of `q`, from `|(b, c)|^2`: `g = g* / (gamma - 1)`
    /// (at gamma = 2 both are `(b^2 + c^2) / (2 w)`); on the continuation `g = g* + 2 w c`.
    @inline(__always)
    public func numerical(policySquared s: Double, weight w: Double) -> Double {
        if exponent == 2 { return 0.5 * s / w }
        if let q = onContinuation(policySquared: s, weight: w) { return q.quadratic + q.shift }
        return conjugate(policySquared: s, weight: w) / (exponent - 1)
    }

    /// `out[i] = g*(b_i, c_i)` (`policyCost`) for a row of a 1D policy; `w == nil` means `w = 1`.
    /// The exponent is tested once for the row, so the quadratic case runs as a plain loop.
    @inline(__always)
    public func policyCosts(
        b: UnsafePointer<Double>, c: UnsafePointer<Double>, weight w: UnsafePointer<Double>?,
        into out: UnsafeMutablePointer<Double>, count: Int
    ) {
        if exponent == 2 {
            if let w {
                for i in 0..<count { out[i] = 0.5 * (b[i] * b[i] + c[i] * c[i]) / w[i] }
            } else {
                for i in 0..<count { out[i] = 0.5 * (b[i] * b[i] + c[i] * c[i]) }
            }
        } else {
            for i in 0..<count { out[i] = policyCost(policySquared: b[i] * b[i] + c[i] * c[i], weight: w?[i] ?? 1) }
        }
    }

    /// `out[i] = g` at the optimal policy `(b_i, c_i)` (`numerical(policySquared:)`) for a row.
    @inline(__always)
    public func numericalValues(
        b: UnsafePointer<Double>, c: UnsafePointer<Double>, weight w: UnsafePointer<Double>?,
        into out: UnsafeMutablePointer<Double>, count: Int
    ) {
        if exponent == 2 {
            policyCosts(b: b, c: c, weight: w, into: out, count: count)
        } else {
            for i in 0..<count { out[i] = numerical(policySquared: b[i] * b[i] + c[i] * c[i], weight: w?[i] ?? 1) }
        }
    }

    /// `dg/dm = (w'/w) g` at the optimal policy, from `|(b, c)|^2` and the density.
    @inline(__always)
    public func densityDerivative(policySquared s: Double, density m: Double, weight w: Double) -> Double {
        isSeparable ? 0 : logWeightDerivative(m) * numerical(policySquared: s, weight: w)
    }

    /// The derivative of the policy `(b_k) = factor * (beta_k)` in the direction `dbeta` of the
    /// upwind differences (zero outside the active sets): `db_k = s dbeta_k + r beta_k (beta . dbeta)`
    /// with `s` the factor and, for gamma < 2 above the continuation, `r = (gamma - 2) s / P^2`.
    /// Without continuation `P` is floored at `floor` (the factor is unbounded at P = 0).
    @inline(__always)
    public func policyDerivativeCoefficients(normSquared p2: Double, weight w: Double, floor: Double) -> (scale: Double, projection: Double) {
        if exponent == 2 { return (w, 0) }
        if p2 < smallGradient * smallGradient { return (w * continuation.curvature, 0) }
        let q = max(p2, floor * floor)
        let f = w * pow(q, 0.5 * exponent - 1)
        return (f, f * (exponent - 2) / q)
    }

    // MARK: - Continuous forms

    /// The Lagrangian `L(a, m) = |a|^gamma' / (gamma' w(m)^(gamma'-1))` of a velocity with
    /// `|a|^2 = speedSquared`.
    @inline(__always)
    public func lagrangian(speedSquared s: Double, density m: Double) -> Double {
        conjugate(policySquared: s, weight: weight(m))
    }

    /// The Lagrangian with the weight `w(m)` given (to evaluate many velocities at one density).
    @inline(__always)
    public func lagrangian(speedSquared s: Double, weight w: Double) -> Double {
        conjugate(policySquared: s, weight: w)
    }
}
