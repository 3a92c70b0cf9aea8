/// The static two-road routing game (Wardrop 1952; the traffic exercise of the MFG overview): a unit mass
/// of drivers each chooses road A or road B once, with travel times
/// `T_A = time_a + slope_a mu_A` and `T_B = time_b + slope_b mu_B`, `mu_A + mu_B = 1` (defaults
/// `1 + mu_A` and `2 + mu_B / 2`); the reward is minus the travel time.
///
/// As a finite MFG: states 0 `start`, 1 `road_A`, 2 `road_B`; actions 0 (A) and 1 (B); one decision
/// (horizon 1) from mu0 = start; action a leads to road a surely (from any state: only the start is
/// occupied at step 0). The travel time is charged at step 0 through the next distribution:
/// `R_0(s, A; mu_0, mu_1) = -(time_a + slope_a mu_1(road_A))`, `R_0(s, B; mu_0, mu_1) = -(time_b + slope_b mu_1(road_B))`,
/// so `mu_A = mu_1(road_A) = pi_0(A | start)`. Its exact `rewardGradient`: `dR_0(s', A)/dmu_1(road_A) = -slope_a`,
/// `dR_0(s', B)/dmu_1(road_B) = -slope_b`, every other derivative 0.
///
/// Closed forms (slopes >= 0): the Wardrop (Nash) equilibrium equalises the travel times of the roads in
/// use, `mu_A = clip((time_b + slope_b - time_a) / (slope_a + slope_b), 0, 1)`; the social optimum minimises
/// `mu_A T_A + mu_B T_B`, i.e. equalises the marginal costs `time + 2 slope mu`,
/// `mu_A = clip((time_b + 2 slope_b - time_a) / (2 (slope_a + slope_b)), 0, 1)`. With the defaults: equilibrium
/// `mu_A = 1` (both times 2, social cost 2), optimum `mu_A = 2/3` (social cost 11/6), price of anarchy 12/11.
public enum Wardrop {
    public static let parameters: [GameParameter] = [
        GameParameter("time_a", .real, default: "1.0", "travel time of road A when empty"),
        GameParameter("slope_a", .real, default: "1.0", "its increase per unit of traffic (>= 0)"),
        GameParameter("time_b", .real, default: "2.0", "travel time of road B when empty"),
        GameParameter("slope_b", .real, default: "0.5", "its increase per unit of traffic (>= 0)"),
    ]
    public static let stateNames = ["start", "road_A", "road_B"]
    /// `rl run`'s defaults on this game (`OpenSpielGames.runDefaults`): mirror descent with learning rate 1
    /// converges linearly to an interior social optimum (near it the error of the logit
    /// `log(pi(A)/pi(B))` shrinks by `|1 - 2 lr (slope_a + slope_b) mu_A mu_B|` per iteration: 1/3 with the
    /// defaults), and, with the defaults, towards the boundary equilibrium `mu_A = 1` only as
    /// `mu_B <= 1 / (2 + 0.75 lr k)` after k iterations: the travel times tie there (`Q_A - Q_B = 1.5 mu_B`),
    /// so every method that follows the values slows down (fictitious play: `mu_B = 1 / (2 (k + 1))`),
    /// hence many iterations; one takes about half a microsecond.
    public static let learningRate = 1.0
    public static let iterations = 10_000

    /// The game with travel times `time_a + slope_a mu_A` and `time_b + slope_b mu_B`.
    public static func make(timeA: Double = 1, slopeA: Double = 1, timeB: Double = 2, slopeB: Double = 0.5) throws -> FiniteMFG {
        for (parameter, v) in zip(parameters, [timeA, slopeA, timeB, slopeB]) where !v.isFinite {
            let name = parameter.name
            throw RLError.invalid("wardrop: \(name) must be finite, got \(v)")
        }
        guard slopeA >= 0, slopeB >= 0 else {
            throw RLError.invalid("wardrop: the congestion slopes must be >= 0 (slope_a \(slopeA), slope_b \(slopeB)): with travel times that fall with traffic the game may have several equilibria and the planner's problem is not concave")
        }
        var game = try FiniteMFG(
            name: "wardrop", states: 3, actions: 2, horizon: 1, initialDistribution: [1, 0, 0],
            transitions: { _, a in [(1 + a, 1)] },
            reward: { _, _, next, out in
                for s in 0..<3 {
                    out[s * 2] = -(timeA + slopeA * next[1])
                    out[s * 2 + 1] = -(timeB + slopeB * next[2])
                }
            })
        game.rewardGradient = { _, _, _, w, now, next in
            var onA = 0.0, onB = 0.0
            for s in 0..<3 { onA += w[s * 2]; onB += w[s * 2 + 1] }
            for s in 0..<3 { now[s] = 0 }
            next[0] = 0
            next[1] = -slopeA * onA
            next[2] = -slopeB * onB
        }
        game.stateNames = stateNames
        return game
    }
}
