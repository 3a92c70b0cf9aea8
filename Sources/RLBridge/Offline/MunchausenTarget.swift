import Foundation

/// Off-MMD's regression target (notes 1.2) for a transition (t, s, a, s') under pi = pi_k:
/// `y = r + alpha tau log pi(a|s) + gamma V(t+1, s')` with the soft value
/// `V(t, s) = sum_a pi (Q_target - tau log pi)`, `V(H) = 0`. `log pi` enters clipped below at log 1e-6,
/// as in OpenSpiel's D-MOMD: without it the Munchausen term of nearly excluded actions grows without
/// bound and long runs diverge.
enum MunchausenTarget {
    static let logFloor = log(1e-6)

    /// `value[t S + s] = sum_a pi (q - tau max(log pi, log 1e-6))` for t < H, and 0 at t = H (`[H+1][S]`).
    static func softValue(policy: SoftmaxPolicy, q: [Double], tau: Double, into value: inout [Double]) {
        let S = policy.states, A = policy.actions, H = policy.horizon
        if value.count != (H + 1) * S { value = [Double](repeating: 0, count: (H + 1) * S) }
        let pi = policy.policy, logPi = policy.logPolicy
        for s in 0..<S { value[H * S + s] = 0 }
        for row in 0..<(H * S) {
            var v = 0.0
            for a in 0..<A where pi[row * A + a] > 0 { v += pi[row * A + a] * (q[row * A + a] - tau * max(logPi[row * A + a], logFloor)) }
            value[row] = v
        }
    }
}
