/// An equilibrium of the discrete system, with how it was reached: the one result of every solve
/// (1D or 2D, time-dependent or ergodic).
///
/// Fields are row-major with shape `shape`: `[Nt+1, Nx]` (1D), `[Nt+1, Nx, Ny]` (2D), without the
/// time axis for ergodic problems; row `n` is time `t_n = n dt`. `m` is a density
/// (`sum h m = 1` at t = 0, `h` the cell volume). `control[k]` is the feedback velocity along axis
/// `k` (`-(dg/dq1 + dg/dq2)` of the upwind policy), used by FP step `n -> n+1` (row Nt: that of the
/// last step).
public struct Equilibrium: Sendable {
    public let x: [Double]
    /// The y axis (2D problems).
    public let y: [Double]?
    /// The time levels (time-dependent problems).
    public let t: [Double]?
    public let m: [Double]
    public let u: [Double]
    /// One feedback component per axis: `[alpha]` in 1D, `[alpha_x, alpha_y]` in 2D.
    public let control: [[Double]]
    /// 2D: false in the cells of obstacles.
    public let active: [Bool]?
    /// Ergodic problems: the constant lambda.
    public let lambda: Double?
    /// Problems with exits: the mass that left in each time step.
    public let outflow: [Double]?
    /// The method asked for (`auto` included).
    public let method: SolverMethod
    public let converged: Bool
    public let history: [IterationReport]
    /// The methods used, in order, with the reasons for every switch.
    public let phases: [SolverPhase]
    public let seconds: Double
    /// Why the solve stopped without converging (nil when it converged).
    public internal(set) var stopReason: String? = nil
    /// Set when the solve stopped because the residuals reached their round-off floor on this grid:
    /// the smallest tolerance that can be met there (twice the residual reached). The solution is
    /// then as accurate as double precision allows on this grid.
    public internal(set) var roundOffFloor: Double? = nil
    /// Scalar functionals (social cost, moments, lambda, outflow, value at the start), computed
    /// with the costs of the problem as posed.
    public internal(set) var functionals: Functionals? = nil
    /// The discretisation-error estimate from the coarser grids (`SolverOptions.errorEstimate`).
    public internal(set) var errorEstimate: ErrorEstimate? = nil

    public var nx: Int { x.count }
    public var ny: Int? { y?.count }
    /// Time steps (0 for ergodic problems).
    public var nt: Int { (t?.count ?? 1) - 1 }
    public var isErgodic: Bool { t == nil }
    public var dimension: Int { y == nil ? 1 : 2 }
    /// Points of one time level.
    public var levelSize: Int { nx * (ny ?? 1) }
    /// Number of time levels (1 for ergodic problems).
    public var levels: Int { t?.count ?? 1 }
    /// The array shape of `m`, `u` and each control component.
    public var shape: [Int] { (t.map { [$0.count] } ?? []) + [nx] + (ny.map { [$0] } ?? []) }
    /// The spatial cell volume `h` or `hx hy`.
    public var cellVolume: Double {
        let hx = x.count > 1 ? x[1] - x[0] : 1
        guard let y, y.count > 1 else { return hx }
        return hx * (y[1] - y[0])
    }
    /// Names of the control components as written to disk.
    public var controlNames: [String] { dimension == 1 ? ["alpha"] : ["alpha_x", "alpha_y"] }
    public var iterations: Int { history.count }
    public var final: IterationReport? { history.last }

    /// Level `n` of a field.
    public func level(_ field: [Double], _ n: Int) -> ArraySlice<Double> {
        field[(n * levelSize)..<((n + 1) * levelSize)]
    }
}
