/// A time-dependent mean field game on an interval:
///
///     -du/dt - nu u_xx + H(u_x, m) = F(x, m, mean) + V(x),   u(T) = G(x, m(T), mean(T))
///      dm/dt - nu m_xx - (m dH/dp(u_x, m))_x = 0,             m(0) = m0 (normalised)
///
/// `nu = sigma^2 / 2` for dynamics `dX = a dt + sigma dW`.
public struct MFGProblem: Sendable {
    public var name: String
    public var lower: Double
    public var upper: Double
    public var boundary: Boundary
    public var horizon: Double
    public var viscosity: Double
    public var hamiltonian: Hamiltonian
    /// Running coupling `F(x, m, mean)`.
    public var coupling: FieldFunction
    /// Potential `V(x)`, added to the running cost.
    public var potential: (@Sendable (Double) -> Double)?
    /// Nonlocal coupling kernel `K(d)` of the displacement: `(K * m)(x)` is added to the running
    /// cost (periodic domains only).
    public var nonlocalKernel: (@Sendable (Double) -> Double)?
    /// Terminal cost `G(x, m, mean)`.
    public var terminalCost: FieldFunction
    /// Initial density, normalised on the grid so that `sum_i h m0_i = 1`.
    public var initialDensity: @Sendable (Double) -> Double
    /// Exits (absorbing boundaries) on a non-periodic domain: the exit cost paid on reaching the
    /// left or right end (`nil`: a reflecting wall). At an exit `u = cost` and `m = 0`; mass leaves.
    public var leftExit: Double?
    public var rightExit: Double?
    /// A stationary (ergodic) problem: `-nu u'' + H + lambda = F`, `-nu m'' - (m H_p)' = 0`;
    /// the horizon, the terminal cost and m0 (used only as the starting guess) play no role.
    public var isErgodic = false
    /// Default discretisation.
    public var defaultNx: Int
    public var defaultNt: Int

    public init(
        name: String, lower: Double, upper: Double, boundary: Boundary, horizon: Double,
        viscosity: Double, hamiltonian: Hamiltonian = .quadratic, coupling: FieldFunction = .zero,
        potential: (@Sendable (Double) -> Double)? = nil, terminalCost: FieldFunction = .zero,
        initialDensity: @escaping @Sendable (Double) -> Double, leftExit: Double? = nil, rightExit: Double? = nil,
        defaultNx: Int = 200, defaultNt: Int = 200
    ) {
        self.leftExit = leftExit
        self.rightExit = rightExit
        self.name = name
        self.lower = lower
        self.upper = upper
        self.boundary = boundary
        self.horizon = horizon
        self.viscosity = viscosity
        self.hamiltonian = hamiltonian
        self.coupling = coupling
        self.potential = potential
        self.terminalCost = terminalCost
        self.initialDensity = initialDensity
        self.defaultNx = defaultNx
        self.defaultNt = defaultNt
    }

    /// True when mass can leave through an exit.
    public var hasExit: Bool { leftExit != nil || rightExit != nil }

    /// Checks the parameters that do not depend on the grid.
    public func validate() throws {
        if hasExit && boundary == .periodic {
            throw MFGError.invalidParameter(
                field: "exits", value: "on a periodic domain", fix: "exits need a reflecting (bounded) domain")
        }
        for cost in [leftExit, rightExit].compactMap({ $0 }) where !cost.isFinite {
            throw MFGError.invalidParameter(field: "exit cost", value: "\(cost)", fix: "the exit cost must be finite")
        }
        guard viscosity.isFinite, viscosity >= 0 else {
            throw MFGError.invalidParameter(
                field: "viscosity", value: "\(viscosity)",
                fix: "the viscosity nu = sigma^2/2 must be a finite number >= 0")
        }
        if !isErgodic { _ = try TimeGrid(horizon: horizon, steps: 1) }
        _ = try Grid1D(lower: lower, upper: upper, count: 4, boundary: boundary)
    }
}
