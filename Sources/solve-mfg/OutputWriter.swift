import Foundation
import PDE
import Writers

/// What was solved, as recorded in summary.json.
struct RunDescription: Encodable {
    var problem: String
    var description: String
    var source: String
    var nx: Int
    var nt: Int
    var lower: Double
    var upper: Double
    var boundary: String
    var horizon: Double
    var viscosity: Double
    var solver: String
    var tolerance: Double
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
    var history: [IterationReport]
    var arrays: [String: [Int]]
}

enum OutputWriter {
    static func write(_ s: MFGSolution, _ run: RunDescription, to directory: URL) throws {
        let grid = [s.nt + 1, s.nx]
        try NPY.write(s.x, shape: [s.nx], to: directory.appendingPathComponent("x.npy"))
        try NPY.write(s.t, shape: [s.nt + 1], to: directory.appendingPathComponent("t.npy"))
        try NPY.write(s.m, shape: grid, to: directory.appendingPathComponent("m.npy"))
        try NPY.write(s.u, shape: grid, to: directory.appendingPathComponent("u.npy"))
        try NPY.write(s.control, shape: grid, to: directory.appendingPathComponent("alpha.npy"))
        try writeHistory(s.history, to: directory)
        let last = s.final
        let summary = Summary(
            run: run, converged: s.converged, failure: nil, iterations: s.iterations, residual: last?.residual,
            hjbResidual: last?.hjbResidual, fpResidual: last?.fpResidual, mass: last?.mass,
            massDrift: last?.massDrift, minDensity: last?.minDensity, wallSeconds: s.seconds, history: s.history,
            arrays: ["x": [s.nx], "t": [s.nt + 1], "m": grid, "u": grid, "alpha": grid])
        // Written last: its presence marks a complete output directory.
        try JSONFile.write(summary, to: directory.appendingPathComponent("summary.json"))
    }

    static func writeDiagnostics(_ run: RunDescription, history: [IterationReport], failure: String, to directory: URL) throws {
        try writeHistory(history, to: directory)
        let summary = Summary(
            run: run, converged: false, failure: failure, iterations: history.count, residual: nil, hjbResidual: nil,
            fpResidual: nil, mass: nil, massDrift: nil, minDensity: nil, wallSeconds: history.last?.seconds,
            history: history, arrays: [:])
        try JSONFile.write(summary, to: directory.appendingPathComponent("summary.json"))
    }

    static func writeHistory(_ history: [IterationReport], to directory: URL) throws {
        try CSV.write(
            header: ["iteration", "hjb_residual", "fp_residual", "mass", "mass_drift", "min_density", "seconds"],
            rows: history.map { [Double($0.iteration), $0.hjbResidual, $0.fpResidual, $0.mass, $0.massDrift, $0.minDensity, $0.seconds] },
            to: directory.appendingPathComponent("convergence.csv"))
    }
}
