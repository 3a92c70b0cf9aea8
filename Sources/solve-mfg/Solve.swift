import ArgumentParser
import Foundation
import PDE
import Problems
import Reports
import Writers

struct Solve: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Solve a mean field game to its equilibrium and write arrays, summary and pictures.",
        discussion: """
            Writes to the output directory: x.npy [Nx], t.npy [Nt+1], m.npy, u.npy, alpha.npy \
            (float64, shape [Nt+1, Nx], row n is time t_n; m is a density, sum_i h m[n, i] = 1; \
            alpha is the feedback velocity; in 2D also y.npy, active.npy, alpha_x.npy and alpha_y.npy \
            of shape [Nt+1, Nx, Ny]; ergodic problems have no time axis), convergence.csv (one row per \
            iteration), PNG pictures (density.png, value.png, snapshots.png, convergence.png) and \
            summary.json, written last. See docs/output.md. The default solver (auto) needs no settings: \
            it switches between policy iteration, Newton's method and fictitious play by the residuals \
            and records every switch in summary.json.
            """)

    @OptionGroup var input: ProblemOptions

    @Option(help: "Grid points in space, cells along x in 2D (default: the file's [discretisation] nx).")
    var nx: Int?

    @Option(help: "Grid cells along y, 2D problems (default: the file's [discretisation] ny).")
    var ny: Int?

    @Option(help: "Time steps (default: the file's [discretisation] nt).")
    var nt: Int?

    @OptionGroup var settings: SolverFlags

    @Option(help: "Output directory (default: out/<problem name>).")
    var out: String?

    @Flag(help: "Do not write the PNG pictures.")
    var noPictures = false

    @Flag(help: "Do not print progress.")
    var quiet = false

    func run() throws {
        let file = try input.load()
        let model = file.model
        let grid = try gridSize(model, nx: nx, ny: ny, nt: nt)
        var options = settings.options(file)
        if !quiet { options.progress = { report in printError(progressLine(report)) } }
        try reportingInputErrors {
            do { try file.checkData(grid: grid) } catch let e as ProblemFileError { throw CommandError.badInput("\(e)") }
        }
        let directory = URL(fileURLWithPath: out ?? "out/\(file.name)")
        var run = RunDescription(file: file, grid: grid, options: options)
        if !quiet { printError("solving \(file.name) (\(file.path)) on \(grid) with \(options.method.rawValue)") }
        let solution = try solving(run, directory) { try MFGSolver.solve(model, grid: grid, options: options) }
        if !file.exact.isEmpty { run.exactErrors = ExactErrors(solution, exact: file.exact) }
        try AtomicFile.makeDirectory(directory)
        let pictures = try OutputWriter.write(solution, run, model: model, pictures: !noPictures, to: directory)
        try report(file, solution, run, pictures: pictures, directory: directory, options: options)
    }

    /// Runs a solver: bad input exits with 65; a NaN writes the diagnostics and exits with 4.
    func solving<T>(_ run: RunDescription, _ directory: URL, _ body: () throws -> T) throws -> T {
        do {
            return try reportingInputErrors(body)
        } catch let MFGError.nonFinite(iteration, quantity, advice, history) {
            try AtomicFile.makeDirectory(directory)
            try OutputWriter.writeDiagnostics(
                run, history: history, failure: "non-finite \(quantity) at iteration \(iteration): \(advice)", to: directory)
            printError("error: a non-finite value appeared in \(quantity) at iteration \(iteration): \(advice)")
            printError("diagnostics written to \(directory.path)")
            throw Exit.numericalFailure
        }
    }

    /// Prints the outcome and where everything is; exit code 3 when the solve did not converge.
    func report(
        _ file: ProblemFile, _ s: Equilibrium, _ run: RunDescription, pictures: [String], directory: URL,
        options: SolverOptions
    ) throws {
        let last = s.final!
        let status = s.converged ? "converged" : "did NOT converge"
        print("\(file.name): \(status) in \(s.iterations) iterations, residual \(String(format: "%.3e", last.residual)), "
              + "mass \(String(format: "%.15f", last.mass)), min m \(String(format: "%.3e", last.minDensity)), "
              + "\(String(format: "%.3f", s.seconds)) s")
        if s.phases.count > 1 { print("methods:  " + phaseSummary(s)) }
        if let lambda = s.lambda { print("lambda = \(String(format: "%.12g", lambda))") }
        if let outflow = s.outflow { print(String(format: "outflow through the exits: %.12f", outflow.reduce(0, +))) }
        if let errors = run.exactErrors {
            print("errors against [exact]: " + errors.named.map { "\($0.0) \(String(format: "%.3e", $0.1))" }.joined(separator: ", "))
        }
        let names = ["x"] + (s.y == nil ? [] : ["y"]) + (s.t == nil ? [] : ["t"]) + ["m", "u"] + s.controlNames
            + (s.active == nil ? [] : ["active"])
        print("arrays:   \(directory.path)/{\(names.joined(separator: ","))}.npy")
        if !pictures.isEmpty { print("pictures: " + pictures.map { "\(directory.path)/\($0)" }.joined(separator: " ")) }
        print("summary:  \(directory.path)/summary.json, convergence.csv")
        if !s.converged {
            printError("warning: \(s.stopReason ?? "the solve stopped") with residual \(String(format: "%.3e", last.residual)) "
                       + "> tolerance \(options.tolerance)")
            printError("tried:   " + phaseSummary(s))
            if let floor = s.roundOffFloor {
                printError("advice:  the solution is as accurate as double precision allows on this grid; ask for "
                           + "--tolerance \(String(format: "%.0e", roundedUp(floor))) or above (the floor grows like 1/h^2 and 1/dt)")
            } else {
                printError("advice:  raise --max-iterations, refine the grid (a larger nt), or check that the coupling is "
                           + "increasing in m (Lasry-Lions monotonicity guarantees a unique equilibrium)")
            }
            throw Exit.notConverged
        }
    }

    /// `policy-iteration (iterations 1-4) > newton (5-11)`, with the reasons of the switches.
    func phaseSummary(_ s: Equilibrium) -> String {
        s.phases.enumerated().map { k, phase in
            let end = k + 1 < s.phases.count ? s.phases[k + 1].firstIteration - 1 : s.iterations
            let range = end > phase.firstIteration ? "\(phase.firstIteration)-\(end)" : "\(phase.firstIteration)"
            return "\(phase.method) (iterations \(range)\(k > 0 ? "; \(phase.reason)" : ""))"
        }.joined(separator: " > ")
    }
}

/// The grid of a solve: the file's default with the flags given, checked against the problem's kind.
func gridSize(_ model: MFGModel, nx: Int?, ny: Int?, nt: Int?) throws -> GridSize {
    if model.dimension == 1, ny != nil { throw ValidationError("--ny is for 2D problems; \(model.name) is 1D") }
    if model.isErgodic, nt != nil { throw ValidationError("--nt is for time-dependent problems; \(model.name) is ergodic") }
    return model.grid(nx: nx, ny: ny, nt: nt)
}
