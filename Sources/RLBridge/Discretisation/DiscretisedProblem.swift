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

    /// A 1D problem on `nx` cells against the PDE solved on `reference` points and steps.
    public static func oneD(_ problem: MFGProblem, nx: Int, reference: Int) throws -> DiscretisedProblem {
        let pde = try RefinementStudy.reference(problem, fineNx: reference, fineNt: reference)
        let g = try RefinementStudy.game(problem, nx: nx, pde: pde)
        return DiscretisedProblem(
            game: g.game, distances: { RefinementStudy.distances(g, distribution: $0, pde: pde) },
            groundTruthPolicy: { RefinementStudy.groundTruthPolicy(problem, game: g, pde: pde) })
    }

    /// A 2D problem on `n x n` cells against the PDE solved on `reference^2` cells and `steps` steps.
    public static func twoD(_ problem: MFGProblem2D, n: Int, reference: Int, steps: Int) throws -> DiscretisedProblem {
        let pde = try RefinementStudy.reference(problem, fineN: reference, fineNt: steps)
        let g = try RefinementStudy.game(problem, n: n, pde: pde)
        return DiscretisedProblem(
            game: g.game, distances: { RefinementStudy.distances(g, distribution: $0, pde: pde) },
            groundTruthPolicy: { RefinementStudy.groundTruthPolicy(problem, game: g, pde: pde) })
    }
}
