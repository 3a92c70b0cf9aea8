import ArgumentParser
import Foundation
import PDE
import Problems

struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Parse and validate a problem file without solving it.",
        discussion: "Checks the syntax, the keys, every expression (names, arity) and the data (domain, viscosity, a normalisable initial density on the default grid). Exit code 0 when valid, 65 otherwise.")

    @OptionGroup var input: ProblemOptions

    func run() throws {
        let file = try input.load()
        let p = file.problem
        // Samples m0 and checks every parameter on the default grid.
        try reportingInputErrors {
            do { try file.checkData(nx: p.defaultNx, nt: p.defaultNt) } catch let e as ProblemFileError {
                throw CommandError.badInput("\(e)")
            }
        }
        print("\(file.path): valid")
        print("  name        \(file.name)")
        print("  domain      [\(p.lower), \(p.upper)], \(p.boundary.rawValue); T = \(p.horizon), nu = \(p.viscosity)")
        print("  hamiltonian " + (p.hamiltonian.isSeparable ? "quadratic |p|^2/2" : "congestion, kappa = \(p.hamiltonian.kappa), alpha = \(p.hamiltonian.alpha)"))
        print("  grid        nx = \(p.defaultNx), nt = \(p.defaultNt)")
        if !file.parameters.isEmpty {
            print("  parameters  " + file.parameters.map { "\($0.name) = \($0.value)" }.joined(separator: ", "))
        }
        let exact = [("density", file.exact.density), ("value", file.exact.value), ("control", file.exact.control)]
            .filter { $0.1 != nil }.map(\.0)
        print("  exact       " + (exact.isEmpty ? "none" : exact.joined(separator: ", ")))
    }
}
