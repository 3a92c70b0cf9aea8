import ArgumentParser
import Foundation
import PDE
import Problems

struct Verify: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Grid refinement against a file's [exact] solution, with the observed order of convergence.",
        discussion: "Solves on grids that double every count (nx, ny and nt) at each level, k = 0 ... levels-1, and prints, per level, the errors of docs/output.md (density_l1, density_max, value_max, control_max, lambda_error) and log2 of the ratio of successive errors. The upwind scheme is first order.")

    @OptionGroup var input: ProblemOptions

    @Option(help: "Number of grids (each halves h and dt), 2 to 8.")
    var levels: Int = 4

    @Option(help: "Points (cells along x in 2D) of the coarsest grid (default: half the file's nx).")
    var nx: Int?

    @Option(help: "Time steps of the coarsest grid (default: half the file's nt).")
    var nt: Int?

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
        let model = file.model, d = model.defaultGrid
        let nx0 = nx ?? max(4, d.nx / 2)
        let coarsest = GridSize(nx: nx0, ny: d.ny.map { ny in max(4, nx0 * ny / d.nx) },
                                nt: model.isErgodic ? nil : (nt ?? max(1, (d.nt ?? 2) / 2)))
        var table: [[Double]] = []
        func pad(_ s: String, _ n: Int) -> String { String(repeating: " ", count: max(0, n - s.count)) + s }
        print("\(file.name): errors against [exact] under refinement")
        for k in 0..<levels {
            let grid = coarsest.scaled(by: 1 << k)
            let s = try reportingInputErrors { try MFGSolver.solve(model, grid: grid, options: settings.options(file)) }
            let errors = ExactErrors(s, exact: file.exact).named
            if k == 0 {
                print(pad("grid", 16) + errors.map { "  " + pad($0.0, 12) + "  order" }.joined())
            }
            var line = pad(grid.description.replacingOccurrences(of: " (ergodic)", with: ""), 16)
            for (j, e) in errors.enumerated() {
                let order = k > 0 ? String(format: "%5.2f", log2(table[k - 1][j] / e.1)) : "    -"
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
}
