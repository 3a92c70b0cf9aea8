import ArgumentParser
import Foundation
import PDE
import Problems

struct Verify: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Grid refinement against a file's [exact] solution, with the observed order of convergence.",
        discussion: """
            Solves on grids that double every count (nx, ny and nt) at each level, k = 0 ... levels-1, and prints, \
            per level, the errors of docs/output.md (density_l1, density_max, value_max, control_max, lambda_error) \
            and log2 of the ratio of successive errors. The upwind scheme is first order.

            With --error-estimate: solves once on the grid --nx/--ny/--nt (default: the file's) with the \
            discretisation-error estimate of `solve --error-estimate`, and prints, for every functional with an \
            exact value and for the field errors, the true error, the estimated bound and their ratio (a bound is \
            honest when it covers the true error and useful when the ratio is at most 20). --markdown prints the \
            rows of the table of docs/scheme.md. Exits with 1 when a bound fails to cover its true error.
            """ + Exit.brief)

    @OptionGroup var input: ProblemOptions

    @Option(help: "Number of grids (each halves h and dt), 2 to 8.")
    var levels: Int = 4

    @Option(help: "Points (cells along x in 2D) of the coarsest grid (default: half the file's nx); with --error-estimate, of the grid.")
    var nx: Int?

    @Option(help: "With --error-estimate: cells along y of the grid (2D; default: the file's ny).")
    var ny: Int?

    @Option(help: "Time steps of the coarsest grid (default: half the file's nt); with --error-estimate, of the grid.")
    var nt: Int?

    @Flag(help: "Markdown rows (problem, grid, quantity, true error, bound, ratio, extrapolated error and bound) for the table of docs/scheme.md; with --error-estimate.")
    var markdown = false

    @OptionGroup var settings: SolverFlags

    func validate() throws {
        guard (2...8).contains(levels) else { throw ValidationError("--levels must lie between 2 and 8 (each level doubles every count)") }
    }

    func run() throws {
        let file = try input.load()
        guard !file.exact.isEmpty else {
            printError("error: \(file.path) has no [exact] section to verify against")
            throw Exit.badData
        }
        if settings.errorEstimate { return try verifyEstimate(file) }
        if markdown { throw ValidationError("--markdown is for --error-estimate") }
        let model = file.model, d = model.defaultGrid
        let nx0 = nx ?? max(4, d.nx / 2)
        let coarsest = GridSize(nx: nx0, ny: d.ny.map { ny in max(4, nx0 * ny / d.nx) },
                                nt: model.isErgodic ? nil : (nt ?? max(1, (d.nt ?? 2) / 2)))
        // Every level checked before the first is solved: the finest has 2^(levels-1) times the counts.
        let factor = Double(1 << (levels - 1))
        let finest = Double(coarsest.nx) * factor * Double(coarsest.ny ?? 1) * (coarsest.ny == nil ? 1 : factor)
            * (coarsest.nt.map { Double($0) * factor + 1 } ?? 1)
        guard coarsest.nx >= 1, finest <= GridSize.maximumCells else {
            printError("error: the finest grid of --levels \(levels) (each level doubles every count of the coarsest, "
                       + gridSource(file, coarsest, nx: nx, ny: nil, nt: nt) + ") has \(String(format: "%.3g", finest)) space-time cells; "
                       + "the largest accepted is 2e7 (about 2 GB): lower --levels, --nx or --nt")
            throw Exit.badData
        }
        var table: [[Double]] = []
        func pad(_ s: String, _ n: Int) -> String { String(repeating: " ", count: max(0, n - s.count)) + s }
        print("\(file.name): errors against [exact] under refinement")
        for k in 0..<levels {
            let grid = coarsest.scaled(by: 1 << k)
            let s = try reportingInputErrors(source: "the grid of level \(k + 1) of --levels \(levels): each level doubles the coarsest, "
                                             + gridSource(file, coarsest, nx: nx, ny: nil, nt: nt) + " (by default half the file's)") {
                try MFGSolver.solve(model, grid: grid, options: settings.options(file))
            }
            try reportingInputErrors { try file.checkExact(on: s) }
            let errors = ExactErrors(s, exact: file.exact).named
            if k == 0 {
                print(pad("grid", 16) + errors.map { "  " + pad($0.0, 12) + "  order" }.joined())
            }
            var line = pad(grid.description.replacingOccurrences(of: " (ergodic)", with: ""), 16)
            for (j, e) in errors.enumerated() {
                // No order where an error is zero or not finite (an exact match gives 0/0).
                let ratio = k > 0 ? table[k - 1][j] / e.1 : .nan
                let order = ratio.isFinite && ratio > 0 ? String(format: "%5.2f", log2(ratio)) : "    -"
                line += String(format: "  %12.4e  ", e.1) + order
            }
            if s.roundOffFloor != nil {
                line += "  (at the round-off floor of this grid: residual \(String(format: "%.1e", s.final!.residual)))"
            } else if !s.converged {
                line += "  (not converged: residual \(String(format: "%.1e", s.final!.residual)))"
            }
            table.append(errors.map(\.1))
            print(line)
        }
    }

    /// The error estimate on one grid against the exact solution.
    func verifyEstimate(_ file: ProblemFile) throws {
        let model = file.model
        let grid = try gridSize(model, nx: nx, ny: ny, nt: nt)
        let options = settings.options(file)
        let s = try reportingInputErrors(source: gridSource(file, grid, nx: nx, ny: ny, nt: nt)) { try MFGSolver.solve(model, grid: grid, options: options) }
        guard let estimate = s.errorEstimate else { return }
        let exactValues = ExactFunctionals.values(file)
        // (quantity, true error, bound, extrapolated error, extrapolated bound)
        var rows: [(String, Double, Double?, Double?, Double?)] = []
        for q in estimate.quantities {
            guard let exact = exactValues[q.name] else { continue }
            rows.append((q.name, abs(q.value - exact), q.errorBound, q.extrapolated.map { abs($0 - exact) }, q.extrapolatedErrorBound))
        }
        try reportingInputErrors { try file.checkExact(on: s) }
        let truth = ExactErrors(s, exact: file.exact)
        if let claimed = ExactErrors.claimed(by: s, exact: file.exact) {
            let claims = Dictionary(uniqueKeysWithValues: claimed.named.map { ($0.0, $0.1) })
            for (name, error) in truth.named where name != "lambda_error" {
                if let c = claims[name] { rows.append((name, error, c, nil, nil)) }
            }
        }
        let gridText = grid.description.replacingOccurrences(of: " (ergodic)", with: "")
        func e(_ v: Double?) -> String { v.map { String(format: "%.2e", $0) } ?? "-" }
        var failures = 0
        if !markdown {
            print("\(file.name) on \(gridText): the error estimate against [exact]"
                  + (s.converged ? "" : " (the requested grid did not converge: \(s.stopReason ?? ""))"))
            print("quantity".padding(toLength: 16, withPad: " ", startingAt: 0)
                  + "  true error       bound   ratio   extrapolated error   extrapolated bound")
        }
        for (name, error, bound, xError, xBound) in rows {
            let ratio = bound.map { error > 0 ? $0 / error : .infinity }
            let covered = bound.map { $0 >= error } ?? false
            if !covered { failures += 1 }
            let ratioText = error < 1e-12 ? "round-off" : (ratio.map { String(format: "%.2f", $0) } ?? "no bound")
            if markdown {
                print("| \(file.name)\(parameterNote(file)) | \(gridText) | \(name) | \(e(error)) | \(e(bound)) | \(ratioText) | \(e(xError)) | \(e(xBound)) |")
            } else {
                print(name.padding(toLength: 16, withPad: " ", startingAt: 0)
                      + "  " + e(error).leftPadded(10) + "  " + e(bound).leftPadded(10) + "  " + ratioText.leftPadded(6)
                      + "  " + e(xError).leftPadded(19) + "  " + e(xBound).leftPadded(19) + (covered ? "" : "   NOT COVERED"))
            }
        }
        for w in estimate.warnings { printError("warning: \(w)") }
        if !markdown {
            print(failures == 0 ? "every bound covers its true error" : "\(failures) bound(s) do not cover the true error")
        }
        if failures > 0 { throw ExitCode(1) }
    }

    /// ` (q=2, s=0.2)` for the parameters set on the command line.
    func parameterNote(_ file: ProblemFile) -> String {
        input.overrides.isEmpty ? "" : " (" + input.overrides.joined(separator: ", ") + ")"
    }
}

extension String {
    func leftPadded(_ n: Int) -> String { String(repeating: " ", count: max(0, n - count)) + self }
}
