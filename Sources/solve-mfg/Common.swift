import ArgumentParser
import Foundation
import PDE

/// Exit codes documented in `solve-mfg --help`.
enum Exit {
    static let notConverged = ExitCode(3)
    static let numericalFailure = ExitCode(4)
    static let badData = ExitCode(65)
}

/// Writes a line to standard error.
func printError(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}

/// Runs `body`, turning the library's input errors into a clear message and exit code 65.
func reportingInputErrors<T>(_ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let error as MFGError {
        if case .nonFinite = error { throw error }
        printError("error: \(error)")
        throw Exit.badData
    }
}

extension SolverMethod: ExpressibleByArgument {}

/// One progress line per iteration, on standard error.
func progressLine(_ r: IterationReport) -> String {
    String(format: "iter %4d  hjb %9.3e  fp %9.3e  mass %.15f  min m %10.3e  %8.3f s",
           r.iteration, r.hjbResidual, r.fpResidual, r.mass, r.minDensity, r.seconds)
}
