import ArgumentParser
import Foundation
import Neural
import PDE

@main
struct SolveMFG: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "solve-mfg",
        abstract: "Ground-truth equilibria of continuous mean field games.",
        discussion: Exit.table,
        version: "0.5.0-dev",
        subcommands: [Solve.self, Evaluate.self, NPlayer.self, BenchmarkCommand.self, Approx.self, Check.self, Verify.self, List.self, RL.self, DatasetCommand.self, Bench.self],
        defaultSubcommand: nil)

    /// One BLAS thread unless the user set OPENBLAS_NUM_THREADS: the plain command is the fast one.
    static func main() {
        if ProcessInfo.processInfo.environment["OPENBLAS_NUM_THREADS"] == nil { BLASThreads.useOneThreadAtStartUp() }
        // As ParsableCommand.main, with every error of the project's layers mapped to the one table of exit codes.
        do {
            var command = try parseAsRoot(nil)
            try command.run()
        } catch {
            exit(withError: Exit.mapped(error))
        }
    }
}
