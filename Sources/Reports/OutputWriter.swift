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
    public var nt: Int
    public var lower: Double
    public var upper: Double
    var boundary: String
    /// Exit costs by side ("left", "right"); empty without exits.
    var exits: [String: Double]
    var horizon: Double?
    var ergodic: Bool
    var viscosity: Double
    var solver: String
    var tolerance: Double
    public var exactErrors: ExactErrors?

    public init(file: ProblemFile, nx: Int, nt: Int, solver: SolverMethod, tolerance: Double) {
        let p = file.problem
        problem = file.name
        self.file = file.path
        description = file.description
        source = file.source
        parameters = Dictionary(uniqueKeysWithValues: file.parameters.map { ($0.name, $0.value) })
        expressions = file.expressions
        self.nx = nx
        self.ny = nil
        self.nt = nt
        lower = p.lower
        upper = p.upper
        boundary = p.boundary.rawValue
        exits = [:]
        if let g = p.leftExit { exits["left"] = g }
        if let g = p.rightExit { exits["right"] = g }
        ergodic = p.isErgodic || (file.problem2D?.isErgodic ?? false)
        horizon = ergodic ? nil : p.horizon
        viscosity = p.viscosity
        self.solver = solver.rawValue
        self.tolerance = tolerance
    }
}

/// summary.json: the run, its outcome and the residual history.
struct Summary: Encodable {
    var run: RunDescription
    var converged: Bool
    var failure: String?
    var iterations: Int
    var residual: Double?
    var hjbResidual: Double?
    var fpResidual: Double?
    var mass: Double?
    var massDrift: Double?
    var minDensity: Double?
    var wallSeconds: Double?
    var lambda: Double?
    /// 2D with exits: total mass that left.
    var outflow: Double?
    var exactErrors: ExactErrors?
    var history: [IterationReport]
    var arrays: [String: [Int]]
    var pictures: [String]
}

/// Writes a solve's output directory (layout: docs/output.md).
public enum OutputWriter {
    /// Writes arrays, history, pictures and (last) summary.json; returns the picture file names.
    public static func write(_ s: MFGSolution, _ run: RunDescription, pictures: Bool, to directory: URL) throws -> [String] {
        let grid = [s.nt + 1, s.nx]
        try NPY.write(s.x, shape: [s.nx], to: directory.appendingPathComponent("x.npy"))
        try NPY.write(s.t, shape: [s.nt + 1], to: directory.appendingPathComponent("t.npy"))
        try NPY.write(s.m, shape: grid, to: directory.appendingPathComponent("m.npy"))
        try NPY.write(s.u, shape: grid, to: directory.appendingPathComponent("u.npy"))
        try NPY.write(s.control, shape: grid, to: directory.appendingPathComponent("alpha.npy"))
        try writeHistory(s.history, to: directory)
        let names = pictures ? try drawPictures(s, run, to: directory) : []
        let last = s.final
        let summary = Summary(
            run: run, converged: s.converged, failure: nil, iterations: s.iterations, residual: last?.residual,
            hjbResidual: last?.hjbResidual, fpResidual: last?.fpResidual, mass: last?.mass,
            massDrift: last?.massDrift, minDensity: last?.minDensity, wallSeconds: s.seconds, lambda: nil, outflow: nil,
            exactErrors: run.exactErrors, history: s.history,
            arrays: ["x": [s.nx], "t": [s.nt + 1], "m": grid, "u": grid, "alpha": grid], pictures: names)
        // Written last: its presence marks a complete output directory.
        try JSONFile.write(summary, to: directory.appendingPathComponent("summary.json"))
        return names
    }

    /// The output of an ergodic solve: arrays `[Nx]`, lambda in the summary, pictures of m, of u and
    /// the feedback, and of the residuals.
    public static func write(_ s: ErgodicSolution, _ run: RunDescription, pictures: Bool, to directory: URL) throws -> [String] {
        try NPY.write(s.x, shape: [s.nx], to: directory.appendingPathComponent("x.npy"))
        try NPY.write(s.m, shape: [s.nx], to: directory.appendingPathComponent("m.npy"))
        try NPY.write(s.u, shape: [s.nx], to: directory.appendingPathComponent("u.npy"))
        try NPY.write(s.control, shape: [s.nx], to: directory.appendingPathComponent("alpha.npy"))
        try writeHistory(s.history, to: directory)
        var names: [String] = []
        if pictures {
            let name = run.problem
            try Figures.linePlot(
                [Series(label: "m(x)", x: s.x, y: s.m, color: Figures.palette[0])],
                title: String(format: "%@: stationary density, lambda = %.6g", name, s.lambda), xLabel: "x",
                yLabel: "m(x)", logY: false, to: directory.appendingPathComponent("density.png"))
            try Figures.linePlot(
                [Series(label: "u(x)", x: s.x, y: s.u, color: Figures.palette[1]),
                 Series(label: "alpha(x)", x: s.x, y: s.control, color: Figures.palette[2])],
                title: "\(name): value function and feedback", xLabel: "x",
                yLabel: "u, alpha", logY: false, to: directory.appendingPathComponent("value.png"))
            try convergencePlot(s.history, run, to: directory)
            names = ["density.png", "value.png", "convergence.png"]
        }
        let last = s.final
        let summary = Summary(
            run: run, converged: s.converged, failure: nil, iterations: s.iterations, residual: last?.residual,
            hjbResidual: last?.hjbResidual, fpResidual: last?.fpResidual, mass: last?.mass,
            massDrift: last?.massDrift, minDensity: last?.minDensity, wallSeconds: s.seconds, lambda: s.lambda, outflow: nil,
            exactErrors: run.exactErrors, history: s.history,
            arrays: ["x": [s.nx], "m": [s.nx], "u": [s.nx], "alpha": [s.nx]], pictures: names)
        try JSONFile.write(summary, to: directory.appendingPathComponent("summary.json"))
        return names
    }

    /// The output of a 2D solve: `[Nt+1, Nx, Ny]` arrays, the obstacle mask, outflow, pictures.
    public static func write(_ s: MFGSolution2D, _ run: RunDescription, problem: MFGProblem2D, pictures: Bool,
                             to directory: URL) throws -> [String] {
        let shape = [s.nt + 1, s.nx, s.ny]
        try NPY.write(s.x, shape: [s.nx], to: directory.appendingPathComponent("x.npy"))
        try NPY.write(s.y, shape: [s.ny], to: directory.appendingPathComponent("y.npy"))
        try NPY.write(s.t, shape: [s.nt + 1], to: directory.appendingPathComponent("t.npy"))
        try NPY.write(s.m, shape: shape, to: directory.appendingPathComponent("m.npy"))
        try NPY.write(s.u, shape: shape, to: directory.appendingPathComponent("u.npy"))
        try NPY.write(s.controlX, shape: shape, to: directory.appendingPathComponent("alpha_x.npy"))
        try NPY.write(s.controlY, shape: shape, to: directory.appendingPathComponent("alpha_y.npy"))
        try NPY.write(s.active.map { $0 ? 1 : 0 }, shape: [s.nx, s.ny], to: directory.appendingPathComponent("active.npy"))
        try writeHistory(s.history, to: directory)
        var names: [String] = []
        if pictures {
            let cells = s.nx * s.ny
            let levels = Array(Set([0, s.nt / 3, 2 * s.nt / 3, s.nt])).sorted()
            let extent = (problem.lowerX, problem.upperX, problem.lowerY, problem.upperY)
            var segments: [(Double, Double, Double, Double)] = []
            let hx = (problem.upperX - problem.lowerX) / Double(s.nx), hy = (problem.upperY - problem.lowerY) / Double(s.ny)
            for e in problem.exits {
                // Boundary faces of the door, merged into one segment per run of faces.
                switch e.side {
                case .left, .right:
                    let xw = e.side == .left ? problem.lowerX : problem.upperX
                    for yj in s.y where e.located?(xw, yj) ?? true { segments.append((xw, yj - hy / 2, xw, yj + hy / 2)) }
                case .bottom, .top:
                    let yw = e.side == .bottom ? problem.lowerY : problem.upperY
                    for xi in s.x where e.located?(xi, yw) ?? true { segments.append((xi - hx / 2, yw, xi + hx / 2, yw)) }
                }
            }
            try Figures.snapshots2D(
                levels.map { Array(s.m[($0 * cells)..<(($0 + 1) * cells)]) }, labels: levels.map { String(format: "t = %.3g", s.t[$0]) },
                x: s.x, y: s.y, extent: extent, active: s.active, walls: problem.boundary == .reflecting, exits: segments,
                title: "\(run.problem): density m(t, x, y)", colorLabel: "m", to: directory.appendingPathComponent("density.png"))
            try Figures.snapshots2D(
                [Array(s.u[0..<cells])], labels: ["t = 0"], x: s.x, y: s.y, extent: extent, active: s.active,
                walls: problem.boundary == .reflecting, exits: segments, title: "\(run.problem): value function u(0, x, y)",
                colorLabel: "u", to: directory.appendingPathComponent("value.png"))
            try convergencePlot(s.history, run, to: directory)
            names = ["density.png", "value.png", "convergence.png"]
        }
        let last = s.final
        let summary = Summary(
            run: run, converged: s.converged, failure: nil, iterations: s.iterations, residual: last?.residual,
            hjbResidual: last?.hjbResidual, fpResidual: last?.fpResidual, mass: last?.mass,
            massDrift: last?.massDrift, minDensity: last?.minDensity, wallSeconds: s.seconds, lambda: nil,
            outflow: problem.hasExit ? s.outflow.reduce(0, +) : nil, exactErrors: nil, history: s.history,
            arrays: ["x": [s.nx], "y": [s.ny], "t": [s.nt + 1], "m": shape, "u": shape, "alpha_x": shape, "alpha_y": shape,
                     "active": [s.nx, s.ny]],
            pictures: names)
        try JSONFile.write(summary, to: directory.appendingPathComponent("summary.json"))
        return names
    }

    /// The output of a 2D ergodic solve: `[Nx, Ny]` arrays, lambda, pictures of m and u.
    public static func write(_ s: ErgodicSolution2D, _ run: RunDescription, problem: MFGProblem2D, pictures: Bool,
                             to directory: URL) throws -> [String] {
        let shape = [s.nx, s.ny]
        try NPY.write(s.x, shape: [s.nx], to: directory.appendingPathComponent("x.npy"))
        try NPY.write(s.y, shape: [s.ny], to: directory.appendingPathComponent("y.npy"))
        try NPY.write(s.m, shape: shape, to: directory.appendingPathComponent("m.npy"))
        try NPY.write(s.u, shape: shape, to: directory.appendingPathComponent("u.npy"))
        try NPY.write(s.controlX, shape: shape, to: directory.appendingPathComponent("alpha_x.npy"))
        try NPY.write(s.controlY, shape: shape, to: directory.appendingPathComponent("alpha_y.npy"))
        try NPY.write(s.active.map { $0 ? 1 : 0 }, shape: shape, to: directory.appendingPathComponent("active.npy"))
        try writeHistory(s.history, to: directory)
        var names: [String] = []
        if pictures {
            let extent = (problem.lowerX, problem.upperX, problem.lowerY, problem.upperY)
            try Figures.snapshots2D([s.m], labels: [String(format: "stationary density, lambda = %.6g", s.lambda)], x: s.x, y: s.y,
                                    extent: extent, active: s.active, walls: problem.boundary == .reflecting, exits: [],
                                    title: "\(run.problem): density m(x, y)", colorLabel: "m",
                                    to: directory.appendingPathComponent("density.png"))
            try Figures.snapshots2D([s.u], labels: ["value function"], x: s.x, y: s.y, extent: extent, active: s.active,
                                    walls: problem.boundary == .reflecting, exits: [], title: "\(run.problem): u(x, y)",
                                    colorLabel: "u", to: directory.appendingPathComponent("value.png"))
            try convergencePlot(s.history, run, to: directory)
            names = ["density.png", "value.png", "convergence.png"]
        }
        let last = s.final
        let summary = Summary(
            run: run, converged: s.converged, failure: nil, iterations: s.iterations, residual: last?.residual,
            hjbResidual: last?.hjbResidual, fpResidual: last?.fpResidual, mass: last?.mass, massDrift: last?.massDrift,
            minDensity: last?.minDensity, wallSeconds: s.seconds, lambda: s.lambda, outflow: nil,
            exactErrors: run.exactErrors, history: s.history,
            arrays: ["x": [s.nx], "y": [s.ny], "m": shape, "u": shape, "alpha_x": shape, "alpha_y": shape, "active": shape],
            pictures: names)
        try JSONFile.write(summary, to: directory.appendingPathComponent("summary.json"))
        return names
    }

    static func convergencePlot(_ history: [IterationReport], _ run: RunDescription, to directory: URL) throws {
        let iterations = history.map { Double($0.iteration) }
        try Figures.linePlot(
            [Series(label: "HJB residual", x: iterations, y: history.map(\.hjbResidual), color: Figures.palette[0]),
             Series(label: "FP residual", x: iterations, y: history.map(\.fpResidual), color: Figures.palette[1])],
            title: "\(run.problem): convergence of \(run.solver)", xLabel: "iteration", yLabel: "residual |r|",
            logY: true, to: directory.appendingPathComponent("convergence.png"))
    }

    static func drawPictures(_ s: MFGSolution, _ run: RunDescription, to directory: URL) throws -> [String] {
        let name = run.problem
        try Figures.heatMap(s.m, x: s.x, y: s.t, title: "\(name): density m(t, x)", xLabel: "x", yLabel: "t",
                            colorLabel: "m", to: directory.appendingPathComponent("density.png"))
        try Figures.heatMap(s.u, x: s.x, y: s.t, title: "\(name): value function u(t, x)", xLabel: "x", yLabel: "t",
                            colorLabel: "u", to: directory.appendingPathComponent("value.png"))
        let levels = Array(Set([0, s.nt / 4, s.nt / 2, 3 * s.nt / 4, s.nt])).sorted()
        let snapshots = levels.enumerated().map { k, n in
            Series(label: String(format: "t = %.3g", s.t[n]), x: s.x, y: Array(s.row(s.m, n)),
                   color: Figures.palette[k % Figures.palette.count])
        }
        try Figures.linePlot(snapshots, title: "\(name): density snapshots", xLabel: "x", yLabel: "m(t, x)",
                             logY: false, to: directory.appendingPathComponent("snapshots.png"))
        try convergencePlot(s.history, run, to: directory)
        return ["density.png", "value.png", "snapshots.png", "convergence.png"]
    }

    public static func writeDiagnostics(_ run: RunDescription, history: [IterationReport], failure: String, to directory: URL) throws {
        try writeHistory(history, to: directory)
        let summary = Summary(
            run: run, converged: false, failure: failure, iterations: history.count, residual: nil, hjbResidual: nil,
            fpResidual: nil, mass: nil, massDrift: nil, minDensity: nil, wallSeconds: history.last?.seconds,
            lambda: nil, outflow: nil, exactErrors: nil, history: history, arrays: [:], pictures: [])
        try JSONFile.write(summary, to: directory.appendingPathComponent("summary.json"))
    }

    static func writeHistory(_ history: [IterationReport], to directory: URL) throws {
        try CSV.write(
            header: ["iteration", "hjb_residual", "fp_residual", "mass", "mass_drift", "min_density", "seconds"],
            rows: history.map { [Double($0.iteration), $0.hjbResidual, $0.fpResidual, $0.mass, $0.massDrift, $0.minDensity, $0.seconds] },
            to: directory.appendingPathComponent("convergence.csv"))
    }
}
