/// Boundary condition of a 1D domain.
public enum Boundary: String, Sendable, CaseIterable, Codable {
    /// The torus: x and x + (upper - lower) are the same point.
    case periodic
    /// No-flux walls: homogeneous Neumann for u, zero flux for m (reflected diffusion).
    case reflecting
}

/// A uniform 1D grid of `count` points.
///
/// - periodic: `x_i = lower + i h`, `h = (upper - lower) / count` (the point `upper` is `lower`);
/// - reflecting: cell centres `x_i = lower + (i + 1/2) h`, so the walls sit on cell faces and the
///   no-flux condition is the finite-volume one.
/// In both cases a density is a vector `m_i` with `sum_i h m_i = 1`.
public struct Grid1D: Sendable, Equatable {
    public let lower: Double
    public let upper: Double
    public let count: Int
    public let boundary: Boundary

    public init(lower: Double, upper: Double, count: Int, boundary: Boundary) throws {
        guard lower.isFinite, upper.isFinite, upper > lower else {
            throw MFGError.invalidParameter(
                field: "domain", value: "[\(lower), \(upper)]",
                fix: "the domain must be a finite interval with lower < upper")
        }
        guard count >= 4 else {
            throw MFGError.invalidParameter(
                field: "nx", value: "\(count)", fix: "use at least 4 grid points")
        }
        guard count <= 50_000_000 else {
            throw MFGError.invalidParameter(
                field: "nx", value: "\(count)", fix: "use at most 50,000,000 grid points")
        }
        self.lower = lower
        self.upper = upper
        self.count = count
        self.boundary = boundary
    }

    /// Mesh size h.
    public var spacing: Double { (upper - lower) / Double(count) }

    /// The grid points, in order.
    public var points: [Double] {
        let h = spacing
        let offset = boundary == .periodic ? 0.0 : 0.5
        return (0..<count).map { lower + (Double($0) + offset) * h }
    }

    /// Discrete mass `sum_i h v_i`.
    public func mass(_ v: UnsafeBufferPointer<Double>) -> Double {
        var s = 0.0
        for x in v { s += x }
        return s * spacing
    }
}

/// A uniform time grid `t_n = n dt`, `n = 0 ... steps`, `dt = horizon / steps`.
public struct TimeGrid: Sendable, Equatable {
    public let horizon: Double
    public let steps: Int

    public init(horizon: Double, steps: Int) throws {
        guard horizon.isFinite, horizon > 0 else {
            throw MFGError.invalidParameter(
                field: "T", value: "\(horizon)", fix: "the horizon T must be a positive finite number")
        }
        guard steps >= 1, steps <= 50_000_000 else {
            throw MFGError.invalidParameter(
                field: "nt", value: "\(steps)", fix: "use between 1 and 50,000,000 time steps")
        }
        self.horizon = horizon
        self.steps = steps
    }

    public var step: Double { horizon / Double(steps) }
    public var times: [Double] { (0...steps).map { Double($0) * horizon / Double(steps) } }
}
