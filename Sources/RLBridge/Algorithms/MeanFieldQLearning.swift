import Foundation
import Neural

/// Tabular mean-field Q-learning (Yang, Luo, Li, Zhou, Zhang, Wang 2018) on a finite MFG, with N
/// simulated agents sharing one table `Q_t(s, a, b)`, `b` the bin of the population's mean action
/// `abar_t` (the mean one-hot action): its mean action index `sum_a a abar(a) / (A - 1)` in [0, 1], cut
/// into `bins` intervals. For ordered actions (the velocities of a discretised problem, left-stay-right)
/// this is the mean velocity; with two actions it is the whole mean action.
///
/// One episode: every agent starts from mu0; at step t each agent in state s draws its action from
/// the Boltzmann policy `pi(a | s, abar) ∝ exp(Q_t(s, a, b(abar)) / temperature)`, conditioned on the
/// mean action `abar_t` of the previous episode (the first: uniform; a bin visited for the first time
/// starts from the table of the bin used before it at that step, so that the learned values follow the
/// mean action instead of restarting from zero); the step's actual mean action
/// and the empirical distributions give each agent its reward `R_t(s, a; mu_t, mu_{t+1})`; then
/// `Q_t(s, a, b) <- (1 - lr) Q_t(s, a, b) + lr (r + gamma v_{t+1}(s'))`, with
/// `v_{t+1}(s') = sum_a pi(a | s', abar_{t+1}) Q_{t+1}(s', a, b(abar_{t+1}))`, averaged over the agents
/// that made the same transition. The learned policy is the Boltzmann policy at the last episode's
/// mean actions; its exact exploitability (`ExactTools`) is what the benchmark ranks.
public struct MeanFieldQLearning {
    public let game: FiniteMFG
    public let agents: Int
    public let temperature: Double
    public let learningRate: Double
    public let bins: Int
    let binCount: Int
    /// `Q[((t S + s) A + a) binCount + b]`.
    public private(set) var q: [Double]
    /// The mean one-hot action at each step `[H][A]`, of the last episode.
    public private(set) var meanAction: [Double]
    /// Per step, the bins whose values have been set, and the bin used last.
    var visited: [Set<Int>]
    var lastBin: [Int?]
    var generator: SeededGenerator

    public init(game: FiniteMFG, agents: Int = 1000, temperature: Double = 1, learningRate: Double = 0.1, bins: Int = 10, seed: UInt64 = 0) throws {
        guard agents >= 1, agents <= 10_000_000 else { throw RLError.invalid("mean-field Q-learning needs between 1 and 10,000,000 agents, got \(agents)") }
        guard temperature.isFinite, temperature > 0 else { throw RLError.invalid("the Boltzmann temperature must be a positive number, got \(temperature)") }
        guard learningRate.isFinite, learningRate > 0, learningRate <= 1 else { throw RLError.invalid("the Q-learning rate must lie in (0, 1], got \(learningRate)") }
        guard bins >= 1, bins <= 1000 else { throw RLError.invalid("the mean-action bins must lie between 1 and 1000, got \(bins)") }
        guard !game.populationDependentDynamics else { throw RLError.invalid("\(game.name): mean-field Q-learning needs dynamics that do not depend on the population") }
        let count = game.actions > 1 ? bins : 1
        let size = game.horizon * game.states * game.actions
        guard size <= 50_000_000 / count else { throw RLError.invalid("the Q table would have \(size * count) entries; use fewer bins") }
        self.game = game
        self.agents = agents
        self.temperature = temperature
        self.learningRate = learningRate
        self.bins = bins
        binCount = count
        q = [Double](repeating: 0, count: size * count)
        meanAction = [Double](repeating: 1 / Double(game.actions), count: game.horizon * game.actions)
        visited = [Set<Int>](repeating: [], count: game.horizon)
        lastBin = [Int?](repeating: nil, count: game.horizon)
        generator = SeededGenerator(seed: seed)
    }

    /// The bin of a mean one-hot action: that of its mean action index.
    func bin(_ abar: ArraySlice<Double>) -> Int {
        guard game.actions > 1 else { return 0 }
        var index = 0.0
        for (a, p) in abar.enumerated() { index += Double(a) * p }
        return min(bins - 1, max(0, Int(index / Double(game.actions - 1) * Double(bins))))
    }

    /// The Boltzmann policy at state s, step t, conditioned on the bin b, into `out[0..<A]`.
    func policy(t: Int, s: Int, b: Int, into out: inout [Double]) {
        let A = game.actions
        var top = -Double.infinity
        for a in 0..<A where game.legal[s * A + a] { top = max(top, q[((t * game.states + s) * A + a) * binCount + b]) }
        var total = 0.0
        for a in 0..<A {
            out[a] = game.legal[s * A + a] ? exp((q[((t * game.states + s) * A + a) * binCount + b] - top) / temperature) : 0
            total += out[a]
        }
        for a in 0..<A { out[a] /= total }
    }

    /// The learned policy `[H][S][A]`: the Boltzmann policy at the last episode's mean actions.
    public var learnedPolicy: [Double] {
        let S = game.states, A = game.actions
        var pi = [Double](repeating: 0, count: game.policySize), row = [Double](repeating: 0, count: A)
        for t in 0..<game.horizon {
            let b = bin(meanAction[(t * A)..<((t + 1) * A)])
            for s in 0..<S {
                policy(t: t, s: s, b: b, into: &row)
                for a in 0..<A { pi[(t * S + s) * A + a] = row[a] }
            }
        }
        return pi
    }

    /// One episode of N agents, then the table updates; returns the episode's mean actions.
    @discardableResult
    public mutating func episode() -> [Double] {
        let S = game.states, A = game.actions, H = game.horizon
        var states = (0..<agents).map { _ in sample(game.initialDistribution[...]) }
        var actions = [Int](repeating: 0, count: agents)
        var trajectory: [(states: [Int], actions: [Int], bin: Int)] = []
        var distributions = [[Double]](repeating: [Double](repeating: 0, count: S), count: H + 1)
        for s in states { distributions[0][s] += 1 / Double(agents) }
        var newMean = [Double](repeating: 0, count: H * A)
        var row = [Double](repeating: 0, count: A)
        for t in 0..<H {
            let b = bin(meanAction[(t * A)..<((t + 1) * A)])
            enter(t: t, bin: b)
            var next = states
            for k in 0..<agents {
                policy(t: t, s: states[k], b: b, into: &row)
                let a = sample(row[...])
                actions[k] = a
                newMean[t * A + a] += 1 / Double(agents)
                let r = states[k] * A + a
                let k0 = game.rowStart[r], k1 = game.rowStart[r + 1]
                next[k] = Int(game.successor[k0 + sample(game.probability[k0..<k1])])
            }
            for s in next { distributions[t + 1][s] += 1 / Double(agents) }
            trajectory.append((states, actions, b))
            states = next
        }
        // Updates, backward: the targets use the next step's table as it is after its own update.
        var rewards = [Double](repeating: 0, count: S * A)
        var nextValue = [Double](repeating: 0, count: S)
        for t in stride(from: H - 1, through: 0, by: -1) {
            distributions[t].withUnsafeBufferPointer { m in distributions[t + 1].withUnsafeBufferPointer { n in
                rewards.withUnsafeMutableBufferPointer { out in game.reward(t, m.baseAddress!, n.baseAddress!, out.baseAddress!) }
            } }
            // v_{t+1}(s') at the mean action the agents will condition on at t+1 (this episode's).
            if t + 1 < H {
                let b1 = bin(newMean[((t + 1) * A)..<((t + 2) * A)])
                enter(t: t + 1, bin: b1)
                for s in 0..<S {
                    policy(t: t + 1, s: s, b: b1, into: &row)
                    var v = 0.0
                    for a in 0..<A { v += row[a] * q[(((t + 1) * S + s) * A + a) * binCount + b1] }
                    nextValue[s] = v
                }
            }
            // The mean target of each (s, a, s') made by the agents, then one update per (s, a).
            var sums = [Double](repeating: 0, count: S * A), counts = [Double](repeating: 0, count: S * A)
            let step = trajectory[t], after = t + 1 < H ? trajectory[t + 1].states : states
            for k in 0..<agents {
                let sa = step.states[k] * A + step.actions[k]
                sums[sa] += rewards[sa] + (t + 1 < H ? game.discount * nextValue[after[k]] : 0)
                counts[sa] += 1
            }
            for sa in 0..<(S * A) where counts[sa] > 0 {
                let index = ((t * S) * A + sa) * binCount + step.bin
                q[index] += learningRate * (sums[sa] / counts[sa] - q[index])
            }
        }
        meanAction = newMean
        return newMean
    }

    /// Conditions step t on bin b: a first visit copies the values of the bin used before it.
    mutating func enter(t: Int, bin b: Int) {
        defer { lastBin[t] = b }
        guard !visited[t].contains(b) else { return }
        visited[t].insert(b)
        guard let previous = lastBin[t], previous != b else { return }
        for sa in 0..<(game.states * game.actions) {
            q[(t * game.states * game.actions + sa) * binCount + b] = q[(t * game.states * game.actions + sa) * binCount + previous]
        }
    }

    mutating func sample(_ weights: ArraySlice<Double>) -> Int {
        let total = weights.reduce(0, +)
        var u = generator.unit() * total
        for (k, w) in weights.enumerated() {
            u -= w
            if u < 0 { return k }
        }
        return weights.count - 1
    }
}
