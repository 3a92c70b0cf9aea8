import ArgumentParser
import Foundation
import Neural
import PDE

@main
struct SolveMFG: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "solve-mfg",
        abstract: "Ground-truth equilibria of continuous mean field games.",
        discussion: """
            Exit codes: 0 success (solve converged); 3 the solve ran but did not converge (outputs and \
            diagnostics are still written); 4 the solve failed numerically (a NaN appeared; diagnostics \
            written); 64 bad command line; 65 invalid problem data or parameter; 1 other failures (I/O).
            """,
        version: "0.5.0-dev",
        subcommands: [Solve.self, Evaluate.self, NPlayer.self, BenchmarkCommand.self, Check.self, Verify.self, List.self, RL.self, DatasetCommand.self, Bench.self],
        defaultSubcommand: nil)

    /// One BLAS thread unless the user set OPENBLAS_NUM_THREADS: the plain command is the fast one.
    static func main() {
        if ProcessInfo.processInfo.environment["OPENBLAS_NUM_THREADS"] == nil { BLASThreads.set(1) }
        main(nil)
    }
}
