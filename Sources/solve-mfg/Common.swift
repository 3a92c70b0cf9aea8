import Approximators
import ArgumentParser
import Foundation
import PDE
import Problems
import RLBridge
import Datasets
import Writers

/// The one table of exit codes, honoured by every command and documented in `solve-mfg --help`
/// (`table`), each command's help and the README.
enum Exit {
    /// A file could not be written (permissions, a full disk, a path that is a symlink or a device);
    /// also `verify --error-estimate` when a bound fails to cover its true error.
    static let ioFailure = ExitCode(1)
    static let notConverged = ExitCode(3)
    static let numericalFailure = ExitCode(4)
    /// The command line: an unknown flag, a malformed value, a flag out of its own range, flags that conflict.
    static let usage = ExitCode(64)
    /// The problem, game or data: a problem file, a --set parameter, a dataset or policy file (missing,
    /// unreadable or invalid), a name not in the catalogue, a size this problem or game cannot use.
    static let badData = ExitCode(65)

    static let table = """
        Exit codes: 0 success; 1 a file could not be written (permissions, a full disk, a path that is a \
        symlink or a device), or `verify --error-estimate` found a bound that does not cover its true error; 3 ran but did not converge (outputs and diagnostics still written); 4 a NaN or \
        an infinity appeared (the run stops; diagnostics written); 64 bad command line (an unknown flag, a \
        malformed value, a flag out of its range); 65 invalid problem, game or data (a problem file, a --set \
        parameter, a dataset or policy file, a size this problem cannot use).
        """

    /// One line for each command's help.
    static let brief = "\n\nExit codes: 0 success, 1 cannot write a file, 3 not converged, 4 a NaN or infinity, 64 bad command line, 65 invalid problem, game or data (details: solve-mfg --help)."

    /// Prints the message of an error of this project's layers and returns the exit code of the table;
    /// any other error (ArgumentParser's own) is returned as it is.
    static func mapped(_ error: Error) -> Error {
        func fail(_ message: CustomStringConvertible, _ code: ExitCode) -> Error {
            printError("error: \(message)")
            return code
        }
        switch error {
        case let e as MFGError:
            if case .nonFinite = e { return fail(e, numericalFailure) }
            return fail(e, badData)
        case let e as ProblemFileError: return fail(e, badData)
        case let CommandError.badInput(message): return fail(message, badData)
        case let e as RLError:
            if case .usage = e { return fail(e, usage) }
            return fail(e, badData)
        case let e as NonFiniteResult: return fail(e, numericalFailure)
        case let e as ReferenceNotConverged: return fail(e, notConverged)
        case let e as WriterError:
            switch e {
            case .cannotWrite: return fail(e, ioFailure)
            case .badPath: return fail(e, usage)
            case .malformed: return fail(e, badData)
            }
        case let e as DatasetError:
            if case .cannotWrite = e { return fail(e, ioFailure) }
            return fail(e, badData)
        case let e as ApproximatorError: return fail(e, badData)
        default: return error
        }
    }
}

/// Writes a line to standard error.
func printError(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}

/// Runs `body`, turning input errors into a clear message and exit code 65; `source` says where the
/// sizes and parameters of a refused grid came from (flags, file and line).
func reportingInputErrors<T>(source: String? = nil, _ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let error as MFGError {
        if case .nonFinite = error { throw error }
        if case .invalidParameter = error, let source {
            printError("error: \(error) (\(source))")
        } else {
            printError("error: \(error)")
        }
        throw Exit.badData
    } catch let CommandError.badInput(message) {
        printError("error: \(message)")
        throw Exit.badData
    } catch let error as ProblemFileError {
        printError("error: \(error)")
        throw Exit.badData
    }
}

/// Options shared by the commands that read a problem.
struct ProblemOptions: ParsableArguments {
    @Argument(help: "A problem file (.toml) or the name of a catalogue problem (see `solve-mfg list`).")
    var problem: String = "congestion-lst-1d"

    @Option(name: .customLong("set"), help: ArgumentHelp(
        "Override a parameter of the file, e.g. --set nu=0.02 (repeatable).", valueName: "name=value"))
    var overrides: [String] = []

    func load() throws -> ProblemFile {
        try reportingInputErrors { try ProblemLocator.load(problem, overrides: overrides) }
    }
}

extension SolverMethod: ExpressibleByArgument {}
extension Objective: ExpressibleByArgument {}

/// One progress line per iteration, on standard error.
func progressLine(_ r: IterationReport) -> String {
    var line = String(format: "iter %4d  %-16@  hjb %9.3e  fp %9.3e  mass %.15f  min m %10.3e  %8.3f s",
                      r.iteration, r.phase, r.hjbResidual, r.fpResidual, r.mass, r.minDensity, r.seconds)
    if let k = r.krylovProducts { line += "  gmres \(k)" }
    if let t = r.stepLength, t < 1 { line += String(format: "  step %.3g", t) }
    if let n = r.unconvergedHJBSteps { line += "  (HJB iteration unconverged at \(n) steps)" }
    return line
}

/// Solver flags; each falls back to the problem file's `[solver]` table, then to the default.
struct SolverFlags: ParsableArguments {
    @Option(help: "Coupled solver: auto (policy iteration while it contracts fast, Newton's method on the best response otherwise, fictitious play if Newton stalls), newton, policy-iteration or fixed-point (default: the file's [solver] method, else auto).")
    var solver: SolverMethod?

    @Option(help: "Stop when both the HJB and FP residuals, sqrt(h dt)*|r|_2, are at most this (default 1e-10).")
    var tolerance: Double?

    @Option(help: "Largest number of iterations of the coupled solver (default 200).")
    var maxIterations: Int?

    @Option(help: "Fixed point only: damping d in (0, 1] of m <- (1-d) m + d FP(HJB(m)); 0 means fictitious play, d = 1/(k+1) (default 0.5).")
    var damping: Double?

    @Option(help: "Policy iteration: weight in (0, 1] of the new policy in each update; below 1 the policies are averaged (smoothed policy iteration) (default 1).")
    var relaxation: Double?

    @Flag(help: "Also solve on the grids of steps 2h and 4h (every count halved, then quartered; beside the requested solve, on a second core) and report each functional with its estimated discretisation error, Richardson-extrapolated value and observed order, and m_error.npy, u_error.npy (see docs/scheme.md). nx, ny and nt must be multiples of 4 (default: the file's [solver] error_estimate, else off).")
    var errorEstimate = false

    func options(_ file: ProblemFile) -> SolverOptions {
        let d = SolverOptions()
        var o = SolverOptions(
            method: solver ?? file.solver.method ?? d.method,
            tolerance: tolerance ?? file.solver.tolerance ?? d.tolerance,
            maxIterations: maxIterations ?? file.solver.maxIterations ?? d.maxIterations,
            damping: damping ?? file.solver.damping ?? d.damping,
            policyRelaxation: relaxation ?? file.solver.relaxation ?? d.policyRelaxation)
        o.errorEstimate = errorEstimate || (file.solver.errorEstimate ?? false)
        return o
    }
}

/// `x` rounded up to one significant digit (4.1e-10 -> 5e-10), for suggesting a setting.
func roundedUp(_ x: Double) -> Double {
    guard x.isFinite, x > 0 else { return x }
    let unit = pow(10, (log10(x)).rounded(.down))
    return (x / unit).rounded(.up) * unit
}

/// Where the counts of a grid came from, for errors that refuse it: `nx 1000000 from --nx, nt 40 from
/// problems/lq-1d.toml:23 [discretisation] nt`.
func gridSource(_ file: ProblemFile, _ grid: GridSize, nx: Int?, ny: Int?, nt: Int?) -> String {
    func origin(_ name: String, _ value: Int?, _ flag: Int?) -> String? {
        guard let value else { return nil }
        if flag != nil { return "\(name) \(value) from --\(name)" }
        if let line = file.lines["discretisation.\(name)"] { return "\(name) \(value) from \(file.path):\(line) [discretisation] \(name)" }
        return "\(name) \(value), the default"
    }
    return [origin("nx", grid.nx, nx), origin("ny", grid.ny, ny), origin("nt", grid.nt, nt)].compactMap { $0 }.joined(separator: ", ")
}
