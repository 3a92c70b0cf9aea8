import Foundation

/// How far a feedback control is from a Nash equilibrium of the continuous game, on a grid.
///
/// Every agent follows `a`: their density `m^a` solves the Fokker-Planck equation with drift `a`
/// (the scheme's FP step with the upwind split of `a`), and each pays
/// `J(a; m^a) = int int (L(a, m^a) + F(m^a)) m^a + int G(m^a(T)) m^a(T)` (`Functionals.socialCost`;
/// ergodic: the cost per unit time). One agent who deviates optimally solves the HJB equation
/// against the frozen `m^a` and pays `J(BR; m^a) = int u_BR(0) m0` (ergodic: its lambda). The
/// **exploitability** `J(a; m^a) - J(BR; m^a)` is >= 0 (on the grid exactly: the upwind split of `a`
/// is one of the policies the best response optimises over, and the cost of a policy is the same
/// sum in both) and 0 at the equilibrium. Also the distance `max_n sum_i h |m^a - m*|` of the
/// population to the equilibrium density `m*` on the same grid.
public struct ControlEvaluation: Sendable {
    /// The agents following the control: `m = m^a`, `control` = `a` on the grid; `u` is the best
    /// response's value against `m^a`.
    public let population: Equilibrium
    /// The best response's feedback against `m^a`, per axis.
    public let bestResponse: [[Double]]
    /// The equilibrium on the same grid.
    public let equilibrium: Equilibrium
    public let cost: Double
    public let bestResponseCost: Double
    public let densityDistance: Double
    /// With `options.errorEstimate`: the estimates of `named` from the grids h, 2h, 4h.
    public internal(set) var errorEstimate: [ErrorEstimate.Quantity]? = nil

    public var exploitability: Double { cost - bestResponseCost }

    /// The scalars by their `summary.json` names.
    public var named: [(name: String, value: Double)] {
        [("cost", cost), ("best_response_cost", bestResponseCost), ("exploitability", exploitability),
         ("density_distance", densityDistance)]
    }

    /// Evaluates `control` in `model` on `grid` (default: the model's); with `options.errorEstimate`
    /// also on the grids 2h and 4h, side by side, with Richardson estimates of every number.
    public static func evaluate(
        _ model: MFGModel, control: FeedbackControl, grid: GridSize? = nil, options: SolverOptions = SolverOptions()
    ) throws -> ControlEvaluation {
        try options.validate()
        let grid = grid ?? model.defaultGrid
        try check(control, for: model)
        guard options.errorEstimate else { return try evaluateOne(model, control: control, grid: grid, options: options) }
        try MFGSolver.check(model, grid: grid)
        let quiet = options.silent
        let (results, _) = try MFGSolver.onThreeGrids(grid) { g, requested in
            try evaluateOne(model, control: control, grid: g, options: requested ? options : quiet)
        }
        var out = results[0]
        out.errorEstimate = out.named.enumerated().map { k, entry in
            Richardson.quantity(entry.name, entry.value, results[1].named[k].value, results[2].named[k].value)
        }
        return out
    }

    /// The control must have the model's components, and a time axis only for a time-dependent problem.
    static func check(_ control: FeedbackControl, for model: MFGModel) throws {
        guard control.components.count == model.dimension else {
            throw MFGError.invalidParameter(
                field: "control", value: "\(control.components.count) component(s)",
                fix: "a \(model.dimension)D problem needs \(model.dimension == 1 ? "alpha(t, x)" : "alpha_x and alpha_y on (t, x, y)")")
        }
        if model.isErgodic, control.t != nil, control.t!.count > 1 {
            throw MFGError.invalidParameter(field: "control axis t", value: "\(control.t!.count) times",
                                            fix: "an ergodic problem takes a stationary control a(x): give it without a time axis")
        }
    }

    static func evaluateOne(_ model: MFGModel, control: FeedbackControl, grid: GridSize, options: SolverOptions) throws -> ControlEvaluation {
        let clock = ContinuousClock(), start = clock.now
        let system = try MFGSolver.makeSystem(model, grid: grid)
        func state() -> Equilibrium {
            system.equilibrium(method: options.method, converged: true, history: [], phases: [],
                               seconds: (clock.now - start) / .seconds(1))
        }
        let axes = state()
        let a = control.sampled(times: axes.t, x: axes.x, y: axes.y)
        try system.followControl(a)
        let following = state().replacing(control: a)
        let cost = try Functionals(following, costs: model).socialCost
        guard let cost else {
            throw MFGError.invalidParameter(field: "exits", value: "with different costs",
                                            fix: "the cost of a control is defined here for exits of one cost only")
        }
        try system.bestResponse(accuracy: 1e-12)
        let response = state()
        let bestResponseCost: Double
        if let lambda = response.lambda {
            bestResponseCost = lambda
        } else {
            var v = 0.0
            for q in 0..<response.levelSize { v += response.u[q] * response.m[q] }
            bestResponseCost = v * response.cellVolume
        }
        let equilibrium = try MFGSolver.solveOne(model, grid: grid, options: options, costs: model)
        var distance = 0.0
        for n in 0..<following.levels {
            let d = zip(following.level(following.m, n), equilibrium.level(equilibrium.m, n)).reduce(0) { $0 + abs($1.0 - $1.1) }
            distance = max(distance, d * following.cellVolume)
        }
        return ControlEvaluation(
            population: response.replacing(control: a), bestResponse: response.control, equilibrium: equilibrium,
            cost: cost, bestResponseCost: bestResponseCost, densityDistance: distance)
    }
}

extension Equilibrium {
    /// The same state with another control.
    func replacing(control: [[Double]]) -> Equilibrium {
        var e = Equilibrium(x: x, y: y, t: t, m: m, u: u, control: control, active: active, lambda: lambda, outflow: outflow,
                            method: method, converged: converged, history: history, phases: phases, seconds: seconds)
        e.functionals = functionals
        return e
    }
}
