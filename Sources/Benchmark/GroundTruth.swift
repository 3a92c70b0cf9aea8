import Foundation
import PDE
import Problems
import RLBridge

/// How the benchmark finds problems and games: the command line's own loaders (catalogue names,
/// files, OpenSpiel's parameter syntax), so that a suite means what the same names mean to `solve`
/// and `rl run`.
public struct Resolvers: Sendable {
    public var problem: @Sendable (_ source: String, _ parameters: [String]) throws -> ProblemFile
    public var game: @Sendable (_ name: String, _ parameters: [String]) throws -> FiniteMFG

    public init(problem: @escaping @Sendable (String, [String]) throws -> ProblemFile,
                game: @escaping @Sendable (String, [String]) throws -> FiniteMFG) {
        self.problem = problem
        self.game = game
    }
}

/// The game of a problem at a level and what its cells are scored against, built once per
/// (problem, level) and shared by every method and seed.
public struct GroundTruth: Sendable {
    public let game: FiniteMFG
    /// Continuous problems: the discretised problem with its PDE reference.
    public let continuous: DiscretisedProblem?
    /// The PDE reference's own discretisation error: the error estimate's bound of
    /// `max_t sum_x h |m_h - m|` on the reference grid (grids h, 2h, 4h), beside every distance.
    public let referenceError: Double?
    /// The exploitability, in the game, of the PDE equilibrium's feedback projected to it.
    public let groundTruthExploitability: Double?
    public let seconds: Double

    public static func build(_ problem: Suite.Problem, level: Int?, resolvers: Resolvers) throws -> GroundTruth {
        let clock = ContinuousClock(), start = clock.now
        if let name = problem.game {
            let game = try resolvers.game(name, problem.parameters)
            return GroundTruth(game: game, continuous: nil, referenceError: nil, groundTruthExploitability: nil,
                               seconds: (clock.now - start) / .seconds(1))
        }
        let file = try resolvers.problem(problem.source!, problem.parameters)
        let cells = level ?? 40
        let reference = problem.reference ?? DiscretisedProblem.defaultReference(cells: cells)
        let d: DiscretisedProblem
        let grid: GridSize
        switch file.model {
        case let .oneD(p):
            guard !p.isErgodic else { throw RLError.invalid("\(file.name): the benchmark needs a time-dependent problem") }
            d = try DiscretisedProblem.oneD(p, nx: cells, reference: reference)
            grid = GridSize(nx: reference, nt: reference)
        case let .twoD(p):
            guard !p.isErgodic else { throw RLError.invalid("\(file.name): the benchmark needs a time-dependent problem") }
            d = try DiscretisedProblem.twoD(p, n: cells, reference: reference)
            grid = GridSize(nx: reference, ny: reference, nt: reference)
        }
        // The reference's error bar: the same solve with the estimate (its grid is a multiple of 4 when possible).
        var referenceError: Double? = nil
        if (try? ErrorEstimate.checkGrid(grid)) != nil {
            var options = SolverOptions()
            options.errorEstimate = true
            let s = try MFGSolver.solve(file.model, grid: grid, options: options)
            if let e = s.errorEstimate, e.densityOrder.map({ (0.5...2.5).contains($0) }) ?? false {
                referenceError = (0..<s.levels).map { n in s.level(e.densityError, n).reduce(0, +) * s.cellVolume }.max()
            }
        }
        let policy = d.groundTruthPolicy()
        let exploitability = ExactTools(game: d.game).evaluate(policy).exploitability
        return GroundTruth(game: d.game, continuous: d, referenceError: referenceError, groundTruthExploitability: exploitability,
                           seconds: (clock.now - start) / .seconds(1))
    }
}
