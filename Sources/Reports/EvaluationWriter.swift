import Foundation
import PDE
import Plots
import Writers

/// The output directory of `solve-mfg evaluate` (docs/output.md).
public enum EvaluationWriter {
    /// Every file an evaluation may write (for `OutputDirectory`).
    public static let outputNames = [
        "x.npy", "y.npy", "t.npy", "m.npy", "u.npy", "m_equilibrium.npy", "alpha.npy", "alpha_x.npy", "alpha_y.npy",
        "alpha_br.npy", "alpha_br_x.npy", "alpha_br_y.npy", "population.png", "summary.json",
    ]

    /// summary.json of an evaluation.
    struct Summary: Encodable {
        var run: RunDescription
        var control: String
        var cost: Double
        var bestResponseCost: Double
        var exploitability: Double
        var densityDistance: Double
        var equilibriumConverged: Bool
        var errorEstimate: QuantitiesSummary?
        var arrays: [String: [Int]]
        var pictures: [String]
    }

    /// Writes the arrays, the picture and (last) summary.json; returns the picture names.
    public static func write(
        _ e: ControlEvaluation, _ run: RunDescription, control: String, model: MFGModel, pictures: Bool, to directory: URL
    ) throws -> [String] {
        let s = e.population
        var files = ArrayFiles(directory)
        try files.writeState(s)
        func array(_ name: String, _ values: [Double], _ shape: [Int]) throws { try files.write(name, values, shape) }
        try array("m_equilibrium", e.equilibrium.m, s.shape)
        for (name, field) in zip(s.controlNames, e.bestResponse) {
            try array(name.replacingOccurrences(of: "alpha", with: "alpha_br"), field, s.shape)
        }
        var names: [String] = []
        if pictures {
            try drawPopulation(e, run, model: model, to: directory.appendingPathComponent("population.png"))
            names.append("population.png")
        }
        let summary = Summary(
            run: run, control: control, cost: e.cost, bestResponseCost: e.bestResponseCost, exploitability: e.exploitability,
            densityDistance: e.densityDistance, equilibriumConverged: e.equilibrium.converged,
            errorEstimate: e.errorEstimate.map(QuantitiesSummary.init), arrays: files.shapes, pictures: names)
        try JSONFile.write(summary, to: directory.appendingPathComponent("summary.json"))
        return names
    }

    /// population.png: `m^a` against the equilibrium density (1D: at three times; 2D: at the horizon).
    static func drawPopulation(_ e: ControlEvaluation, _ run: RunDescription, model: MFGModel, to file: URL) throws {
        let s = e.population, q = e.equilibrium
        let title = String(format: "%@: agents following the control (exploitability %.3g)", run.problem, e.exploitability)
        if case let .twoD(problem) = model {
            let last = s.levels - 1
            try Figures.snapshots2D(
                [Array(s.level(s.m, last)), Array(q.level(q.m, last))], labels: ["following the control", "equilibrium"],
                x: s.x, y: s.y!, extent: (problem.lowerX, problem.upperX, problem.lowerY, problem.upperY),
                active: s.active ?? [Bool](repeating: true, count: s.levelSize), walls: problem.boundary == .reflecting,
                exits: OutputWriter.exitSegments(problem, s), title: title, colorLabel: "m", to: file)
            return
        }
        let levels = s.isErgodic ? [0] : Array(Set([s.nt / 2, s.nt])).sorted()
        var series: [Series] = []
        for (k, n) in levels.enumerated() {
            let when = s.t.map { String(format: " t = %.3g", $0[n]) } ?? ""
            series.append(Series(label: "m^a" + when, x: s.x, y: Array(s.level(s.m, n)), color: Figures.palette[2 * k % Figures.palette.count]))
            series.append(Series(label: "m*" + when, x: s.x, y: Array(q.level(q.m, n)), color: Figures.palette[(2 * k + 1) % Figures.palette.count]))
        }
        try Figures.linePlot(series, title: title, xLabel: "x", yLabel: "m", logY: false, to: file)
    }
}
