import ArgumentParser
import Foundation
import PDE
import Writers

struct Solve: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Solve a mean field game to its equilibrium and write the arrays.",
        discussion: """
            Writes to the output directory: x.npy [Nx], t.npy [Nt+1], m.npy, u.npy, alpha.npy \
            (float64, shape [Nt+1, Nx], row n is time t_n; m is a density, sum_i h m[n, i] = 1; \
            alpha is the feedback velocity), convergence.csv (one row per iteration) and \
            summary.json, written last. See docs/output.md.
            """)

    @Argument(help: "A built-in problem (see `solve-mfg list`).")
    var problem: String = "congestion-lst-1d"

    @Option(help: "Grid points in space (default: the problem's).")
    var nx: Int?

    @Option(help: "Time steps (default: the problem's).")
    var nt: Int?

    @Option(help: "Coupled solver: policy-iteration, newton or fixed-point.")
    var solver: SolverMethod = .policyIteration

    @Option(help: "Stop when both the HJB and FP residuals, sqrt(h dt)*|r|_2, are at most this.")
    var tolerance: Double = 1e-10

    @Option(help: "Largest number of iterations of the coupled solver.")
    var maxIterations: Int = 200

    @Option(help: "Fixed point only: damping d in (0, 1] of m <- (1-d) m + d FP(HJB(m)); 0 means fictitious play (d = 1/(k+1)).")
    var damping: Double = 0.5

    @Option(help: "Output directory (default: out/<problem>).")
    var out: String?

    @Flag(help: "Do not print progress.")
    var quiet = false

    func run() throws {
        guard let entry = Catalogue.entry(named: problem) else {
            let names = Catalogue.entries.map(\.name).joined(separator: ", ")
            throw ValidationError("unknown problem '\(problem)'; built-in problems: \(names)")
        }
        let p = entry.problem
        let nx = self.nx ?? p.defaultNx, nt = self.nt ?? p.defaultNt
        let quiet = self.quiet
        var progress: (@Sendable (IterationReport) -> Void)? = nil
        if !quiet { progress = { report in printError(progressLine(report)) } }
        let options = SolverOptions(
            method: solver, tolerance: tolerance, maxIterations: maxIterations, damping: damping,
            progress: progress)
        let directory = URL(fileURLWithPath: out ?? "out/\(entry.name)")
        let describe = RunDescription(
            problem: entry.name, description: entry.summary, source: entry.source, nx: nx, nt: nt,
            lower: p.lower, upper: p.upper, boundary: p.boundary.rawValue, horizon: p.horizon,
            viscosity: p.viscosity, solver: solver.rawValue, tolerance: tolerance)
        if !quiet { printError("solving \(entry.name) on \(nx) x \(nt) with \(solver.rawValue)") }
        let solution: MFGSolution
        do {
            solution = try reportingInputErrors { try MFGSolver.solve(p, nx: nx, nt: nt, options: options) }
        } catch let MFGError.nonFinite(iteration, quantity, advice, history) {
            try AtomicFile.makeDirectory(directory)
            try OutputWriter.writeDiagnostics(
                describe, history: history, failure: "non-finite \(quantity) at iteration \(iteration): \(advice)",
                to: directory)
            printError("error: a non-finite value appeared in \(quantity) at iteration \(iteration): \(advice)")
            printError("diagnostics written to \(directory.path)")
            throw Exit.numericalFailure
        }
        try AtomicFile.makeDirectory(directory)
        try OutputWriter.write(solution, describe, to: directory)
        let last = solution.final!
        let status = solution.converged ? "converged" : "did NOT converge"
        print("\(entry.name): \(status) in \(solution.iterations) iterations, residual \(String(format: "%.3e", last.residual)), "
              + "mass \(String(format: "%.15f", last.mass)), min m \(String(format: "%.3e", last.minDensity)), "
              + "\(String(format: "%.3f", solution.seconds)) s")
        print("results: \(directory.path)/{x,t,m,u,alpha}.npy, summary.json, convergence.csv")
        if !solution.converged {
            printError("warning: the solve stopped at --max-iterations \(maxIterations) with residual "
                       + "\(String(format: "%.3e", last.residual)) > tolerance \(tolerance); raise --max-iterations or try another --solver")
            throw Exit.notConverged
        }
    }
}
