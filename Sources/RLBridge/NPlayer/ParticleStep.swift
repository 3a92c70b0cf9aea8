import Foundation
import Neural

/// Standard normal draws by the Box-Muller transform, two per pair of uniforms:
/// `z1 = r cos(2 pi u2)`, `z2 = r sin(2 pi u2)`, `r = sqrt(-2 log u1)` (the second kept for the next call).
public struct NormalDraws: Sendable {
    @usableFromInline var spare: Double? = nil

    public init() {}

    /// The next standard normal from `generator`'s stream.
    @inlinable public mutating func next(_ generator: inout SeededGenerator) -> Double {
        if let z = spare { spare = nil; return z }
        let u1 = max(generator.unit(), 1e-300), u2 = generator.unit()
        let r = (-2 * log(u1)).squareRoot()
        spare = r * sin(2 * Double.pi * u2)
        return r * cos(2 * Double.pi * u2)
    }
}

/// One Euler-Maruyama step of an agent on a 1D grid of the scheme:
/// `X' = X + a(X) dt + sigma sqrt(dt) Z`, `a` interpolated linearly between grid points (constant
/// beyond the end points), then the boundary rule: a torus wraps; a wall reflects (`X' -> 2 wall - X'`,
/// repeated, then clamped); an exit end absorbs (the agent leaves when `X'` is beyond it, or, with
/// `bridge`, when the Brownian bridge between `X` and `X'` crossed it: probability
/// `exp(-2 d d' / (sigma^2 dt))` for distances `d, d'` of the two end points to the exit).
///
/// The grid's points are `lower + (i + 1/2) h` between walls and `lower + i h` on a torus (`Grid1D`).
public struct ParticleStep1D: Sendable {
    public let lower: Double, upper: Double
    public let count: Int
    public let spacing: Double
    public let periodic: Bool
    /// The time step and the noise's standard deviation over it, `sigma sqrt(dt)`.
    public let dt: Double
    public let noise: Double
    /// Absorbing ends (ignored on a torus).
    public let leftExit: Bool, rightExit: Bool

    public init(lower: Double, upper: Double, count: Int, periodic: Bool, dt: Double, viscosity nu: Double,
                leftExit: Bool = false, rightExit: Bool = false) {
        self.lower = lower; self.upper = upper; self.count = count
        spacing = (upper - lower) / Double(count)
        self.periodic = periodic
        self.dt = dt
        noise = (2 * nu).squareRoot() * dt.squareRoot()
        self.leftExit = leftExit && !periodic
        self.rightExit = rightExit && !periodic
    }

    /// The interpolation weights of position `p`: `v(p) = (1 - w) v[i0] + w v[i1]` (wrapping on a torus,
    /// constant beyond the end points between walls).
    @inlinable public func bracket(_ p: Double) -> (i0: Int, i1: Int, w: Double) {
        let s = (p - lower) / spacing - (periodic ? 0.0 : 0.5)
        var i0 = Int(s.rounded(.down)), w = s - Double(i0)
        var i1 = i0 + 1
        if periodic {
            i0 = ((i0 % count) + count) % count; i1 = ((i1 % count) + count) % count
        } else {
            if i0 < 0 { i0 = 0; i1 = 0; w = 0 } else if i1 > count - 1 { i0 = count - 1; i1 = count - 1; w = 0 }
        }
        return (i0, i1, w)
    }

    /// The control row `a` (one value per grid point) at position `p`.
    @inlinable public func velocity(_ a: UnsafePointer<Double>, at p: Double) -> Double {
        let (i0, i1, w) = bracket(p)
        return (1 - w) * a[i0] + w * a[i1]
    }

    /// The position after one step with velocity `v` and standard normal `z`, or nil when the agent left
    /// through an exit. `crossing` is a uniform draw in [0, 1) for the bridge test (used only beside an exit).
    @inlinable public func step(_ p: Double, velocity v: Double, normal z: Double, crossing: Double? = nil) -> Double? {
        var q = p
        q += v * dt + noise * z
        if periodic {
            let length = upper - lower
            q = lower + (q - lower).truncatingRemainder(dividingBy: length)
            if q < lower { q += length }
            return q
        }
        if (leftExit && q <= lower) || (rightExit && q >= upper) { return nil }
        if let u = crossing, noise > 0 {
            let variance = noise * noise
            if leftExit && u < exp(-2 * (p - lower) * (q - lower) / variance) { return nil }
            if rightExit && u < exp(-2 * (upper - p) * (upper - q) / variance) { return nil }
        }
        for _ in 0..<4 {  // reflections at the walls
            if q < lower { q = 2 * lower - q } else if q > upper { q = 2 * upper - q } else { break }
        }
        return min(max(q, lower), upper)
    }

    /// True when an end of the domain absorbs (a bridge draw per step is then useful).
    public var hasExit: Bool { leftExit || rightExit }
}
