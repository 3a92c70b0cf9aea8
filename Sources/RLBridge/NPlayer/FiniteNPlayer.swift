import Foundation
import Neural

/// The N-player version of a finite MFG (`NPlayerEstimate`): N-1 players follow `policy` (sampled
/// one by one), the deviator is counted at its own state, and the expected reward table
/// `E[R_t(s, a; (counts_t + e_s)/N, (counts_{t+1} + e_s)/N)]` is estimated over `runs` independent
/// runs; the policy's value, the best response's and their difference come from one exact
/// backward sweep on that table (`ExactTools.sweep`).
public enum FiniteNPlayer {
    public static func estimate(
        _ game: FiniteMFG, policy: [Double], players: Int, runs: Int, resamples: Int = 200, seed: UInt64 = 0
    ) throws -> NPlayerEstimate {
        try NPlayerStatistics.check(players: players, runs: runs)
        guard policy.count == game.policySize else {
            throw RLError.invalid("a policy of \(game.name) has \(game.policySize) entries ([H][S][A]), got \(policy.count)")
        }
        guard !game.populationDependentDynamics else {
            throw RLError.invalid("\(game.name): its moves depend on the population; the N-player simulation supports games whose dynamics do not")
        }
        let clock = ContinuousClock(), start = clock.now
        let S = game.states, A = game.actions, H = game.horizon
        // Cumulative policy rows and transition rows, for sampling.
        var cumulativePolicy = policy
        for row in 0..<(H * S) {
            var acc = 0.0
            for a in 0..<A { acc += policy[row * A + a]; cumulativePolicy[row * A + a] = acc }
        }
        var cumulativeTransition = game.probability
        for row in 0..<(S * A) {
            var acc = 0.0
            for k in game.rowStart[row]..<game.rowStart[row + 1] { acc += game.probability[k]; cumulativeTransition[k] = acc }
        }
        var cumulativeInitial = game.initialDistribution
        for s in 1..<S { cumulativeInitial[s] += cumulativeInitial[s - 1] }
        func sample(_ cumulative: ArraySlice<Double>, _ u: Double) -> Int {
            let total = cumulative.last!
            let target = u * total
            return (cumulative.firstIndex { $0 > target } ?? cumulative.endIndex - 1) - cumulative.startIndex
        }

        let others = players - 1, invN = 1 / Double(players)
        var tables: [[Double]] = [], distributions: [[Double]] = []
        var mu = [Double](repeating: 0, count: S), next = mu, out = [Double](repeating: 0, count: S * A)
        for run in 0..<runs {
            var generator = SeededGenerator(seed: seed &+ UInt64(run) &* 0x9E37_79B9)
            var states = (0..<others).map { _ in sample(cumulativeInitial[...], generator.unit()) }
            var counts = [Double](repeating: 0, count: (H + 1) * S)
            for s in states { counts[s] += 1 }
            for t in 0..<H {
                for k in 0..<others {
                    let s = states[k]
                    let row = (t * S + s) * A
                    let a = sample(cumulativePolicy[row..<(row + A)], generator.unit())
                    let r = s * A + a
                    let k0 = game.rowStart[r], k1 = game.rowStart[r + 1]
                    let j = sample(cumulativeTransition[k0..<k1], generator.unit())
                    states[k] = Int(game.successor[k0 + j])
                }
                for s in states { counts[(t + 1) * S + s] += 1 }
            }
            // The deviator at state s, counted at s now and next.
            var table = [Double](repeating: 0, count: H * S * A)
            for t in 0..<H {
                for s in 0..<S {
                    for q in 0..<S { mu[q] = counts[t * S + q] * invN; next[q] = counts[(t + 1) * S + q] * invN }
                    mu[s] += invN
                    next[s] += invN
                    mu.withUnsafeBufferPointer { m in next.withUnsafeBufferPointer { n in out.withUnsafeMutableBufferPointer { o in
                        game.reward(t, m.baseAddress!, n.baseAddress!, o.baseAddress!)
                    } } }
                    for a in 0..<A { table[(t * S + s) * A + a] = out[s * A + a] }
                }
            }
            tables.append(table)
            distributions.append(counts.map { $0 / Double(others) })
        }
        let tools = ExactTools(game: game)
        var evaluation = Evaluation()
        func values(_ weights: [Double]) -> (policy: Double, best: Double) {
            evaluation.rewards = NPlayerStatistics.weightedMean(tables, weights)
            evaluation.distribution = NPlayerStatistics.weightedMean(distributions, weights)
            tools.sweep(policy, into: &evaluation)
            return (evaluation.expectedReturn, evaluation.expectedReturn + evaluation.exploitability)
        }
        let all = values([Double](repeating: 1, count: runs))
        let (low, high) = NPlayerStatistics.bootstrap(runs: runs, resamples: resamples, seed: seed) { w in
            let v = values(w)
            return v.best - v.policy
        }
        return NPlayerEstimate(players: players, epsilon: all.best - all.policy, low: low, high: high, policyValue: all.policy,
                               bestResponseValue: all.best, runs: runs, bandwidth: nil, seconds: (clock.now - start) / .seconds(1))
    }
}
