/// A finite-horizon mean field game with finitely many states and actions.
///
/// Decisions are taken at steps `t = 0 ... H-1`. From state `s` with action `a` the next state is
/// drawn from `P(. | s, a)` (the same at every step). The reward of step t is `R_t(s, a; mu_t, mu_{t+1})`:
/// it may depend on the population distribution of the current and of the next step, which covers
/// games that charge an action at the next step (OpenSpiel's convention) through its expectation.
/// Undiscounted unless `discount < 1`.
///
/// Arrays: a policy is `[H][S][A]` row-major (`pi[(t S + s) A + a]`), a distribution `[H+1][S]`
/// (`mu[t S + s]`, probabilities summing to 1 per row, row 0 = mu0), values `[H+1][S]` (row H = 0).
public struct FiniteMFG: Sendable {
    public let name: String
    public let states: Int
    public let actions: Int
    public let horizon: Int
    public let discount: Double
    public let initialDistribution: [Double]
    /// Transitions in compressed rows: entries `rowStart[s A + a] ..< rowStart[s A + a + 1]` of
    /// `successor` / `probability`.
    public let rowStart: [Int]
    public let successor: [Int32]
    public let probability: [Double]
    /// Fills `out[s A + a] = R_t(s, a; mu_t, mu_{t+1})` for all s, a.
    public typealias Reward = @Sendable (_ t: Int, _ mu: UnsafePointer<Double>, _ next: UnsafePointer<Double>, _ out: UnsafeMutablePointer<Double>) -> Void
    public let reward: Reward
    /// `legal[s A + a]`: whether action a may be taken in state s (policies put no mass elsewhere).
    public let legal: [Bool]
    /// For grid games, `[width, height]` with `s = x height + y`: neural policies then see one-hot x and y
    /// (`OfflineFeatures`). Nil: states are unstructured.
    public var gridSize: [Int]? = nil
    /// Optional structure of the transitions, used by `ExactTools` for speed (`factor(move:noise:)`).
    public internal(set) var moveThenNoise: MoveThenNoise? = nil
    /// Fills, for weights `w[s' A + a']`, the contractions of the rewards' derivatives with respect to the
    /// distributions: `now[s] = sum_{s',a'} w(s',a') dR_t(s',a'; mu_t, mu_{t+1}) / dmu_t(s)` and
    /// `next[s] = sum_{s',a'} w(s',a') dR_t(s',a'; mu_t, mu_{t+1}) / dmu_{t+1}(s)` (a vector-Jacobian product).
    public typealias RewardGradient = @Sendable (_ t: Int, _ mu: UnsafePointer<Double>, _ next: UnsafePointer<Double>,
                                                 _ weights: UnsafePointer<Double>, _ now: UnsafeMutablePointer<Double>,
                                                 _ nextOut: UnsafeMutablePointer<Double>) -> Void
    /// The exact derivative of `reward` with respect to the distributions, for games that provide it; the
    /// social objective (`Objective.social`, mean-field control; `SocialObjective.swift`) needs it.
    public var rewardGradient: RewardGradient? = nil
    /// Names of the states, for games small enough to print a distribution by name (wardrop). Nil: unnamed.
    public var stateNames: [String]? = nil

    /// `massTolerance`: how far the initial distribution's total may lie from 1 (a game that reads its
    /// masses as OpenSpiel does, as 32-bit floats used as given, has a total of 1 only to ~1e-7).
    public init(name: String, states: Int, actions: Int, horizon: Int, discount: Double = 1,
                initialDistribution: [Double], massTolerance: Double = 1e-9, legal: ((Int, Int) -> Bool)? = nil,
                transitions: (Int, Int) -> [(Int, Double)], reward: @escaping Reward) throws {
        guard states >= 1, actions >= 1, horizon >= 1 else {
            throw RLError.invalid("a finite MFG needs at least one state, one action and one step")
        }
        try RLLimits.checkGame(name, states: Double(states), actions: Double(actions), horizon: Double(horizon),
                               advice: "use a smaller game (size, horizon, actions)")
        guard initialDistribution.count == states, abs(initialDistribution.reduce(0, +) - 1) < massTolerance,
              initialDistribution.allSatisfy({ $0 >= 0 }) else {
            throw RLError.invalid("the initial distribution must be \(states) non-negative numbers summing to 1 (within \(massTolerance))")
        }
        self.name = name
        self.states = states
        self.actions = actions
        self.horizon = horizon
        self.discount = discount
        self.initialDistribution = initialDistribution
        var mask = [Bool](repeating: true, count: states * actions)
        if let legal { for s in 0..<states { for a in 0..<actions { mask[s * actions + a] = legal(s, a) } } }
        for s in 0..<states where !(0..<actions).contains(where: { mask[s * actions + $0] }) {
            throw RLError.invalid("state \(s) has no legal action")
        }
        self.legal = mask
        var start = [0], next: [Int32] = [], prob: [Double] = []
        for s in 0..<states {
            for a in 0..<actions {
                if !mask[s * actions + a] {  // never taken: a self-loop keeps the rows well formed
                    next.append(Int32(s)); prob.append(1); start.append(next.count)
                    continue
                }
                // Merge repeated successors.
                var merged: [Int: Double] = [:]
                for (q, p) in transitions(s, a) where p != 0 { merged[q, default: 0] += p }
                let total = merged.values.reduce(0, +)
                guard abs(total - 1) < 1e-9 else {
                    throw RLError.invalid("transition probabilities from state \(s), action \(a) sum to \(total), not 1")
                }
                if let (q, p) = merged.first(where: { $0.value < -1e-12 }) {
                    throw RLError.invalid("transition probability \(p) from state \(s), action \(a) to state \(q) is negative")
                }
                // Round-off below zero (a stay probability 1 - sum that should be 0) is dropped.
                for (q, p) in merged.sorted(by: { $0.key < $1.key }) where p > 0 {
                    next.append(Int32(q))
                    prob.append(p)
                }
                start.append(next.count)
            }
        }
        rowStart = start
        successor = next
        probability = prob
        self.reward = reward
    }

    public var policySize: Int { horizon * states * actions }

    /// Refuses a policy that does not have this game's shape `[H][S][A]`.
    public func checkShape(of policy: [Double]) throws {
        guard policy.count == policySize else {
            throw RLError.invalid("the policy has \(policy.count) entries; this game needs [\(horizon), \(states), \(actions)] = \(policySize)")
        }
    }

    /// The uniform policy over the legal actions.
    public var uniformPolicy: [Double] {
        var pi = [Double](repeating: 0, count: policySize)
        for s in 0..<states {
            let n = Double((0..<actions).filter { legal[s * actions + $0] }.count)
            for t in 0..<horizon { for a in 0..<actions where legal[s * actions + a] { pi[(t * states + s) * actions + a] = 1 / n } }
        }
        return pi
    }
}

public enum RLError: Error, CustomStringConvertible, Sendable {
    /// The game, its parameters or the data are invalid (exit code 65).
    case invalid(String)
    /// A setting of the command line is out of its range, whatever the game (exit code 64).
    case usage(String)

    /// A game whose transitions depend on the population, given to a tool that samples or reads the
    /// fixed transition rows.
    static func unsupportedDynamics(_ game: String, _ tool: String) -> RLError {
        .invalid("\(game): the moves depend on the population (mean_revert != 0), which \(tool) does not support; the exact tools and the tabular algorithms (rl run, rl evaluate) do")
    }

    public var description: String {
        switch self { case let .invalid(m), let .usage(m): return m }
    }
}
