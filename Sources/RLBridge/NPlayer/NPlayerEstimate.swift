import Foundation
import Neural

/// The epsilon of the N-player game in which every player uses one policy: how much one player
/// gains by deviating to its best response while the others keep the policy (an epsilon-Nash
/// equilibrium with this epsilon). For a mean-field equilibrium it vanishes as N grows (theory:
/// O(1/sqrt N)); for any other policy it tends to the policy's mean-field exploitability.
///
/// The deviator observes only its own state (a distributed control, as the mean-field policy
/// itself), so its best response is the one against the expected costs (rewards) that the others'
/// empirical distribution, with the deviator counted at its own state, makes at each time and
/// state: estimated by Monte Carlo over independent runs of the other N-1 players. The same
/// expectation gives the value of the policy, so `epsilon = value of the best response - value of
/// the policy` is computed exactly for the estimated expectations, on one discretisation. The 95%
/// interval is the bootstrap percentile interval over the runs.
public struct NPlayerEstimate: Sendable, Codable, Equatable {
    public var players: Int
    public var epsilon: Double
    /// The bootstrap 95% interval of epsilon.
    public var low: Double
    public var high: Double
    /// The policy's value and the best response's (costs in continuous problems, rewards in finite games).
    public var policyValue: Double
    public var bestResponseValue: Double
    public var runs: Int
    /// The kernel bandwidth of the density estimate (continuous problems).
    public var bandwidth: Double?
    public var seconds: Double
}

public enum NPlayerStatistics {
    /// The least-squares fit `log epsilon = log C - rate log N` over the estimates with epsilon > 0
    /// (nil with fewer than two).
    public static func rate(_ estimates: [NPlayerEstimate]) -> (rate: Double, constant: Double)? {
        let points = estimates.filter { $0.epsilon > 0 }.map { (log(Double($0.players)), log($0.epsilon)) }
        guard points.count >= 2 else { return nil }
        let mx = points.map(\.0).reduce(0, +) / Double(points.count), my = points.map(\.1).reduce(0, +) / Double(points.count)
        let sxx = points.reduce(0) { $0 + ($1.0 - mx) * ($1.0 - mx) }
        guard sxx > 0 else { return nil }
        let slope = points.reduce(0) { $0 + ($1.0 - mx) * ($1.1 - my) } / sxx
        return (-slope, exp(my - slope * mx))
    }

    /// The 2.5% and 97.5% quantiles of `statistic` over `resamples` bootstrap resamples of the
    /// runs; `statistic` gets the multiplicity of each run in the resample.
    static func bootstrap(runs: Int, resamples: Int, seed: UInt64, _ statistic: ([Double]) throws -> Double) rethrows -> (Double, Double) {
        var generator = SeededGenerator(seed: seed ^ 0xB007_57A9)
        var values: [Double] = []
        for _ in 0..<resamples {
            var weights = [Double](repeating: 0, count: runs)
            for _ in 0..<runs { weights[generator.index(below: runs)] += 1 }
            values.append(try statistic(weights))
        }
        values.sort()
        func quantile(_ p: Double) -> Double { values[min(values.count - 1, max(0, Int((p * Double(values.count - 1)).rounded())))] }
        return (quantile(0.025), quantile(0.975))
    }

    /// `sum_r w_r tables[r] / sum_r w_r`.
    static func weightedMean(_ tables: [[Double]], _ weights: [Double]) -> [Double] {
        var out = [Double](repeating: 0, count: tables[0].count)
        let total = weights.reduce(0, +)
        for (table, w) in zip(tables, weights) where w > 0 {
            let f = w / total
            for i in 0..<out.count { out[i] += f * table[i] }
        }
        return out
    }

    /// Checks the sizes of a study.
    static func check(players: Int, runs: Int) throws {
        guard players >= 2, players <= 10_000_000 else {
            throw RLError.invalid("the number of players must lie between 2 and 10,000,000, got \(players)")
        }
        guard runs >= 2, runs <= 10_000 else {
            throw RLError.invalid("the number of independent runs must lie between 2 and 10,000, got \(runs)")
        }
    }
}
