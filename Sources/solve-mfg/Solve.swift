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
            """ + Exit.brief)

    @OptionGroup var input: ProblemOptions

    @OptionGroup var gridFlags: GridFlags

    @OptionGroup var settings: SolverFlags

    @Option(help: "nash: the mean field equilibrium; social: the social optimum (mean-field control), a planner minimising the population's total cost (default: the file's [game] objective, else nash).")
    var objective: Objective?

    @Flag(help: "Also solve for the other objective and report both social costs and the price of anarchy (social cost at the equilibrium / at the optimum) in summary.json; with --error-estimate, each with its error bound.")
    var compareSocial = false

    @Option(help: "Output directory (default: out/<problem name>).")
    var out: String?

    @Flag(help: "Do not write the PNG pictures.")
    var noPictures = false

    @Flag(help: "Do not print progress.")
    var quiet = false

    func run() throws {
        let file = try input.load()
        let objective = self.objective ?? file.objective
        let model = try reportingInputErrors { try file.model(for: objective) }
        let grid = try gridFlags.size(model)
        var options = settings.options(file)
        if !quiet { options.progress = { report in printError(progressLine(report)) } }
        let source = gridSource(file, grid, nx: gridFlags.nx, ny: gridFlags.ny, nt: gridFlags.nt)
        try reportingInputErrors(source: source) {
            try file.checkData(grid: grid)
        }
        // Checked before the solve: the directory, the outputs it may replace, the problem file.
        let output = try OutputDirectory(out ?? "out/\(file.name)", outputs: OutputWriter.outputNames, inputs: [file.path])
        var run = RunDescription(file: file, grid: grid, options: options)
        run.objective = objective.rawValue
        let what = objective == .social ? "the social optimum of " : ""
        if !quiet { printError("solving \(what)\(file.name) (\(file.path)) on \(grid) with \(options.method.rawValue)") }
        let solution = try solving(run, output, source: source) { try MFGSolver.solve(model, grid: grid, options: options, costs: file.model) }
        var social: SocialComparison? = nil
        if compareSocial {
            let other: Objective = objective == .nash ? .social : .nash
            let otherModel = try reportingInputErrors { try file.model(for: other) }
            if !quiet { printError("solving the \(other == .social ? "social optimum" : "equilibrium") for the comparison") }
            // With --error-estimate, the other objective gets its estimate too (for the ratio's error bar).
            var otherOptions = options.silent
            otherOptions.errorEstimate = options.errorEstimate
            let o = try solving(run, output, source: source) { try MFGSolver.solve(otherModel, grid: grid, options: otherOptions, costs: file.model) }
            if !o.converged { printError("warning: the \(other.rawValue) solve for the comparison did not converge: \(o.stopReason ?? "")") }
            let (nash, opt) = objective == .nash ? (solution, o) : (o, solution)
            if let a = nash.functionals?.socialCost, let b = opt.functionals?.socialCost {
                social = SocialComparison(equilibriumCost: a, optimumCost: b,
                                          equilibriumCostError: nash.errorEstimate?.quantity("social_cost")?.errorBound,
                                          optimumCostError: opt.errorEstimate?.quantity("social_cost")?.errorBound)
            } else {
                printError("warning: the social cost is not defined for this problem (exits with different costs): no price of anarchy")
            }
        }
        if !file.exact.isEmpty && objective == .nash {
            try reportingInputErrors { try file.checkExact(on: solution) }
            run.exactErrors = ExactErrors(solution, exact: file.exact)
        }
        let pictures = try OutputWriter.write(solution, run, model: model, pictures: !noPictures, social: social, to: output.stage())
        try output.commit()
        try report(file, solution, run, pictures: pictures, directory: output.url, options: options, social: social)
    }

    /// Runs a solver: bad input exits with 65; a NaN writes the diagnostics (in place of any earlier
    /// run's outputs) and exits with 4.
    func solving<T>(_ run: RunDescription, _ output: OutputDirectory, source: String, _ body: () throws -> T) throws -> T {
        do {
            return try reportingInputErrors(source: source, body)
        } catch let MFGError.nonFinite(iteration, quantity, advice, history) {
            try OutputWriter.writeDiagnostics(
                run, history: history, failure: "non-finite \(quantity) at iteration \(iteration): \(advice)", to: output.stage())
            try output.commit()
            printError("error: a non-finite value appeared in \(quantity) at iteration \(iteration): \(advice)")
            printError("diagnostics written to \(output.url.path)")
            throw Exit.numericalFailure
        }
    }

    /// Prints the outcome and where everything is; exit code 3 when the solve did not converge.
    func report(
        _ file: ProblemFile, _ s: Equilibrium, _ run: RunDescription, pictures: [String], directory: URL,
        options: SolverOptions, social: SocialComparison?
    ) throws {
        let last = s.final!
        let status = s.converged ? "converged" : "did NOT converge"
        print("\(file.name): \(status) in \(s.iterations) iterations, residual \(String(format: "%.3e", last.residual)), "
              + "mass \(String(format: "%.15f", last.mass)), min m \(String(format: "%.3e", last.minDensity)), "
              + "\(String(format: "%.3f", s.seconds)) s")
        if s.phases.count > 1 { print("methods:  " + phaseSummary(s)) }
        if let lambda = s.lambda, s.errorEstimate == nil { print("lambda = \(String(format: "%.12g", lambda))") }
        if let outflow = s.outflow { print(String(format: "outflow through the exits: %.12f", outflow.reduce(0, +))) }
        if let e = s.errorEstimate {
            print("with estimated discretisation errors (grids \(e.grids.map(\.description).joined(separator: ", ")), "
                  + "\(String(format: "%.2f", e.seconds)) s):")
            for line in errorEstimateLines(e.quantities) { print("  " + line) }
            for w in e.warnings { printError("warning: \(w)") }
        } else if let f = s.functionals {
            print("functionals: " + f.named.map { "\($0.name) \(String(format: "%.6g", $0.value))" }.joined(separator: ", "))
        }
        if let social {
            if let ea = social.equilibriumCostError, let eb = social.optimumCostError {
                print("social cost: \(withError(social.equilibriumCost, ea)) at the equilibrium, \(withError(social.optimumCost, eb)) at the social optimum"
                      + (social.priceOfAnarchy.map { p in "; price of anarchy " + (social.priceOfAnarchyError.map { withError(p, $0) } ?? String(format: "%.6f", p)) }
                         ?? " (price of anarchy defined for positive costs only)"))
            } else {
                print(String(format: "social cost: %.10g at the equilibrium, %.10g at the social optimum", social.equilibriumCost, social.optimumCost)
                      + (social.priceOfAnarchy.map { String(format: "; price of anarchy %.6f", $0) } ?? " (price of anarchy defined for positive costs only)"))
            }
        }
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

/// `lambda = -0.7405 +- 0.11  (extrapolated -0.82395 +- 0.005, observed order 0.95)`, one line per
/// functional, the value printed to the digits its bound allows.
func errorEstimateLines(_ quantities: [ErrorEstimate.Quantity]) -> [String] {
    let width = quantities.map(\.name.count).max() ?? 0
    return quantities.map { q in
        let name = q.name.padding(toLength: width, withPad: " ", startingAt: 0)
        guard let bound = q.errorBound else {
            return "\(name) = \(String(format: "%.6g", q.value))  (\(q.warning ?? "no bound"))"
        }
        var line = "\(name) = \(withError(q.value, bound))"
        if let x = q.extrapolated, let xb = q.extrapolatedErrorBound, q.observedOrder != nil {
            line += "  (extrapolated \(withError(x, xb)), observed order \(String(format: "%.2f", q.observedOrder!)))"
        }
        return line
    }
}

/// `-0.7405 +- 0.11`: the error rounded up to two significant digits, the value to the same place.
func withError(_ value: Double, _ error: Double) -> String {
    guard error > 0, error.isFinite else { return String(format: "%.12g", value) }
    let place = Int(log10(error).rounded(.down)) - 1
    let unit = pow(10, Double(place))
    let decimals = max(0, min(15, -place))
    return String(format: "%.\(decimals)f +- %.\(decimals)f", value, (error / unit).rounded(.up) * unit)
}

/// `--nx`, `--ny`, `--nt`: the grid of a solve (each defaults to the file's `[discretisation]`).
struct GridFlags: ParsableArguments {
    @Option(help: "Grid points in space, cells along x in 2D (default: the file's [discretisation] nx).")
    var nx: Int?

    @Option(help: "Grid cells along y, 2D problems (default: the file's [discretisation] ny).")
    var ny: Int?

    @Option(help: "Time steps (default: the file's [discretisation] nt).")
    var nt: Int?

    /// The grid for a model: the file's with these flags replacing its counts.
    func size(_ model: MFGModel) throws -> GridSize { try gridSize(model, nx: nx, ny: ny, nt: nt) }
}

/// The grid of a solve: the file's default with the flags given, checked against the problem's kind.
func gridSize(_ model: MFGModel, nx: Int?, ny: Int?, nt: Int?) throws -> GridSize {
    if model.dimension == 1, ny != nil { throw ValidationError("--ny is for 2D problems; \(model.name) is 1D") }
    if model.isErgodic, nt != nil { throw ValidationError("--nt is for time-dependent problems; \(model.name) is ergodic") }
    return model.grid(nx: nx, ny: ny, nt: nt)
}
