import Foundation

/// The congestion family `H(p, m) = |p|^2 / (2 (1 + kappa m)^alpha)`; `kappa = 0` (or `alpha = 0`)
/// is the quadratic Hamiltonian `|p|^2 / 2`, whose optimal feedback is `a* = -grad u`.
///
/// The scheme uses the monotone upwind numerical Hamiltonian of Achdou and Capuzzo-Dolcetta,
/// `g(q1, q2, m) = w(m) [min(q1, 0)^2 + max(q2, 0)^2] / 2`, `q1 = D+u`, `q2 = D-u`,
/// with the congestion weight `w(m) = (1 + kappa m)^(-alpha)`.
public struct Hamiltonian: Sendable, Equatable, Codable {
    public let kappa: Double
    public let alpha: Double

    /// `|p|^2 / 2`.
    public static let quadratic = Hamiltonian(uncheckedKappa: 0, alpha: 0)

    /// `|p|^2 / (2 (1 + kappa m)^alpha)`, with `kappa >= 0` and `alpha >= 0`.
    public static func congestion(kappa: Double, alpha: Double) throws -> Hamiltonian {
        guard kappa.isFinite, kappa >= 0 else {
            throw MFGError.invalidParameter(
                field: "kappa", value: "\(kappa)", fix: "the congestion strength kappa must be >= 0")
        }
        guard alpha.isFinite, alpha >= 0 else {
            throw MFGError.invalidParameter(
                field: "alpha", value: "\(alpha)", fix: "the congestion exponent alpha must be >= 0")
        }
        return Hamiltonian(uncheckedKappa: kappa, alpha: alpha)
    }

    private init(uncheckedKappa: Double, alpha: Double) {
        self.kappa = uncheckedKappa
        self.alpha = alpha
    }

    /// True when `H` does not depend on `m`.
    public var isSeparable: Bool { kappa == 0 || alpha == 0 }

    /// The congestion weight `w(m) = (1 + kappa m)^(-alpha)`, with common exponents done without `pow`.
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
}
