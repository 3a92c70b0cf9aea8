import Foundation

/// A policy `softmax(logits / temperature)` over the legal actions of every (t, s), with its log
/// (`-infinity` on the illegal actions), `[H][S][A]`.
struct SoftmaxPolicy {
    let legal: [Bool]
    let states: Int, actions: Int, horizon: Int
    private(set) var policy: [Double]
    private(set) var logPolicy: [Double]

    init(game: FiniteMFG) {
        legal = game.legal
        states = game.states; actions = game.actions; horizon = game.horizon
        policy = [Double](repeating: 0, count: game.policySize)
        logPolicy = policy
    }

    /// `pi = softmax(logits / temperature)`, `log pi = logits / temperature - logsumexp`.
    mutating func set(logits: [Double], temperature: Double) {
        let A = actions, S = states
        for row in 0..<(horizon * S) {
            let base = row * A, lbase = (row % S) * A
            var m = -Double.infinity
            for a in 0..<A where legal[lbase + a] { m = max(m, logits[base + a] / temperature) }
            var total = 0.0
            for a in 0..<A where legal[lbase + a] { total += exp(logits[base + a] / temperature - m) }
            let lse = m + log(total)
            for a in 0..<A {
                if legal[lbase + a] {
                    logPolicy[base + a] = logits[base + a] / temperature - lse
                    policy[base + a] = exp(logPolicy[base + a])
                } else {
                    logPolicy[base + a] = -Double.infinity
                    policy[base + a] = 0
                }
            }
        }
    }
}

/// `g = weight (softmax(z) - onehot(a))` over the legal actions of state s (`legal[s A + j]`): the
/// gradient of `-weight log softmax(z)_a` (cross-entropy, CQL's logsumexp term).
@inline(__always)
func softmaxGradient(_ z: UnsafeMutablePointer<Float>, into g: UnsafeMutablePointer<Float>, legal: [Bool], actions A: Int,
                     state s: Int, action a: Int, weight: Float) {
    var m = -Float.infinity
    for j in 0..<A where legal[s * A + j] { m = max(m, z[j]) }
    var total: Float = 0
    for j in 0..<A { let e = legal[s * A + j] ? Foundation.exp(z[j] - m) : 0; g[j] = e; total += e }
    let inv = weight / total
    for j in 0..<A { g[j] *= inv }
    g[a] -= weight
}
