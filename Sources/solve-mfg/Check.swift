import ArgumentParser
import Foundation
import PDE
import Problems

struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Parse and validate a problem file without solving it.",
        discussion: "Checks the syntax, the keys, every expression (names, arity) and the data (domain, viscosity, a normalisable initial density on the default grid), then prints what the file describes. Exit code 0 when valid, 65 otherwise." + Exit.brief)

    @OptionGroup var input: ProblemOptions

    func run() throws {
        let file = try input.load()
        let model = file.model
        // Samples m0 and checks every parameter on the default grid.
        try reportingInputErrors {
            do { try file.checkData(grid: model.defaultGrid) } catch let e as ProblemFileError {
                throw CommandError.badInput("\(e)")
            }
        }
        let axes = zip(["x", "y"], model.domain).map { "\($0) in [\($1.lower), \($1.upper)]" }.joined(separator: ", ")
        print("\(file.path): valid")
        print("  name        \(file.name) (\(model.dimension)D, \(model.isErgodic ? "ergodic" : "T = \(model.horizon!)"))")
        print("  domain      \(axes), \(model.boundary.rawValue)")
        print("  dynamics    nu = \(model.viscosity), H = \(model.hamiltonian.formula)")
        switch model {
        case let .oneD(p):
            for (side, cost) in [("left", p.leftExit), ("right", p.rightExit)] {
                if let cost { print("  exit        \(side) end, cost \(cost)") }
            }
        case let .twoD(p):
            for e in p.exits {
                let where_ = file.expressions["domain.exit_\(e.side.rawValue)_where"].map { " where \($0)" } ?? " (the whole side)"
                print("  exit        \(e.side.rawValue) wall\(where_), cost \(e.cost)")
            }
            if let obstacle = file.expressions["domain.obstacle"] { print("  obstacle    \(obstacle)") }
        }
        for (label, key) in [("running", "costs.running"), ("potential", "costs.potential"), ("terminal", "costs.terminal"),
                             ("nonlocal", "costs.nonlocal"), ("initial", "initial.density")] {
            if let text = file.expressions[key] { print("  \(label.padding(toLength: 11, withPad: " ", startingAt: 0)) \(text)") }
        }
        print("  grid        \(model.defaultGrid)")
        if !file.parameters.isEmpty {
            print("  parameters  " + file.parameters.map { "\($0.name) = \($0.value)" }.joined(separator: ", "))
        }
        let exact = [("density", file.exact.density != nil), ("value", file.exact.value != nil),
                     ("control", file.exact.control != nil), ("lambda", file.exact.lambda != nil)]
            .filter(\.1).map(\.0)
        print("  exact       " + (exact.isEmpty ? "none" : exact.joined(separator: ", ")))
    }
}
