/// A static dataset of trajectories of a finite MFG, for offline MFG learning (Off-MMD and baselines).
///
/// Every episode has the game's full horizon H. Arrays are row-major, episode-major:
/// - `states[e (H+1) + t]`: the state at step t = 0 ... H (the last one is the final state),
/// - `actions`, `rewards`, `logProbabilities`, `meanField`: `[e H + t]` for steps t = 0 ... H-1:
///   the action taken, the reward received (under the mean field the episode was generated in),
///   log beta_t(a|s) of the behaviour policy that the whole dataset follows (for a mixture, the
///   mixture's state-dependent marginal, which is what importance sampling needs), and the true mean
///   field at the agent's state, `mu_t(s_t)`.
/// - `components[e]`: index into `behaviors` of the behaviour that generated episode e.
public struct OfflineDataset: Sendable, Equatable {
    /// How the game was made, so that a reader can rebuild it: e.g. `["game": "four_rooms",
    /// "set": "task=exploration"]` or `["problem": "crowd-aversion-1d", "nx": "40", "reference": "320"]`.
    public var gameSpec: [String: String]
    public var gameName: String
    public var states: Int
    public var actions: Int
    public var horizon: Int
    public var episodes: Int
    /// Behaviour components and their proportions (summing to 1), e.g. [("expert", 0.5), ("random", 0.5)].
    public var behaviors: [BehaviorComponent]
    public var seed: UInt64

    public var statesVisited: [Int32]
    public var actionsTaken: [Int32]
    public var rewards: [Double]
    public var logProbabilities: [Double]
    public var meanField: [Double]
    public var components: [Int32]

    public init(gameSpec: [String: String], gameName: String, states: Int, actions: Int, horizon: Int, episodes: Int,
                behaviors: [BehaviorComponent], seed: UInt64,
                statesVisited: [Int32], actionsTaken: [Int32], rewards: [Double], logProbabilities: [Double],
                meanField: [Double], components: [Int32]) {
        self.gameSpec = gameSpec; self.gameName = gameName
        self.states = states; self.actions = actions; self.horizon = horizon; self.episodes = episodes
        self.behaviors = behaviors; self.seed = seed
        self.statesVisited = statesVisited; self.actionsTaken = actionsTaken; self.rewards = rewards
        self.logProbabilities = logProbabilities; self.meanField = meanField; self.components = components
    }

    /// Checks the array sizes and ranges; throws `RLError.invalid` naming the first inconsistency.
    public func validate() throws {
        let n = episodes * horizon
        func need(_ ok: Bool, _ what: @autoclosure () -> String) throws { if !ok { throw RLError.invalid(what()) } }
        try need(states >= 1 && actions >= 1 && horizon >= 1 && episodes >= 1, "dataset: states, actions, horizon and episodes must be positive")
        try need(statesVisited.count == episodes * (horizon + 1), "dataset: states has \(statesVisited.count) entries, expected episodes x (horizon + 1) = \(episodes * (horizon + 1))")
        for (name, count) in [("actions", actionsTaken.count), ("rewards", rewards.count), ("log_probabilities", logProbabilities.count), ("mean_field", meanField.count)] {
            try need(count == n, "dataset: \(name) has \(count) entries, expected episodes x horizon = \(n)")
        }
        try need(components.count == episodes, "dataset: components has \(components.count) entries, expected \(episodes)")
        if let bad = statesVisited.firstIndex(where: { $0 < 0 || Int($0) >= states }) {
            throw RLError.invalid("dataset: state \(statesVisited[bad]) at episode \(bad / (horizon + 1)), step \(bad % (horizon + 1)) is outside 0..<\(states)")
        }
        if let bad = actionsTaken.firstIndex(where: { $0 < 0 || Int($0) >= actions }) {
            throw RLError.invalid("dataset: action \(actionsTaken[bad]) at episode \(bad / horizon), step \(bad % horizon) is outside 0..<\(actions)")
        }
        if let bad = logProbabilities.firstIndex(where: { !($0 <= 0 && $0 > -700) }) {
            throw RLError.invalid("dataset: behaviour log-probability \(logProbabilities[bad]) at episode \(bad / horizon), step \(bad % horizon) is not in (-700, 0] (a logged action has positive probability)")
        }
        try need(components.allSatisfy { $0 >= 0 && Int($0) < behaviors.count }, "dataset: a component index is outside 0..<\(behaviors.count)")
        if let bad = rewards.firstIndex(where: { !$0.isFinite }) {
            throw RLError.invalid("dataset: rewards: the reward \(rewards[bad]) at episode \(bad / horizon), step \(bad % horizon) is not finite")
        }
        if let bad = meanField.firstIndex(where: { !($0 >= 0 && $0 <= 1) }) {
            throw RLError.invalid("dataset: mean_field: mu_t(s_t) = \(meanField[bad]) at episode \(bad / horizon), step \(bad % horizon) is not a probability in [0, 1]")
        }
        for (i, b) in behaviors.enumerated() {
            try need(b.proportion >= 0 && b.proportion <= 1, "dataset: behaviors[\(i)].proportion: \(b.proportion) is not in [0, 1]")
        }
        let total = behaviors.reduce(0) { $0 + $1.proportion }
        try need(abs(total - 1) < 1e-6, "dataset: behaviors: the proportions sum to \(total), not 1")
    }
}

/// One behaviour of a dataset and the proportion of episodes it generated.
public struct BehaviorComponent: Sendable, Equatable {
    public var name: String
    public var proportion: Double
    public init(name: String, proportion: Double) { self.name = name; self.proportion = proportion }
}
