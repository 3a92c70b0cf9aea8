import PDE

/// A social optimum beside a Nash equilibrium of the same finite game: the population's total cost at
/// each and the price of anarchy (the PDE's counterpart is Reports' `SocialComparison`).
///
/// The social cost of a policy is minus the population's total reward along its own distribution,
/// `C(pi) = -sum_t gamma^t sum_{s,a} mu_t(s) pi_t(a|s) R_t(s, a; mu_t, mu_{t+1})`, which is minus the
/// expected return of the representative agent (`Evaluation.expectedReturn` of the game's own rewards).
/// The price of anarchy is `C(equilibrium) / C(optimum)` when both costs are positive (>= 1 when the
/// optimum is one), as for the PDE; otherwise undefined (nil: games of gains, such as crowd_modelling).
public struct FiniteSocialComparison: Sendable {
    /// The two policies as evaluated with the game's own rewards (distribution, value, exploitability).
    public let optimum: Evaluation, equilibrium: Evaluation
    /// The optimum's exploitability under the planner's rewards R~ (`Objective.social`): 0 at a
    /// stationary point of the planner's problem.
    public let optimumGap: Double

    /// Evaluates `optimum` (a policy found with the social objective) and `equilibrium` (one found with
    /// the Nash objective) in `game`.
    public init(game: FiniteMFG, optimum: [Double], equilibrium: [Double]) throws {
        try game.checkShape(of: optimum)
        try game.checkShape(of: equilibrium)
        let tools = ExactTools(game: game)
        self.optimum = tools.evaluate(optimum)
        self.equilibrium = tools.evaluate(equilibrium)
        optimumGap = try ExactTools(game: game, objective: .social).evaluate(optimum).exploitability
    }

    /// `C` of the social optimum found.
    public var optimumCost: Double { -optimum.expectedReturn }
    /// `C` of the Nash equilibrium found.
    public var equilibriumCost: Double { -equilibrium.expectedReturn }
    /// The equilibrium's exploitability (the game's own rewards).
    public var equilibriumExploitability: Double { equilibrium.exploitability }

    /// `C(equilibrium) / C(optimum)` when both costs are positive, else nil.
    public var priceOfAnarchy: Double? { equilibriumCost > 0 && optimumCost > 0 ? equilibriumCost / optimumCost : nil }
}
