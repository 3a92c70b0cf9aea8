import ArgumentParser
import Foundation
import PDE
import Problems

struct Verify: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Grid refinement against a file's [exact] solution, with the observed order of convergence.",
        discussion: "Solves on nx * 2^k by nt * 2^k for k = 0 ... levels-1 and prints, per level, the errors of docs/output.md (density_l1, density_max, value_max, control_max) and log2 of the ratio of successive errors. The upwind scheme is first order.")

    @OptionGroup var input: ProblemOptions

    @Option(help: "Number of grids (each halves h and dt).")
    var levels: Int = 4

    @Option(help: "Points of the coarsest grid (default: half the file's nx).")
    var nx: Int?

    @Option(help: "Time steps of the coarsest grid (default: half the file's nt).")
    var nt: Int?

    @OptionGroup var settings: SolverFlags

    func run() throws {
        guard levels >= 2 else { throw ValidationError("--levels must be at least 2 to observe an order") }
        let file = try input.load()
        guard !file.exact.isEmpty else {
            printError("error: \(file.path) has no [exact] section to verify against")
            throw Exit.badData
        }
        let nx0 = nx ?? max(4, file.problem.defaultNx / 2), nt0 = nt ?? max(1, file.problem.defaultNt / 2)
        var table: [[Double]] = []
        var names: [String] = []
        print("\(file.name): errors against [exact] under refinement")
        for k in 0..<levels {
            let nx = nx0 << k, nt = nt0 << k
            let errors: [(String, Double)]
            let converged: Bool, residual: Double
            if let p2 = file.problem2D {
                guard p2.isErgodic else { throw ValidationError("verify supports 2D ergodic problems only so far") }
                let s = try reportingInputErrors { try ErgodicSolver2D.solve(p2, nx: nx, ny: nx * p2.defaultNy / p2.defaultNx, options: settings.options(file)) }
                (errors, converged, residual) = (ExactErrors(s, exact: file.exact).named, s.converged, s.final!.residual)
            } else if file.problem.isErgodic {
                let s = try reportingInputErrors { try ErgodicSolver.solve(file.problem, nx: nx, options: settings.options(file)) }
                (errors, converged, residual) = (ExactErrors(s, exact: file.exact).named, s.converged, s.final!.residual)
            } else {
                let s = try reportingInputErrors { try MFGSolver.solve(file.problem, nx: nx, nt: nt, options: settings.options(file)) }
                (errors, converged, residual) = (ExactErrors(s, exact: file.exact).named, s.converged, s.final!.residual)
            }
            if k == 0 {
                names = errors.map(\.0)
                func pad(_ s: String, _ n: Int) -> String { String(repeating: " ", count: max(0, n - s.count)) + s }
                let stationaryHeader = file.problem.isErgodic || (file.problem2D?.isErgodic ?? false)
                print(pad("nx", 7) + " " + pad(stationaryHeader ? "-" : "nt", 6) + names.map { "  " + pad($0, 12) + "  order" }.joined())
            }
            let stationary = file.problem.isErgodic || (file.problem2D?.isErgodic ?? false)
            var line = stationary ? String(format: "%7d", nx) + "      -" : String(format: "%7d %6d", nx, nt)
            for (j, e) in errors.enumerated() {
                let order = k > 0 ? String(format: "%5.2f", log2(table[k - 1][j] / e.1)) : "    -"
                line += String(format: "  %12.4e  ", e.1) + order
            }
            if !converged { line += "  (not converged: residual \(String(format: "%.1e", residual)))" }
            table.append(errors.map(\.1))
            print(line)
        }
    }
}
