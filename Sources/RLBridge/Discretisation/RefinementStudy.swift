import Foundation
import PDE

/// How a discretised continuous problem approaches the PDE equilibrium as the grid refines.
public struct RefinementRow: Sendable {
    public var nx: Int
    public var steps: Int
    /// Actions of the discrete game (`VelocitySet`: K in 1D, K^2 in 2D).
    public var actions: Int
    /// Distances between the discrete equilibrium's distribution and the PDE density at T/2 and T.
    public var l1: Double
    public var w1: Double
    /// Exploitability reached by the discrete equilibrium solver, and that of the PDE's feedback
    /// projected to the discrete game ("the ground-truth policy").
    public var equilibriumExploitability: Double
    public var groundTruthExploitability: Double
}

public enum RefinementStudy {
    /// The PDE reference on a fine grid (periodic: points `lower + i h`; walls: cell centres, so a
    /// coarse cell is exactly `fineNx / nx` fine cells).
    public static func reference(_ problem: MFGProblem, fineNx: Int, fineNt: Int) throws -> Equilibrium {
        try ContinuousGame.checkSupported(problem)
        let pde = try MFGSolver.solve(.oneD(problem), grid: GridSize(nx: fineNx, nt: fineNt),
                                      options: SolverOptions(tolerance: 1e-9, maxIterations: 500))
        guard pde.converged else {
            throw ReferenceNotConverged(problem: problem.name, grid: "\(fineNx) points x \(fineNt) steps", residual: pde.final?.residual ?? .nan,
                                        reason: pde.stopReason ?? "stopped")
        }
        return pde
    }

    /// L1 and W1 distances (max over T/2 and T) between a game distribution `[H+1][S]` and the PDE density.
    public static func distances(_ g: ContinuousGame, distribution: [Double], pde: Equilibrium) -> (l1: Double, w1: Double) {
        let n = g.cells, S = g.game.states
        var l1 = 0.0, w1 = 0.0
        for fraction in [0.5, 1.0] {
            let step = Int((fraction * Double(g.game.horizon)).rounded())
            let d = g.distances(distribution[(step * S)..<(step * S + n)], density: projectedDensity(g, pde: pde, fraction: fraction),
                                normalise: g.periodic)
            l1 = max(l1, d.l1)
            w1 = max(w1, d.w1)
        }
        return (l1, w1)
    }

    /// The PDE density at the time `fraction T`, at the game's cells: on a torus the coarse points are
    /// fine points; with walls, the mean of the fine cells of each coarse cell.
    public static func projectedDensity(_ g: ContinuousGame, pde: Equilibrium, fraction: Double) -> [Double] {
        let n = g.cells, fineNx = pde.nx, stride = fineNx / n
        let level = Int((fraction * Double(pde.nt)).rounded())
        return g.periodic
            ? (0..<n).map { pde.m[level * fineNx + $0 * stride] }
            : (0..<n).map { i in (0..<stride).reduce(0.0) { $0 + pde.m[level * fineNx + i * stride + $1] } / Double(stride) }
    }

    /// The velocity range of a discrete game: 1.2 times the PDE's largest speed (per-point `speeds` and
    /// `density`, `[steps + 1][levelSize]`). With exits (`onlyWhereTheMassIs`), only where the density is at
    /// least 1% of its maximum and before the terminal row: the exit cost next to the terminal cost makes a
    /// layer of huge speeds near the exit at T, where almost no mass is left.
    static func maximumVelocity(speeds: [Double], density: [Double], levelSize: Int, steps: Int, onlyWhereTheMassIs: Bool) -> Double {
        var used = speeds
        if onlyWhereTheMassIs {
            let floor = 0.01 * (density.max() ?? 0)
            used = zip(speeds, density).prefix(steps * levelSize).map { $1 >= floor ? $0 : 0 }
        }
        return 1.2 * max(1e-6, used.max() ?? 1)
    }

    /// The discrete game of `problem` on `nx` cells, with its velocity range from the PDE reference.
    public static func game(_ problem: MFGProblem, nx: Int, pde: Equilibrium) throws -> ContinuousGame {
        guard pde.nx % nx == 0 else { throw RLError.invalid("the reference grid (\(pde.nx)) must be a multiple of nx (\(nx))") }
        let amax = maximumVelocity(speeds: pde.control[0].map(abs), density: pde.m, levelSize: pde.nx, steps: pde.nt,
                                   onlyWhereTheMassIs: problem.hasExit)
        return try ContinuousGame(problem: problem, nx: nx, minimumSteps: pde.nt, actions: VelocitySet.perAxis(cells: nx), maximumVelocity: amax)
    }

    /// The PDE equilibrium's feedback (nearest PDE level and point) projected to the game: the
    /// ground-truth policy.
    public static func groundTruthPolicy(_ problem: MFGProblem, game g: ContinuousGame, pde: Equilibrium) -> [Double] {
        let fineNx = pde.nx, fineNt = pde.nt
        let feedback: (Double, Double) -> Double = { t, x in
            let level = min(fineNt - 1, Int((t / problem.horizon * Double(fineNt)).rounded(.down)))
            let h = (problem.upper - problem.lower) / Double(fineNx)
            let i = problem.boundary == .periodic
                ? ((Int(((x - problem.lower) / h).rounded()) % fineNx) + fineNx) % fineNx
                : min(fineNx - 1, max(0, Int(((x - problem.lower) / h - 0.5).rounded())))
            return pde.control[0][level * fineNx + i]
        }
        return g.policy(fromFeedback: feedback)
    }

    /// Solves the PDE on a fine grid (`fineNx` points, a multiple of every level's nx, `fineNt`
    /// steps), then for each nx the discrete game (`VelocitySet` velocities), its equilibrium (mirror
    /// descent from the PDE's policy, `iterations` iterations at learning rate `learningRate`), and the
    /// distances; `progress` gets each row when it is done. Levels and problem are checked before the
    /// PDE is solved.
    public static func run(
        _ problem: MFGProblem, levels: [Int], fineNx: Int, fineNt: Int, iterations: Int = 300,
        learningRate: Double = 0.3, progress: ((RefinementRow) -> Void)? = nil
    ) throws -> [RefinementRow] {
        try ContinuousGame.checkSupported(problem)
        try checkLevels(levels, fine: fineNx, fineSteps: fineNt)
        try RLLimits.check(iterations: iterations, flag: "--iterations")
        let pde = try reference(problem, fineNx: fineNx, fineNt: fineNt)
        return try levels.map { n in
            let g = try game(problem, nx: n, pde: pde)
            let r = try row(n, game: g.game, groundTruth: groundTruthPolicy(problem, game: g, pde: pde), iterations: iterations,
                            learningRate: learningRate) { distances(g, distribution: $0, pde: pde) }
            progress?(r)
            return r
        }
    }

    /// Refuses levels the fine grid cannot serve (fewer than 4 cells, or not dividing it).
    static func checkLevels(_ levels: [Int], fine: Int, fineSteps: Int) throws {
        for n in levels {
            guard n >= DiscretisedProblem.minimumCells else {
                throw RLError.invalid("every level needs at least \(DiscretisedProblem.minimumCells) cells, got \(n)")
            }
            guard fine >= n, fine % n == 0 else {
                throw RLError.invalid("the fine grid (--fine \(fine)) must be a positive multiple of every level (--levels: \(n))")
            }
        }
        guard fineSteps >= 1 else { throw RLError.invalid("the PDE reference needs at least one time step (--fine-time-steps), got \(fineSteps)") }
    }

    /// One row of a refinement table: the ground-truth policy's exploitability, and the discrete
    /// equilibrium (mirror descent warm-started from that policy) with its distances to the PDE.
    static func row(_ n: Int, game: FiniteMFG, groundTruth: [Double], iterations: Int, learningRate: Double,
                    distances: ([Double]) -> (l1: Double, w1: Double)) throws -> RefinementRow {
        let tools = ExactTools(game: game)
        let truth = tools.evaluate(groundTruth)
        var equilibrium = TabularRun(tools: tools, algorithm: try MirrorDescent(game: game, learningRate: learningRate, initialPolicy: groundTruth))
        _ = equilibrium.run(iterations: iterations)
        if let f = equilibrium.failure { throw f }
        let (l1, w1) = distances(equilibrium.evaluation.distribution)
        return RefinementRow(nx: n, steps: game.horizon, actions: game.actions, l1: l1, w1: w1,
                             equilibriumExploitability: equilibrium.exploitability, groundTruthExploitability: truth.exploitability)
    }

    // MARK: 2D

    /// The 2D PDE reference on a fine square grid.
    public static func reference(_ problem: MFGProblem2D, fineN: Int, fineNt: Int) throws -> Equilibrium {
        try ContinuousGame2D.checkSupported(problem)
        let pde = try MFGSolver.solve(.twoD(problem), grid: GridSize(nx: fineN, ny: fineN, nt: fineNt),
                                      options: SolverOptions(tolerance: 1e-9, maxIterations: 300))
        guard pde.converged else {
            throw ReferenceNotConverged(problem: problem.name, grid: "\(fineN) x \(fineN) cells x \(fineNt) steps",
                                        residual: pde.final?.residual ?? .nan, reason: pde.stopReason ?? "stopped")
        }
        return pde
    }

    /// The velocity range of a 2D game (`maximumVelocity`, per axis).
    static func maximumVelocity(_ problem: MFGProblem2D, pde: Equilibrium) -> Double {
        maximumVelocity(speeds: zip(pde.control[0], pde.control[1]).map { max(abs($0), abs($1)) }, density: pde.m,
                        levelSize: pde.nx * pde.nx, steps: pde.nt, onlyWhereTheMassIs: problem.hasExit)
    }

    /// The discrete game of a 2D problem on n x n cells (`VelocitySet` velocities per axis).
    public static func game(_ problem: MFGProblem2D, n: Int, pde: Equilibrium) throws -> ContinuousGame2D {
        guard pde.nx % n == 0 else { throw RLError.invalid("the reference grid (\(pde.nx)) must be a multiple of n (\(n))") }
        return try ContinuousGame2D(problem: problem, n: n, minimumSteps: pde.nt, velocitiesPerAxis: VelocitySet.perAxis(cells: n),
                                    maximumVelocity: maximumVelocity(problem, pde: pde))
    }

    /// The same game in its per-axis form only (no dense tables).
    public static func factoredGame(_ problem: MFGProblem2D, n: Int, pde: Equilibrium) throws -> FactoredGame2D {
        guard pde.nx % n == 0 else { throw RLError.invalid("the reference grid (\(pde.nx)) must be a multiple of n (\(n))") }
        return try FactoredGame2D(problem: problem, n: n, minimumSteps: pde.nt, velocitiesPerAxis: VelocitySet.perAxis(cells: n),
                                  maximumVelocity: maximumVelocity(problem, pde: pde))
    }

    /// The PDE feedback `(alpha_x, alpha_y)(t, x, y)` at the nearest fine level and cell.
    static func feedback(_ problem: MFGProblem2D, pde: Equilibrium) -> (Double, Double, Double) -> (Double, Double) {
        let fine = pde.nx, fineNt = pde.nt, h = (problem.upperX - problem.lowerX) / Double(fine)
        let periodic = problem.boundary == .periodic
        func index(_ z: Double, _ lower: Double) -> Int {
            periodic ? ((Int(((z - lower) / h).rounded()) % fine) + fine) % fine
                : min(fine - 1, max(0, Int(((z - lower) / h - 0.5).rounded())))
        }
        return { t, x, y in
            let level = min(fineNt - 1, Int((t / problem.horizon * Double(fineNt)).rounded(.down)))
            let p = level * fine * fine + index(x, problem.lowerX) * fine + index(y, problem.lowerY)
            return (pde.control[0][p], pde.control[1][p])
        }
    }

    /// The PDE feedback (nearest fine level and cell) projected to the 2D game.
    public static func groundTruthPolicy(_ problem: MFGProblem2D, game g: ContinuousGame2D, pde: Equilibrium) -> [Double] {
        g.policy(fromFeedback: feedback(problem, pde: pde))
    }

    /// The 2D PDE density at the time `fraction T`, at the game's cells (as the 1D one).
    public static func projectedDensity(_ g: FactoredGame2D, pde: Equilibrium, fraction: Double) -> [Double] {
        let n = g.n, fine = pde.nx, r = fine / n
        let level = Int((fraction * Double(pde.nt)).rounded())
        let base = level * fine * fine
        return (0..<(n * n)).map { s -> Double in
            let i = s / n, j = s % n
            if g.periodic { return pde.m[base + i * r * fine + j * r] }
            var sum = 0.0
            for a in 0..<r { for b in 0..<r { sum += pde.m[base + (i * r + a) * fine + j * r + b] } }
            return sum / Double(r * r)
        }
    }

    /// L1 and marginal W1 distances (max over T/2 and T) to the 2D PDE density: fine points on a torus,
    /// block averages of fine cells with walls.
    public static func distances(_ g: FactoredGame2D, distribution: [Double], pde: Equilibrium) -> (l1: Double, w1: Double) {
        let cells = g.cells, S = g.states
        var l1 = 0.0, w1 = 0.0
        for fraction in [0.5, 1.0] {
            let step = Int((fraction * Double(g.horizon)).rounded())
            let d = g.distances(distribution[(step * S)..<(step * S + cells)], density: projectedDensity(g, pde: pde, fraction: fraction),
                                normalise: g.periodic)
            l1 = max(l1, d.l1)
            w1 = max(w1, d.w1)
        }
        return (l1, w1)
    }

    /// The refinement study of a 2D problem: as `run` for 1D. With a Hamiltonian quadratic in p the
    /// games stay in their per-axis form (`FactoredGame2D`, product policies, `FactoredMirrorDescent2D`),
    /// so that memory grows with `H S K`, not `H S K^2`; otherwise the dense games.
    public static func run(
        _ problem: MFGProblem2D, levels: [Int], fineN: Int, fineNt: Int, iterations: Int = 300, learningRate: Double = 0.3,
        progress: ((RefinementRow) -> Void)? = nil
    ) throws -> [RefinementRow] {
        try ContinuousGame2D.checkSupported(problem)
        try checkLevels(levels, fine: fineN, fineSteps: fineNt)
        try RLLimits.check(iterations: iterations, flag: "--iterations")
        let pde = try reference(problem, fineN: fineN, fineNt: fineNt)
        return try levels.map { n in
            guard problem.hamiltonian.isQuadraticInP else {
                let g = try game(problem, n: n, pde: pde)
                let r = try row(n, game: g.game, groundTruth: groundTruthPolicy(problem, game: g, pde: pde), iterations: iterations,
                                learningRate: learningRate) { distances(g.factored, distribution: $0, pde: pde) }
                progress?(r)
                return r
            }
            let g = try factoredGame(problem, n: n, pde: pde)
            var descent = try FactoredMirrorDescent2D(tools: try FactoredTools2D(game: g), learningRate: learningRate,
                                                      initialPolicy: g.policy(fromFeedback: feedback(problem, pde: pde)))
            let (truth, equilibrium) = try descent.run(iterations: iterations)
            let (l1, w1) = distances(g, distribution: descent.distribution, pde: pde)
            let r = RefinementRow(nx: n, steps: g.horizon, actions: g.velocities.count * g.velocities.count, l1: l1, w1: w1,
                                  equilibriumExploitability: equilibrium.exploitability, groundTruthExploitability: truth.exploitability)
            progress?(r)
            return r
        }
    }
}
