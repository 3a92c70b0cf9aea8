import Foundation

/// Solves the discrete system of any problem to its equilibrium: the one entry point.
///
///     let equilibrium = try MFGSolver.solve(.oneD(problem), grid: GridSize(nx: 200, nt: 100))
///
/// The grid defaults to the problem's own. A run that stops at `maxIterations` (or whose method
/// stalls) returns with `converged == false`, its full history and `stopReason`. The result's
/// `functionals` are evaluated with the costs of `costs` (default: `model`; a social optimum is
/// solved with the planner's marginal costs and judged with the original ones). With
/// `options.errorEstimate` the problem is also solved on the grids of steps 2h and 4h, side by
/// side with the requested one, and the result carries an `ErrorEstimate`.
public enum MFGSolver {
    public static func solve(
        _ model: MFGModel, grid: GridSize? = nil, options: SolverOptions = SolverOptions(), costs: MFGModel? = nil
    ) throws -> Equilibrium {
        try options.validate()
        let grid = grid ?? model.defaultGrid
        guard options.errorEstimate else { return try solveOne(model, grid: grid, options: options, costs: costs ?? model) }
        try check(model, grid: grid)
        let quiet = options.silent
        let (solved, seconds) = try onThreeGrids(grid) { g, fine in
            try solveOne(model, grid: g, options: fine ? options : quiet, costs: costs ?? model)
        }
        var result = solved[0]
        result.errorEstimate = ErrorEstimate(
            fine: solved[0], medium: solved[1], coarse: solved[2], boundary: model.boundary, seconds: seconds)
        return result
    }

    /// `body` on a grid and on the grids with every count halved and quartered (for an error
    /// estimate): the requested grid on this thread, the two coarse ones on a second one beside it.
    /// Returns the three results in that order and the wall-clock seconds.
    static func onThreeGrids<T: Sendable>(
        _ grid: GridSize, _ body: @escaping @Sendable (GridSize, _ requested: Bool) throws -> T
    ) throws -> ([T], Double) {
        try ErrorEstimate.checkGrid(grid)
        let start = DispatchTime.now().uptimeNanoseconds
        let results = Results<T>()
        let halved = GridSize(nx: grid.nx / 2, ny: grid.ny.map { $0 / 2 }, nt: grid.nt.map { $0 / 2 })
        let quartered = GridSize(nx: grid.nx / 4, ny: grid.ny.map { $0 / 4 }, nt: grid.nt.map { $0 / 4 })
        let jobs: [[GridSize]] = [[grid], [halved, quartered]]
        DispatchQueue.concurrentPerform(iterations: jobs.count) { k in
            for (j, g) in jobs[k].enumerated() {
                results.store(k + j, Result { try body(g, k == 0) })
            }
        }
        let values = try results.values.map { try $0!.get() }
        return (values, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
    }

    /// The results of work running side by side.
    private final class Results<T>: @unchecked Sendable {
        private let lock = NSLock()
        private(set) var values: [Result<T, Error>?] = [nil, nil, nil]
        func store(_ k: Int, _ r: Result<T, Error>) { lock.lock(); values[k] = r; lock.unlock() }
    }

    /// One solve on one grid, with its functionals.
    static func solveOne(_ model: MFGModel, grid: GridSize, options: SolverOptions, costs: MFGModel) throws -> Equilibrium {
        let system = try makeSystem(model, grid: grid)
        let log = SolveLog(options: options)
        let outcome: PhaseOutcome
        switch options.method {
        case .auto:
            outcome = try AutomaticSolver.run(system, log: log)
        case .newton:
            log.begin(.newton, reason: "asked for (--solver newton)")
            outcome = try BestResponseNewton(system).run(log)
        case .policyIteration:
            log.begin(.policyIteration, reason: "asked for (--solver policy-iteration)")
            // Anderson mixing for 2D time-dependent problems, where plain policy iteration diverges
            // on strong couplings; elsewhere the plain method (Cacace-Camilli-Goffi), with the
            // policies averaged when relaxation < 1 (smoothed policy iteration), as before.
            let accelerated = model.dimension == 2 && !model.isErgodic
            outcome = try PolicyIteration(system, accelerated: accelerated).run(log, relaxation: options.policyRelaxation)
        case .fixedPoint:
            log.begin(.fixedPoint, reason: "asked for (--solver fixed-point)")
            outcome = try FixedPointIteration(system).run(log, damping: options.damping)
        }
        var result = system.equilibrium(
            method: options.method, converged: outcome == .converged, history: log.history, phases: log.phases,
            seconds: log.seconds)
        switch outcome {
        case .converged: break
        case .exhausted:
            result.stopReason = "stopped at --max-iterations \(options.maxIterations) in \(log.phases.last?.method ?? options.method.rawValue)"
        case let .stalled(why):
            result.stopReason = "\(log.phases.last?.method ?? options.method.rawValue) stalled: \(why)"
        case let .roundOffFloor(floor, why):
            result.stopReason = "\(log.phases.last?.method ?? options.method.rawValue) stopped: \(why)"
            result.roundOffFloor = floor
        }
        result.functionals = try Functionals(result, costs: costs)
        return result
    }

    /// Builds the discrete system of a problem on a grid, which checks everything that needs one
    /// (the grid's counts and memory, an initial density that can be normalised, kernels).
    public static func check(_ model: MFGModel, grid: GridSize) throws {
        _ = try makeSystem(model, grid: grid)
    }

    /// The discrete system of a problem on a grid (its counts checked against the problem's kind).
    static func makeSystem(_ model: MFGModel, grid: GridSize) throws -> CoupledSystem {
        switch model {
        case let .oneD(p):
            guard grid.ny == nil else {
                throw MFGError.invalidParameter(field: "ny", value: "\(grid.ny!)", fix: "a 1D problem has no y axis; leave ny out")
            }
            if p.isErgodic { return try ErgodicMFG(problem: p, nx: grid.nx) }
            guard let nt = grid.nt else {
                throw MFGError.invalidParameter(field: "nt", value: "missing", fix: "a time-dependent problem needs nt time steps")
            }
            return try DiscreteMFG(problem: p, nx: grid.nx, nt: nt)
        case let .twoD(p):
            let ny = grid.ny ?? grid.nx
            if p.isErgodic { return try ErgodicMFG2D(problem: p, nx: grid.nx, ny: ny) }
            guard let nt = grid.nt else {
                throw MFGError.invalidParameter(field: "nt", value: "missing", fix: "a time-dependent problem needs nt time steps")
            }
            return try DiscreteMFG2D(problem: p, nx: grid.nx, ny: ny, nt: nt)
        }
    }
}
