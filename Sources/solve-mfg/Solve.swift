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
            alpha is the feedback velocity), convergence.csv (one row per iteration), PNG pictures \
            (density.png, value.png, snapshots.png, convergence.png) and summary.json, written last. \
            See docs/output.md.
            """)

    @OptionGroup var input: ProblemOptions

    @Option(help: "Grid points in space (default: the file's [discretisation] nx).")
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
        let p = file.problem
        let nx = self.nx ?? p.defaultNx, nt = self.nt ?? p.defaultNt
        let quiet = self.quiet
        var options = settings.options(file)
        if !quiet { options.progress = { report in printError(progressLine(report)) } }
        let solver = options.method, tolerance = options.tolerance, maxIterations = options.maxIterations
        try reportingInputErrors {
            do { try file.checkData(nx: nx, nt: nt) } catch let e as ProblemFileError { throw CommandError.badInput("\(e)") }
        }
        let directory = URL(fileURLWithPath: out ?? "out/\(file.name)")
        var run = RunDescription(file: file, nx: nx, nt: p.isErgodic ? 0 : nt, solver: solver, tolerance: tolerance)
        if !quiet {
            printError("solving \(file.name) (\(file.path)) on " + (p.isErgodic ? "\(nx) points (ergodic)" : "\(nx) x \(nt)")
                       + " with \(solver.rawValue)")
        }
        if let p2 = file.problem2D {
            try solveTwoD(file, p2, options: options, run: &run, directory: directory)
            return
        }
        if p.isErgodic {
            try solveErgodic(file, options: options, run: &run, directory: directory)
            return
        }
        let solution: MFGSolution = try solving(run, directory) { try MFGSolver.solve(p, nx: nx, nt: nt, options: options) }
        if !file.exact.isEmpty { run.exactErrors = ExactErrors(solution, exact: file.exact) }
        try AtomicFile.makeDirectory(directory)
        let pictures = try OutputWriter.write(solution, run, pictures: !noPictures, to: directory)
        try report(file, run, last: solution.final!, converged: solution.converged, iterations: solution.iterations,
                   seconds: solution.seconds, lambda: nil, arrays: "{x,t,m,u,alpha}.npy", pictures: pictures,
                   directory: directory, maxIterations: maxIterations, tolerance: tolerance)
    }

    func solveErgodic(_ file: ProblemFile, options: SolverOptions, run: inout RunDescription, directory: URL) throws {
        let nx = self.nx ?? file.problem.defaultNx
        let solution: ErgodicSolution = try solving(run, directory) { try ErgodicSolver.solve(file.problem, nx: nx, options: options) }
        if !file.exact.isEmpty { run.exactErrors = ExactErrors(solution, exact: file.exact) }
        try AtomicFile.makeDirectory(directory)
        let pictures = try OutputWriter.write(solution, run, pictures: !noPictures, to: directory)
        try report(file, run, last: solution.final!, converged: solution.converged, iterations: solution.iterations,
                   seconds: solution.seconds, lambda: solution.lambda, arrays: "{x,m,u,alpha}.npy", pictures: pictures,
                   directory: directory, maxIterations: options.maxIterations, tolerance: options.tolerance)
    }

    func solveTwoD(_ file: ProblemFile, _ p: MFGProblem2D, options: SolverOptions, run: inout RunDescription,
                   directory: URL) throws {
        let nx = self.nx ?? p.defaultNx, ny = self.ny ?? p.defaultNy, nt = self.nt ?? p.defaultNt
        run.nx = nx
        run.ny = ny
        run.nt = nt
        run.lower = p.lowerX
        run.upper = p.upperX
        if p.isErgodic {
            run.nt = 0
            let solution: ErgodicSolution2D = try solving(run, directory) { try ErgodicSolver2D.solve(p, nx: nx, ny: ny, options: options) }
            if !file.exact.isEmpty { run.exactErrors = ExactErrors(solution, exact: file.exact) }
            try AtomicFile.makeDirectory(directory)
            let pictures = try OutputWriter.write(solution, run, problem: p, pictures: !noPictures, to: directory)
            try report(file, run, last: solution.final!, converged: solution.converged, iterations: solution.iterations,
                       seconds: solution.seconds, lambda: solution.lambda, arrays: "{x,y,m,u,alpha_x,alpha_y,active}.npy",
                       pictures: pictures, directory: directory, maxIterations: options.maxIterations, tolerance: options.tolerance)
            return
        }
        let solution: MFGSolution2D = try solving(run, directory) { try MFGSolver2D.solve(p, nx: nx, ny: ny, nt: nt, options: options) }
        try AtomicFile.makeDirectory(directory)
        let pictures = try OutputWriter.write(solution, run, problem: p, pictures: !noPictures, to: directory)
        if p.hasExit { print(String(format: "outflow through the exits: %.12f", solution.outflow.reduce(0, +))) }
        try report(file, run, last: solution.final!, converged: solution.converged, iterations: solution.iterations,
                   seconds: solution.seconds, lambda: nil, arrays: "{x,y,t,m,u,alpha_x,alpha_y,active}.npy", pictures: pictures,
                   directory: directory, maxIterations: options.maxIterations, tolerance: options.tolerance)
    }

    /// Runs a solver: bad input exits with 65; a NaN writes the diagnostics and exits with 4.
    func solving<T>(_ run: RunDescription, _ directory: URL, _ body: () throws -> T) throws -> T {
        do {
            return try reportingInputErrors(body)
        } catch let MFGError.nonFinite(iteration, quantity, advice, history) {
            try failed(run, iteration, quantity, advice, history, directory)
        }
    }

    /// Writes the diagnostics of a solve in which a NaN appeared, and exits with code 4.
    func failed(_ run: RunDescription, _ iteration: Int, _ quantity: String, _ advice: String,
                _ history: [IterationReport], _ directory: URL) throws -> Never {
        try AtomicFile.makeDirectory(directory)
        try OutputWriter.writeDiagnostics(
            run, history: history, failure: "non-finite \(quantity) at iteration \(iteration): \(advice)", to: directory)
        printError("error: a non-finite value appeared in \(quantity) at iteration \(iteration): \(advice)")
        printError("diagnostics written to \(directory.path)")
        throw Exit.numericalFailure
    }

    /// Prints the outcome and where everything is; exit code 3 when the solve did not converge.
    func report(
        _ file: ProblemFile, _ run: RunDescription, last: IterationReport, converged: Bool, iterations: Int,
        seconds: Double, lambda: Double?, arrays: String, pictures: [String], directory: URL,
        maxIterations: Int, tolerance: Double
    ) throws {
        let status = converged ? "converged" : "did NOT converge"
        print("\(file.name): \(status) in \(iterations) iterations, residual \(String(format: "%.3e", last.residual)), "
              + "mass \(String(format: "%.15f", last.mass)), min m \(String(format: "%.3e", last.minDensity)), "
              + "\(String(format: "%.3f", seconds)) s")
        if let lambda { print("lambda = \(String(format: "%.12g", lambda))") }
        if let errors = run.exactErrors {
            print("errors against [exact]: " + errors.named.map { "\($0.0) \(String(format: "%.3e", $0.1))" }.joined(separator: ", "))
        }
        print("arrays:   \(directory.path)/\(arrays)")
        if !pictures.isEmpty { print("pictures: " + pictures.map { "\(directory.path)/\($0)" }.joined(separator: " ")) }
        print("summary:  \(directory.path)/summary.json, convergence.csv")
        if !converged {
            printError("warning: the solve stopped at --max-iterations \(maxIterations) with residual "
                       + "\(String(format: "%.3e", last.residual)) > tolerance \(tolerance); raise --max-iterations or try another --solver")
            throw Exit.notConverged
        }
    }
}
