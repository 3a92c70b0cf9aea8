import Foundation
import Neural

/// Samples trajectories of behaviour policies, each under its own mean field (Off-MMD's
/// `collect_dataset.py`), into an `OfflineDataset`.
///
/// Episode counts per component are the proportions times the number of episodes, rounded by largest
/// remainder. The stored log-probabilities are those of the dataset's marginal behaviour at (t, s),
/// `beta_t(a|s) = sum_k n_k mu^k_t(s) pi_k(a|s) / sum_k n_k mu^k_t(s)`: for one component, its policy.
public enum DatasetGenerator {
    public struct Component {
        public var name: String
        public var policy: [Double]
        public var proportion: Double
        public init(name: String, policy: [Double], proportion: Double) { self.name = name; self.policy = policy; self.proportion = proportion }
    }

    /// Episode counts by largest remainder.
    static func counts(_ proportions: [Double], total: Int) -> [Int] {
        let raw = proportions.map { $0 * Double(total) }
        var n = raw.map { Int($0.rounded(.down)) }
        let order = raw.indices.sorted { (raw[$0] - Double(n[$0])) > (raw[$1] - Double(n[$1])) }
        var left = total - n.reduce(0, +)
        for i in order where left > 0 { n[i] += 1; left -= 1 }
        return n
    }

    public static func generate(game: FiniteMFG, components: [Component], episodes: Int, seed: UInt64,
                                gameSpec: [String: String]) throws -> OfflineDataset {
        guard episodes >= 1 else { throw RLError.invalid("--episodes must be at least 1") }
        guard !game.populationDependentDynamics else { throw RLError.unsupportedDynamics(game.name, "offline datasets") }
        guard !components.isEmpty else { throw RLError.invalid("a dataset needs at least one behaviour") }
        let proportionSum = components.reduce(0) { $0 + $1.proportion }
        guard components.allSatisfy({ $0.proportion.isFinite && $0.proportion >= 0 }), proportionSum > 0, proportionSum.isFinite else {
            throw RLError.invalid("behaviour proportions must be finite, non-negative and not all zero")
        }
        let components = components.map { Component(name: $0.name, policy: $0.policy, proportion: $0.proportion / proportionSum) }
        let S = game.states, A = game.actions, H = game.horizon
        let tools = ExactTools(game: game)
        let n = counts(components.map(\.proportion), total: episodes)
        precondition(n.reduce(0, +) == episodes, "largest-remainder counts must add up to the episodes")
        // Mean fields and reward tables of every component.
        var fields: [[Double]] = [], rewardTables: [[Double]] = []
        for c in components {
            guard c.policy.count == game.policySize else { throw RLError.invalid("behaviour \(c.name) has \(c.policy.count) entries, expected \(game.policySize)") }
            var mu: [Double] = [], r: [Double] = []
            tools.distribution(of: c.policy, into: &mu)
            tools.rewards(along: mu, into: &r)
            fields.append(mu)
            rewardTables.append(r)
        }
        // The marginal behaviour log-probabilities, [H][S][A].
        var logBeta = [Double](repeating: 0, count: H * S * A)
        for t in 0..<H {
            for s in 0..<S {
                var weights = components.indices.map { Double(n[$0]) * fields[$0][t * S + s] }
                var total = weights.reduce(0, +)
                if total == 0 { weights = components.indices.map { Double(n[$0]) }; total = weights.reduce(0, +) }
                for a in 0..<A {
                    var p = 0.0
                    for k in components.indices { p += weights[k] * components[k].policy[(t * S + s) * A + a] }
                    logBeta[(t * S + s) * A + a] = log(p / total)
                }
            }
        }
        var rng = SeededGenerator(seed: seed)
        var statesOut = [Int32](repeating: 0, count: episodes * (H + 1))
        var actionsOut = [Int32](repeating: 0, count: episodes * H)
        var rewardsOut = [Double](repeating: 0, count: episodes * H)
        var logOut = rewardsOut, fieldOut = rewardsOut
        var componentOut = [Int32](repeating: 0, count: episodes)
        // Cumulative initial distribution for sampling s0.
        var cdf0 = [Double](repeating: 0, count: S)
        var acc = 0.0
        for s in 0..<S { acc += game.initialDistribution[s]; cdf0[s] = acc }
        var e = 0
        for (k, c) in components.enumerated() {
            c.policy.withUnsafeBufferPointer { pi in
                fields[k].withUnsafeBufferPointer { mu in
                    rewardTables[k].withUnsafeBufferPointer { r in
                        game.rowStart.withUnsafeBufferPointer { rs in
                            game.successor.withUnsafeBufferPointer { nx in
                                game.probability.withUnsafeBufferPointer { pr in
                                    for _ in 0..<n[k] {
                                        componentOut[e] = Int32(k)
                                        var u = rng.unit() * acc
                                        var s = 0
                                        while s < S - 1 && (cdf0[s] <= u || game.initialDistribution[s] == 0) { s += 1 }
                                        for t in 0..<H {
                                            statesOut[e * (H + 1) + t] = Int32(s)
                                            let row = (t * S + s) * A
                                            u = rng.unit()
                                            var a = 0, c = pi[row]
                                            while a < A - 1 && (c <= u || pi[row + a] == 0) { a += 1; c += pi[row + a] }
                                            if pi[row + a] == 0 { a = (0..<A).last { pi[row + $0] > 0 } ?? a }
                                            let i = e * H + t
                                            actionsOut[i] = Int32(a)
                                            rewardsOut[i] = r[row + a]
                                            logOut[i] = logBeta[row + a]
                                            fieldOut[i] = mu[t * S + s]
                                            let tr = s * A + a
                                            u = rng.unit()
                                            var j = rs[tr], cp = pr[j]
                                            while j < rs[tr + 1] - 1 && cp <= u { j += 1; cp += pr[j] }
                                            s = Int(nx[j])
                                        }
                                        statesOut[e * (H + 1) + H] = Int32(s)
                                        e += 1
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        let dataset = OfflineDataset(
            gameSpec: gameSpec, gameName: game.name, states: S, actions: A, horizon: H, episodes: episodes,
            behaviors: components.map { BehaviorComponent(name: $0.name, proportion: $0.proportion) }, seed: seed,
            statesVisited: statesOut, actionsTaken: actionsOut, rewards: rewardsOut, logProbabilities: logOut,
            meanField: fieldOut, components: componentOut)
        try dataset.validate()
        return dataset
    }
}
