import Foundation

/// The marginalised importance-sampling estimate of a policy's mean field from a static dataset
/// (Off-MMD's `make_mis_estimator`, notes 1.3):
///
///     mu_0 = d_0,   mu_{t+1}(s') = (1/N) sum_{i: s_{i,t+1} = s'} w_t(s_{i,t}) pi_t(a_{i,t}|s_{i,t}) / beta_t(a_{i,t}|s_{i,t}),
///     w_t(s) = mu_t(s) / d_t(s),
///
/// then renormalised per step (if no sample carries weight, the step falls back to `d_{t+1}`), and
/// floored at `floor` (default 1e-6 / S) before a last renormalisation: an estimate is zero wherever
/// the data never went, and couplings such as `log m` must stay finite (Off-MMD clips mu at 1e-6 in its
/// rewards for the same reason). `d_t` is the empirical state distribution of step t over the N
/// episodes. When pi is the behaviour policy every weight is 1 and the estimate is `d_t` itself.
/// Consistent (error O(N^-1/2)) where beta covers pi. Precomputes d_t and 1/beta once; an estimate
/// costs O(N H) and allocates nothing.
public final class MeanFieldEstimator: MeanFieldEstimate {
    public let dataset: OfflineDataset
    let S: Int, A: Int, H: Int, N: Int
    /// Empirical state distributions `d_t(s)`, `[H+1][S]`.
    public private(set) var empirical: [Double]
    var inverseBehavior: [Double]   // 1 / beta per step, [N H]
    var weights: [Double]           // w_t(s) for the current step

    public var floor: Double

    public init(dataset: OfflineDataset) {
        floor = 1e-6 / Double(dataset.states)
        self.dataset = dataset
        S = dataset.states; A = dataset.actions; H = dataset.horizon; N = dataset.episodes
        empirical = [Double](repeating: 0, count: (H + 1) * S)
        let inv = 1 / Double(N)
        for e in 0..<N { for t in 0...H { empirical[t * S + Int(dataset.statesVisited[e * (H + 1) + t])] += inv } }
        inverseBehavior = dataset.logProbabilities.map { exp(-$0) }
        weights = [Double](repeating: 0, count: S)
    }

    /// Estimates the mean field `[H+1][S]` of `policy` (`[H][S][A]`) into `mu`.
    public func estimate(policy: [Double], into mu: inout [Double]) {
        estimate(policy: policy, into: &mu, sampleWeights: nil)
    }

    /// The estimate, and the weight each observation carries in it: `sampleWeights[e (H+1) + t]`, the
    /// term `w_{t-1}(s_{e,t-1}) rho_{e,t-1} / N` that episode e's state at step t adds to `mu_t` before
    /// the renormalisation and the floor (`1/N` at t = 0). Weighted samples of the states, for an
    /// approximator fitted in place of the estimate's histogram.
    public func estimate(policy: [Double], into mu: inout [Double], sampleWeights: inout [Double]) {
        if sampleWeights.count != N * (H + 1) { sampleWeights = [Double](repeating: 0, count: N * (H + 1)) }
        sampleWeights.withUnsafeMutableBufferPointer { estimate(policy: policy, into: &mu, sampleWeights: $0.baseAddress!) }
    }

    private func estimate(policy: [Double], into mu: inout [Double], sampleWeights out: UnsafeMutablePointer<Double>?) {
        if mu.count != (H + 1) * S { mu = [Double](repeating: 0, count: (H + 1) * S) }
        let S = self.S, A = self.A, H = self.H, N = self.N, inv = 1 / Double(N)
        mu.withUnsafeMutableBufferPointer { m in
            empirical.withUnsafeBufferPointer { d in
                weights.withUnsafeMutableBufferPointer { w in
                    policy.withUnsafeBufferPointer { pi in
                        inverseBehavior.withUnsafeBufferPointer { ib in
                            dataset.statesVisited.withUnsafeBufferPointer { st in
                                dataset.actionsTaken.withUnsafeBufferPointer { ac in
                                    if let out { for e in 0..<N { out[e * (H + 1)] = inv } }
                                    var total0 = 0.0
                                    for s in 0..<S { m[s] = max(d[s], floor); total0 += m[s] }
                                    for s in 0..<S { m[s] /= total0 }
                                    for t in 0..<H {
                                        for s in 0..<S { w[s] = d[t * S + s] > 0 ? m[t * S + s] / d[t * S + s] : 0 }
                                        let next = m.baseAddress! + (t + 1) * S
                                        for s in 0..<S { next[s] = 0 }
                                        for e in 0..<N {
                                            let s = Int(st[e * (H + 1) + t]), a = Int(ac[e * H + t])
                                            let rho = pi[(t * S + s) * A + a] * ib[e * H + t]
                                            let weight = w[s] * rho * inv
                                            next[Int(st[e * (H + 1) + t + 1])] += weight
                                            out?[e * (H + 1) + t + 1] = weight
                                        }
                                        var total = 0.0
                                        for s in 0..<S { total += next[s] }
                                        if !(total > 0 && total.isFinite) {
                                            for s in 0..<S { next[s] = d[(t + 1) * S + s] }
                                            total = 1
                                        }
                                        var floored = 0.0
                                        for s in 0..<S { next[s] = max(next[s] / total, floor); floored += next[s] }
                                        for s in 0..<S { next[s] /= floored }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}


/// A source of a policy's mean field other than the exact one: the importance-sampling estimate
/// (`MeanFieldEstimator`), or an approximator fitted to the dataset's weighted states.
public protocol MeanFieldEstimate: AnyObject {
    /// The estimate `[H+1][S]` of `policy`'s (`[H][S][A]`) mean field, into `mu`.
    func estimate(policy: [Double], into mu: inout [Double])
}
