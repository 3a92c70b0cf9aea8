import Foundation
import RLBridge
import Writers

/// The output directory of `rl run` and `rl offline`, and what a run stopped by a non-finite value leaves there.
enum RLOutputs {
    /// Every file these commands may write (an earlier run's that this one does not write are removed).
    static let names = [
        "policy.npy", "distribution.npy", "exploitability.csv", "exploitability.png", "summary.json",
        "equilibrium_policy.npy", "equilibrium_distribution.npy", "equilibrium_exploitability.csv", "q.mlp", "v.mlp", "policy.mlp",
    ]

    /// The directory `--out` (or `fallback`), checked before any work.
    static func directory(_ out: String?, fallback: String, inputs: [String] = []) throws -> OutputDirectory {
        try OutputDirectory(out ?? fallback, outputs: names, inputs: inputs)
    }

    /// A run stopped by a NaN or an infinity: writes exploitability.csv up to it and summary.json with
    /// `failure` in place of the earlier outputs, says so, and exits with code 4.
    static func fail(_ f: NonFiniteResult, output: OutputDirectory, game: String, algorithm: String, parameters: [String],
                     header: [String], rows: [[Double]]) throws -> Never {
        let staged = try output.stage()
        try CSV.write(header: header, rows: rows, integerColumns: 1, to: staged.appendingPathComponent("exploitability.csv"))
        try JSONFile.write(RLFailure(game: game, algorithm: algorithm, parameters: parameters, failure: f.description,
                                     iteration: f.iteration, history: rows.map { Dictionary(uniqueKeysWithValues: zip(header, $0)) }),
                           to: staged.appendingPathComponent("summary.json"))
        try output.commit()
        printError("error: \(f)")
        printError("diagnostics written to \(output.url.path) (exploitability.csv, summary.json)")
        throw Exit.numericalFailure
    }
}

/// summary.json of a run stopped by a non-finite value.
struct RLFailure: Encodable {
    var game: String
    var algorithm: String
    var parameters: [String]
    var failure: String
    var iteration: Int
    var history: [[String: Double]]
}
