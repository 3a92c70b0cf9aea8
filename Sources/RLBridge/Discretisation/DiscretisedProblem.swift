import PDE

/// A continuous problem's finite game together with its PDE reference: what the RL commands need
/// (1D: `ContinuousGame`, 2D: `ContinuousGame2D`).
public struct DiscretisedProblem: Sendable {
    public let game: FiniteMFG
    /// L1 and W1 (2D: the larger W1 of the two marginals) distances, max over T/2 and T, between a game
    /// distribution `[H+1][S]` and the PDE density.
    public let distances: @Sendable ([Double]) -> (l1: Double, w1: Double)
    /// The PDE equilibrium's feedback projected to the game ("the ground-truth policy").
    public let groundTruthPolicy: @Sendable () -> [Double]
    /// The PDE density at the time `fraction T`, at the game's cells (a density: the game's
    /// distribution divided by the cell size is comparable).
    public let referenceDensity: @Sendable (_ fraction: Double) -> [Double]
    /// The width of a cell (1D) or its area (2D).
    public let cellSize: Double
    /// The PDE reference the game is scored against.
    public let reference: Equilibrium
    /// Where the game's cells are: what turns a state into a position.
    public let layout: CellLayout
    /// The game's time step: step t is at time `t dt`.
    public let dt: Double
    /// The velocity of each action, `[A][d]` (1D: `[v_k]`; 2D: `[v_kx, v_ky]`, `a = kx K + ky`).
    public let actionVelocities: [[Double]]

    /// The distance of a policy's mean action to the PDE control, `(1/H) sum_t sum_s mu_t(s) |abar_pi(t, s) - abar*(t, s)|`
    /// over the cells, `abar(t, s) = sum_a pi_t(a|s) v(a)` (`|.|` Euclidean in 2D), with `abar*` the mean
    /// action of the ground-truth policy: the PDE feedback at the cell, clamped to the velocity range.
    /// `mu` is `[H+1][S]`; the result is in velocity units.
    public func meanActionDistance(_ policy: [Double], groundTruth star: [Double], distribution mu: [Double]) -> Double {
        let S = game.states, A = game.actions, H = game.horizon, twoD = actionVelocities[0].count == 2
        var total = 0.0
        for t in 0..<H {
            for s in 0..<layout.cells where mu[t * S + s] > 0 {
                let base = (t * S + s) * A
                var difference = SIMD2<Double>.zero
                for a in 0..<A {
                    let w = policy[base + a] - star[base + a]
                    difference.x += w * actionVelocities[a][0]
                    if twoD { difference.y += w * actionVelocities[a][1] }
                }
                total += mu[t * S + s] * (difference * difference).sum().squareRoot()
            }
        }
        return total / Double(H)
    }

    /// The fewest cells per axis of a game (those of the PDE grids).
    public static let minimumCells = 4

    /// The PDE reference's points (and, by default, steps) when none is given: the smallest multiple of
    /// `cells` that is at least 320, `cells ceil(320 / cells)`.
    public static func defaultReference(cells: Int) -> Int {
        let n = max(1, cells)
        return n >= 320 ? n : n * ((320 + n - 1) / n)
    }

    /// Refuses sizes the discretisation cannot use: fewer than 4 cells per axis, a reference grid that is
    /// not a multiple of the cells (each cell is a block of reference points), fewer than one reference step.
    public static func check(cells: Int, reference: Int, referenceSteps: Int) throws {
        guard cells >= minimumCells else {
            throw RLError.invalid("the game needs at least \(minimumCells) cells per axis (--nx \(cells)); give --nx \(minimumCells) or more")
        }
        guard reference >= cells, reference % cells == 0 else {
            throw RLError.invalid("the PDE reference grid (--reference \(reference)) must be a multiple of the game's cells (--nx \(cells)); give --reference \(defaultReference(cells: cells)), or leave it out to have it chosen")
        }
        guard referenceSteps >= 1 else { throw RLError.invalid("the PDE reference needs at least one time step, got \(referenceSteps)") }
    }

    /// A 1D problem on `nx` cells against the PDE solved on `reference` points and steps (default
    /// `defaultReference`). Everything that would refuse the problem or the sizes is checked before the
    /// PDE is solved.
    public static func oneD(_ problem: MFGProblem, nx: Int, reference: Int? = nil) throws -> DiscretisedProblem {
        let reference = reference ?? defaultReference(cells: nx)
        try ContinuousGame.checkSupported(problem)
        try check(cells: nx, reference: reference, referenceSteps: reference)
        // The game's size from diffusion alone (the velocities add to it), before the reference is solved.
        let h = (problem.upper - problem.lower) / Double(nx), K = VelocitySet.perAxis(cells: nx)
        _ = try stableSteps(problem.name, horizon: problem.horizon, rate: 2 * problem.viscosity / (h * h), minimumSteps: reference,
                            states: nx + 1, actions: K, why: "dt 2 nu/h^2 <= 1 with nu = \(problem.viscosity), h = \(h)")
        let pde = try RefinementStudy.reference(problem, fineNx: reference, fineNt: reference)
        let g = try RefinementStudy.game(problem, nx: nx, pde: pde)
        return DiscretisedProblem(
            game: g.game, distances: { RefinementStudy.distances(g, distribution: $0, pde: pde) },
            groundTruthPolicy: { RefinementStudy.groundTruthPolicy(problem, game: g, pde: pde) },
            referenceDensity: { RefinementStudy.projectedDensity(g, pde: pde, fraction: $0) },
            cellSize: (problem.upper - problem.lower) / Double(nx), reference: pde,
            layout: CellLayout(x: g.x, y: nil, active: nil, lower: [problem.lower], upper: [problem.upper],
                               periodic: g.periodic, cells: g.cells), dt: g.dt,
            actionVelocities: g.velocities.map { [$0] })
    }

    /// A 2D problem on `n x n` cells against the PDE solved on `reference^2` cells and `steps` steps
    /// (defaults `defaultReference` and `reference`), checked as `oneD`.
    public static func twoD(_ problem: MFGProblem2D, n: Int, reference: Int? = nil, steps: Int? = nil) throws -> DiscretisedProblem {
        let reference = reference ?? defaultReference(cells: n), steps = steps ?? reference
        try ContinuousGame2D.checkSupported(problem)
        try check(cells: n, reference: reference, referenceSteps: steps)
        let h = (problem.upperX - problem.lowerX) / Double(n), K = VelocitySet.perAxis(cells: n)
        _ = try stableSteps(problem.name, horizon: problem.horizon, rate: 4 * problem.viscosity / (h * h), minimumSteps: steps,
                            states: n * n + 1, actions: K * K, why: "dt 4 nu/h^2 <= 1 with nu = \(problem.viscosity), h = \(h)")
        let pde = try RefinementStudy.reference(problem, fineN: reference, fineNt: steps)
        let g = try RefinementStudy.game(problem, n: n, pde: pde)
        return DiscretisedProblem(
            game: g.game, distances: { RefinementStudy.distances(g.factored, distribution: $0, pde: pde) },
            groundTruthPolicy: { RefinementStudy.groundTruthPolicy(problem, game: g, pde: pde) },
            referenceDensity: { RefinementStudy.projectedDensity(g.factored, pde: pde, fraction: $0) },
            cellSize: (problem.upperX - problem.lowerX) * (problem.upperY - problem.lowerY) / Double(n * n), reference: pde,
            layout: CellLayout(x: g.x, y: g.y, active: g.active, lower: [problem.lowerX, problem.lowerY],
                               upper: [problem.upperX, problem.upperY], periodic: g.periodic, cells: g.cells), dt: g.dt,
            actionVelocities: (0..<(g.velocities.count * g.velocities.count)).map { [g.velocities[$0 / g.velocities.count], g.velocities[$0 % g.velocities.count]] })
    }
}

/// The geometry of a discretised game's states: states `0 ..< cells` are grid cells (`s = i` in 1D,
/// `s = i ny + j` in 2D) centred on `x` (and `y`), tiling the domain `[lower, upper]` per axis; a
/// state `cells`, when the game has exits, is "exited".
public struct CellLayout: Sendable, Equatable {
    public let x: [Double]
    public let y: [Double]?
    /// 2D: false in obstacle cells.
    public let active: [Bool]?
    public let lower: [Double], upper: [Double]
    public let periodic: Bool
    public let cells: Int
}
