import Foundation
import PDE
import Plots
import Problems
import Writers

/// What was solved, as recorded in summary.json.
public struct RunDescription: Encodable, Sendable {
    var problem: String
    var file: String
    var description: String
    var source: String
    var parameters: [String: Double]
    var expressions: [String: String]
    public var nx: Int
    public var ny: Int?
    /// Time steps (0 for ergodic problems).
    public var nt: Int
    /// The x interval, and the y interval in 2D.
    public var lower: Double
    public var upper: Double
    var lowerY: Double?
    var upperY: Double?
    var boundary: String
    /// Exit costs by side ("left", "right", "bottom", "top"); empty without exits.
    var exits: [String: Double]
    var horizon: Double?
    var ergodic: Bool
    var viscosity: Double
    var hamiltonian: String
    var solver: String
    var tolerance: Double
    /// "nash" (the equilibrium) or "social" (the social optimum).
    public var objective: String = Objective.nash.rawValue
    public var exactErrors: ExactErrors?

    public init(file: ProblemFile, grid: GridSize, options: SolverOptions) {
        let model = file.model
        problem = file.name
        self.file = file.path
        description = file.description
        source = file.source
        parameters = Dictionary(uniqueKeysWithValues: file.parameters.map { ($0.name, $0.value) })
        expressions = file.expressions
        nx = grid.nx
        ny = grid.ny
        nt = grid.nt ?? 0
        let domain = model.domain
        (lower, upper) = (domain[0].lower, domain[0].upper)
        if domain.count > 1 { (lowerY, upperY) = (domain[1].lower, domain[1].upper) }
        boundary = model.boundary.rawValue
        exits = [:]
        switch model {
        case let .oneD(p):
            if let g = p.leftExit { exits["left"] = g }
            if let g = p.rightExit { exits["right"] = g }
        case let .twoD(p):
            for e in p.exits { exits[e.side.rawValue] = e.cost }
        }
        ergodic = model.isErgodic
        horizon = model.horizon
        viscosity = model.viscosity
        hamiltonian = model.hamiltonian.formula
        solver = options.method.rawValue
        tolerance = options.tolerance
    }
}

/// summary.json: the run, its outcome and the residual history.
struct Summary: Encodable {
    var run: RunDescription
    var converged: Bool
    var failure: String?
    var stopReason: String?
    /// The smallest tolerance the grid supports, when the solve stopped at the residuals' round-off floor.
    var roundOffFloor: Double?
    var iterations: Int
    var residual: Double?
    var hjbResidual: Double?
    var fpResidual: Double?
    var mass: Double?
    var massDrift: Double?
    var minDensity: Double?
    var wallSeconds: Double?
    var lambda: Double?
    /// Problems with exits: total mass that left.
    var outflow: Double?
    var exactErrors: ExactErrors?
    /// Scalar functionals by name (docs/output.md).
    var functionals: [String: Double]?
    var errorEstimate: ErrorEstimateSummary?
    /// With --compare-social: the equilibrium's and the social optimum's costs and their ratio.
    var social: SocialComparison?
    /// The methods used and why the solver switched between them.
    var phases: [SolverPhase]
    var history: [IterationReport]
    var arrays: [String: [Int]]
    var pictures: [String]
}

/// `.npy` arrays written into a directory, with their shapes (for `summary.json` `arrays`).
struct ArrayFiles {
    let directory: URL
    private(set) var shapes: [String: [Int]] = [:]

    init(_ directory: URL) { self.directory = directory }

    mutating func write(_ name: String, _ values: [Double], _ shape: [Int]) throws {
        try NPY.write(values, shape: shape, to: directory.appendingPathComponent("\(name).npy"))
        shapes[name] = shape
    }

    /// The axes (`x`, `y`, `t`), `m`, `u` and the control components of a state.
    mutating func writeState(_ s: Equilibrium) throws {
        try write("x", s.x, [s.nx])
        if let y = s.y { try write("y", y, [y.count]) }
        if let t = s.t { try write("t", t, [t.count]) }
        try write("m", s.m, s.shape)
        try write("u", s.u, s.shape)
        for (name, field) in zip(s.controlNames, s.control) { try write(name, field, s.shape) }
    }
}

/// Writes a solve's output directory (layout: docs/output.md), for every kind of problem.
public enum OutputWriter {
    /// Every file a solve may write (`OutputDirectory` removes those an earlier run left and this one did not write).
    public static let outputNames = [
        "x.npy", "y.npy", "t.npy", "m.npy", "u.npy", "alpha.npy", "alpha_x.npy", "alpha_y.npy", "active.npy", "m_error.npy",
        "u_error.npy", "convergence.csv", "density.png", "value.png", "snapshots.png", "convergence.png", "error_bars.png",
        "summary.json",
    ]

    /// Writes arrays, history, pictures and (last) summary.json; returns the picture file names.
    public static func write(
        _ s: Equilibrium, _ run: RunDescription, model: MFGModel, pictures: Bool, social: SocialComparison? = nil,
        to directory: URL
    ) throws -> [String] {
        var files = ArrayFiles(directory)
        try files.writeState(s)
        func array(_ name: String, _ values: [Double], _ shape: [Int]) throws { try files.write(name, values, shape) }
        if let active = s.active, let ny = s.ny { try array("active", active.map { $0 ? 1 : 0 }, [s.nx, ny]) }
        if let e = s.errorEstimate {
            try array("m_error", e.densityError, s.shape)
            try array("u_error", e.valueError, s.shape)
        }
        try writeHistory(s.history, to: directory)
        let names = pictures ? try drawPictures(s, run, model: model, to: directory) : []
        let last = s.final
        let summary = Summary(
            run: run, converged: s.converged, failure: nil, stopReason: s.stopReason, roundOffFloor: s.roundOffFloor,
            iterations: s.iterations,
            residual: last?.residual, hjbResidual: last?.hjbResidual, fpResidual: last?.fpResidual, mass: last?.mass,
            massDrift: last?.massDrift, minDensity: last?.minDensity, wallSeconds: s.seconds, lambda: s.lambda,
            outflow: s.outflow?.reduce(0, +), exactErrors: run.exactErrors,
            functionals: s.functionals.map { f in Dictionary(uniqueKeysWithValues: f.named.map { ($0.name, $0.value) }) },
            errorEstimate: s.errorEstimate.map(ErrorEstimateSummary.init), social: social,
            phases: s.phases, history: s.history, arrays: files.shapes, pictures: names)
        // Written last: its presence marks a complete output directory.
        try JSONFile.write(summary, to: directory.appendingPathComponent("summary.json"))
        return names
    }

    /// The diagnostics of a solve in which a non-finite value appeared: the history and a summary
    /// with `failure`.
    public static func writeDiagnostics(_ run: RunDescription, history: [IterationReport], failure: String, to directory: URL) throws {
        try writeHistory(history, to: directory)
        let summary = Summary(
            run: run, converged: false, failure: failure, stopReason: nil, roundOffFloor: nil, iterations: history.count,
            residual: nil,
            hjbResidual: nil, fpResidual: nil, mass: nil, massDrift: nil, minDensity: nil, wallSeconds: history.last?.seconds,
            lambda: nil, outflow: nil, exactErrors: nil, functionals: nil, errorEstimate: nil, social: nil, phases: [],
            history: history, arrays: [:], pictures: [])
        try JSONFile.write(summary, to: directory.appendingPathComponent("summary.json"))
    }

    /// convergence.csv: one row per iteration.
    static func writeHistory(_ history: [IterationReport], to directory: URL) throws {
        func number(_ v: Double?) -> String { v.map { "\($0)" } ?? "" }
        try CSV.write(
            header: ["iteration", "hjb_residual", "fp_residual", "mass", "mass_drift", "min_density", "seconds", "phase",
                     "krylov_products", "step_length"],
            cells: history.map {
                ["\($0.iteration)", "\($0.hjbResidual)", "\($0.fpResidual)", "\($0.mass)", "\($0.massDrift)", "\($0.minDensity)",
                 "\($0.seconds)", $0.phase, $0.krylovProducts.map { "\($0)" } ?? "", number($0.stepLength)]
            },
            to: directory.appendingPathComponent("convergence.csv"))
    }

    // MARK: - Pictures

    static func drawPictures(_ s: Equilibrium, _ run: RunDescription, model: MFGModel, to directory: URL) throws -> [String] {
        let pictures = try drawSolution(s, run, model: model, to: directory)
        guard let e = s.errorEstimate else { return pictures }
        return pictures + [try errorPicture(s, e, run, model: model, to: directory)]
    }

    /// error_bars.png: in 1D the last (or stationary) density with the band `m +- m_error`; in 2D the
    /// estimated error of the last density level.
    static func errorPicture(_ s: Equilibrium, _ e: ErrorEstimate, _ run: RunDescription, model: MFGModel, to directory: URL) throws -> String {
        let last = s.levels - 1
        let m = Array(s.level(s.m, last)), error = Array(s.level(e.densityError, last))
        let when = s.isErgodic ? "stationary density" : String(format: "density at t = %.3g", s.t![last])
        let file = directory.appendingPathComponent("error_bars.png")
        if case let .twoD(problem) = model {
            try Figures.snapshots2D(
                [error], labels: ["estimated |m_h - m|"], x: s.x, y: s.y!,
                extent: (problem.lowerX, problem.upperX, problem.lowerY, problem.upperY),
                active: s.active ?? [Bool](repeating: true, count: s.levelSize), walls: problem.boundary == .reflecting,
                exits: exitSegments(problem, s), title: "\(run.problem): estimated discretisation error of the \(when)",
                colorLabel: "error", to: file)
        } else {
            try Figures.linePlot(
                [Series(label: "m", x: s.x, y: m, color: Figures.palette[0]),
                 Series(label: "m + error", x: s.x, y: zip(m, error).map { $0 + $1 }, color: Figures.palette[1]),
                 Series(label: "m - error", x: s.x, y: zip(m, error).map { $0 - $1 }, color: Figures.palette[2])],
                title: "\(run.problem): \(when) with its error bars", xLabel: "x", yLabel: "m", logY: false, to: file)
        }
        return "error_bars.png"
    }

    static func drawSolution(_ s: Equilibrium, _ run: RunDescription, model: MFGModel, to directory: URL) throws -> [String] {
        let name = run.problem
        try convergencePlot(s, run, to: directory)
        switch (model, s.isErgodic) {
        case (.oneD, false):
            try Figures.heatMap(s.m, x: s.x, y: s.t!, title: "\(name): density m(t, x)", xLabel: "x", yLabel: "t",
                                colorLabel: "m", to: directory.appendingPathComponent("density.png"))
            try Figures.heatMap(s.u, x: s.x, y: s.t!, title: "\(name): value function u(t, x)", xLabel: "x", yLabel: "t",
                                colorLabel: "u", to: directory.appendingPathComponent("value.png"))
            let levels = Array(Set([0, s.nt / 4, s.nt / 2, 3 * s.nt / 4, s.nt])).sorted()
            let snapshots = levels.enumerated().map { k, n in
                Series(label: String(format: "t = %.3g", s.t![n]), x: s.x, y: Array(s.level(s.m, n)),
                       color: Figures.palette[k % Figures.palette.count])
            }
            try Figures.linePlot(snapshots, title: "\(name): density snapshots", xLabel: "x", yLabel: "m(t, x)",
                                 logY: false, to: directory.appendingPathComponent("snapshots.png"))
            return ["density.png", "value.png", "snapshots.png", "convergence.png"]
        case (.oneD, true):
            try Figures.linePlot(
                [Series(label: "m(x)", x: s.x, y: s.m, color: Figures.palette[0])],
                title: String(format: "%@: stationary density, lambda = %.6g", name, s.lambda ?? .nan), xLabel: "x",
                yLabel: "m(x)", logY: false, to: directory.appendingPathComponent("density.png"))
            try Figures.linePlot(
                [Series(label: "u(x)", x: s.x, y: s.u, color: Figures.palette[1]),
                 Series(label: "alpha(x)", x: s.x, y: s.control[0], color: Figures.palette[2])],
                title: "\(name): value function and feedback", xLabel: "x",
                yLabel: "u, alpha", logY: false, to: directory.appendingPathComponent("value.png"))
            return ["density.png", "value.png", "convergence.png"]
        case let (.twoD(problem), ergodic):
            let cells = s.levelSize
            let active = s.active ?? [Bool](repeating: true, count: cells)
            let extent = (problem.lowerX, problem.upperX, problem.lowerY, problem.upperY)
            let walls = problem.boundary == .reflecting
            let doors = exitSegments(problem, s)
            let levels = ergodic ? [0] : Array(Set([0, s.nt / 3, 2 * s.nt / 3, s.nt])).sorted()
            let labels = ergodic ? [String(format: "stationary density, lambda = %.6g", s.lambda ?? .nan)]
                : levels.map { String(format: "t = %.3g", s.t![$0]) }
            try Figures.snapshots2D(
                levels.map { Array(s.level(s.m, $0)) }, labels: labels, x: s.x, y: s.y!, extent: extent, active: active,
                walls: walls, exits: doors, title: "\(name): density m\(ergodic ? "(x, y)" : "(t, x, y)")", colorLabel: "m",
                to: directory.appendingPathComponent("density.png"))
            try Figures.snapshots2D(
                [Array(s.level(s.u, 0))], labels: [ergodic ? "value function" : "t = 0"], x: s.x, y: s.y!, extent: extent,
                active: active, walls: walls, exits: doors, title: "\(name): value function u\(ergodic ? "(x, y)" : "(0, x, y)")",
                colorLabel: "u", to: directory.appendingPathComponent("value.png"))
            return ["density.png", "value.png", "convergence.png"]
        }
    }

    /// The boundary faces of the doors of a 2D problem, as segments `(x0, y0, x1, y1)`.
    static func exitSegments(_ problem: MFGProblem2D, _ s: Equilibrium) -> [(Double, Double, Double, Double)] {
        guard let y = s.y else { return [] }
        var segments: [(Double, Double, Double, Double)] = []
        let hx = (problem.upperX - problem.lowerX) / Double(s.nx), hy = (problem.upperY - problem.lowerY) / Double(y.count)
        for e in problem.exits {
            switch e.side {
            case .left, .right:
                let xw = e.side == .left ? problem.lowerX : problem.upperX
                for yj in y where e.located?(xw, yj) ?? true { segments.append((xw, yj - hy / 2, xw, yj + hy / 2)) }
            case .bottom, .top:
                let yw = e.side == .bottom ? problem.lowerY : problem.upperY
                for xi in s.x where e.located?(xi, yw) ?? true { segments.append((xi - hx / 2, yw, xi + hx / 2, yw)) }
            }
        }
        return segments
    }

    /// The HJB and FP residuals per iteration; the title names the methods used, in order, and a
    /// line marks where each method began.
    static func convergencePlot(_ s: Equilibrium, _ run: RunDescription, to directory: URL) throws {
        let iterations = s.history.map { Double($0.iteration) }
        let methods = s.phases.map(\.method).joined(separator: " > ")
        let markers = s.phases.count > 1 ? s.phases.map { (x: Double($0.firstIteration), label: $0.method) } : []
        try Figures.linePlot(
            [Series(label: "HJB residual", x: iterations, y: s.history.map(\.hjbResidual), color: Figures.palette[0]),
             Series(label: "FP residual", x: iterations, y: s.history.map(\.fpResidual), color: Figures.palette[1])],
            title: "\(run.problem): convergence (\(methods.isEmpty ? run.solver : methods))", xLabel: "iteration",
            yLabel: "residual |r|", logY: true, markers: markers, to: directory.appendingPathComponent("convergence.png"))
    }
}
