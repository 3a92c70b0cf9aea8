/// A side of a rectangle.
public enum Side: String, Sendable, CaseIterable, Codable {
    case left, right, bottom, top
}

/// A door on a wall: the faces of `side` whose midpoint satisfies `where` (all of them when nil)
/// are absorbing, with value `cost` (u = cost, m = 0 outside).
public struct Exit2D: Sendable {
    public var side: Side
    public var cost: Double
    public var located: (@Sendable (Double, Double) -> Bool)?
    public init(side: Side, cost: Double, located: (@Sendable (Double, Double) -> Bool)? = nil) {
        self.side = side; self.cost = cost; self.located = located
    }
}

/// A time-dependent mean field game on a rectangle (a torus when periodic):
///
///     -du/dt - nu Lap u + H(grad u, m) = F(t, x, y, m),   u(T) = G(x, y)
///      dm/dt - nu Lap m - div(m dH/dp) = 0,               m(0) = m0
///
/// with no-flux walls, obstacles (cells excluded from the domain) and exits.
public struct MFGProblem2D: Sendable {
    /// `out[k] = F(t, x[k], y[k], m[k])`.
    public typealias Coupling = @Sendable (
        _ t: Double, _ x: UnsafePointer<Double>, _ y: UnsafePointer<Double>, _ m: UnsafePointer<Double>,
        _ out: UnsafeMutablePointer<Double>, _ count: Int
    ) -> Void

    public var name: String
    public var lowerX: Double, upperX: Double, lowerY: Double, upperY: Double
    public var boundary: Boundary
    public var horizon: Double
    public var viscosity: Double
    public var hamiltonian: Hamiltonian
    /// Running cost F (potential included).
    public var coupling: Coupling
    /// True when F reads m (false: evaluated once per grid and time).
    public var couplingUsesDensity: Bool
    /// `out[k] = dF/dm (t, x[k], y[k], m[k])`, for Newton's method; nil: central differences of F.
    public var couplingDensityDerivative: Coupling?
    public var terminalCost: @Sendable (Double, Double) -> Double
    public var initialDensity: @Sendable (Double, Double) -> Double
    /// Cells whose centre satisfies this are excluded (walls to their neighbours).
    public var obstacle: (@Sendable (Double, Double) -> Bool)?
    public var exits: [Exit2D]
    /// Nonlocal coupling kernel `K(dx, dy)`: `(K * m)` is added to the running cost (tori only).
    public var nonlocalKernel: (@Sendable (Double, Double) -> Double)?
    /// A stationary (ergodic) problem (horizon and terminal cost unused).
    public var isErgodic = false
    public var defaultNx: Int, defaultNy: Int, defaultNt: Int

    public init(
        name: String, x: (Double, Double), y: (Double, Double), boundary: Boundary, horizon: Double,
        viscosity: Double, hamiltonian: Hamiltonian = .quadratic, coupling: @escaping Coupling,
        couplingUsesDensity: Bool = true, couplingDensityDerivative: Coupling? = nil,
        terminalCost: @escaping @Sendable (Double, Double) -> Double,
        initialDensity: @escaping @Sendable (Double, Double) -> Double,
        obstacle: (@Sendable (Double, Double) -> Bool)? = nil, exits: [Exit2D] = [],
        defaultNx: Int = 100, defaultNy: Int = 100, defaultNt: Int = 100
    ) {
        self.name = name
        (lowerX, upperX) = x
        (lowerY, upperY) = y
        self.boundary = boundary
        self.horizon = horizon
        self.viscosity = viscosity
        self.hamiltonian = hamiltonian
        self.coupling = coupling
        self.couplingUsesDensity = couplingUsesDensity
        self.couplingDensityDerivative = couplingDensityDerivative
        self.terminalCost = terminalCost
        self.initialDensity = initialDensity
        self.obstacle = obstacle
        self.exits = exits
        self.defaultNx = defaultNx
        self.defaultNy = defaultNy
        self.defaultNt = defaultNt
    }

    public var hasExit: Bool { !exits.isEmpty }

    func validate() throws {
        guard viscosity.isFinite, viscosity >= 0 else {
            throw MFGError.invalidParameter(field: "viscosity", value: "\(viscosity)",
                                            fix: "the viscosity nu = sigma^2/2 must be a finite number >= 0")
        }
        _ = try TimeGrid(horizon: horizon, steps: 1)
        _ = try Grid1D(lower: lowerX, upper: upperX, count: 4, boundary: boundary)
        _ = try Grid1D(lower: lowerY, upper: upperY, count: 4, boundary: boundary)
        if hasExit && boundary == .periodic {
            throw MFGError.invalidParameter(field: "exits", value: "on a torus", fix: "exits need reflecting walls")
        }
        if nonlocalKernel != nil && boundary != .periodic {
            throw MFGError.invalidParameter(field: "nonlocal coupling", value: "on walls", fix: "nonlocal couplings need a periodic domain")
        }
        for e in exits where !e.cost.isFinite {
            throw MFGError.invalidParameter(field: "exit cost", value: "\(e.cost)", fix: "the exit cost must be finite")
        }
    }
}
