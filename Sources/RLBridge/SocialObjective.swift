import PDE

/// `Objective` (PDE's: `nash` or `social`) on finite MFGs.
///
/// - `nash`: each agent maximises its own return against the population (a mean field game); its
///   solutions are the Nash equilibria, where the exploitability is 0.
/// - `social`: a planner chooses everyone's policy to maximise the population's total reward
///   (mean-field control),
///   `J(pi) = sum_t gamma^t sum_{s,a} rho_t(s,a) R_t(s, a; mu_t, mu_{t+1})`, `rho_t(s,a) = mu_t(s) pi_t(a|s)`,
///   `mu = mu^pi`. A change of pi changes rho_t, and through it mu_t (its marginal) and mu_{t+1} (`P^T rho_t`),
///   so `dJ = sum_t gamma^t <d rho_t, R~_t>` with the planner's rewards
///   `R~_t(s,a) = R_t(s,a) + G_t(s) + sum_s'' P(s''|s,a) N_t(s'')`,
///   `G_t(s) = sum_{s',a'} rho_t(s',a') dR_t(s',a')/dmu_t(s)`, `N_t(s'') = sum_{s',a'} rho_t(s',a') dR_t(s',a')/dmu_{t+1}(s'')`
///   (for a local coupling `R = f(mu(s))`, `G = mu f'(mu)`: the `F + m dF/dm` of the PDE's social objective).
///   By the policy-gradient theorem `dJ/dpi_t(a|s) = gamma^t mu_t(s) Q~^pi_t(s,a)`, Q~ the policy's Q under
///   R~ along mu^pi. So the optimality conditions of the planner are those of a mean field game whose
///   rewards are R~ (held fixed at the population's rho while one agent deviates): a social optimum is an
///   equilibrium of that game (exploitability 0 under R~; sufficient too when J is concave in the
///   occupancy measures, as on wardrop), and the tabular algorithms run on it unchanged
///   (`ExactTools(game:objective:)` evaluates with R~, `addSocialTerms`). The derivatives are the game's
///   exact `rewardGradient`; games whose moves depend on the population are refused (their dynamics would
///   add a term).
extension Objective {
    /// Refuses the social objective on a game without the derivative of its rewards, or whose moves
    /// depend on the population, naming the games that have it.
    public func check(_ game: FiniteMFG) throws {
        guard self == .social else { return }
        guard game.rewardGradient != nil else { throw Self.missingGradient(game.name) }
        guard !game.populationDependentDynamics else {
            throw RLError.invalid("\(game.name): the moves depend on the population (mean_revert != 0); the social objective does not take the derivative of the dynamics")
        }
    }

    /// The refusal of the social objective on a game (or a kind of game) without `rewardGradient`.
    public static func missingGradient(_ game: String) -> RLError {
        .invalid("\(game): the social objective (mean-field control) needs the derivative of the rewards with respect to the distribution, which this game does not provide; it is available for the games: \(OpenSpielGames.socialNames.joined(separator: ", "))")
    }
}
