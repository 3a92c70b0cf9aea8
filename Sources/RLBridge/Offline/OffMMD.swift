import Neural

/// Offline Munchausen mirror descent (Brunnbauer et al. 2025). Each outer iteration freezes
/// `Q_k` (pi_k = softmax(Q_k / tau)), relabels the rewards with the mean field of pi_k (the
/// importance-sampling estimate, or the exact one), and fits the Q-network on U minibatches of B
/// transitions to `1/2 mean(1/2 (Q(s,a) - y)^2) + eta mean(logsumexp Q(s,.) - Q(s,a))` with y the
/// `MunchausenTarget` (eta: the CQL weight). With `targetUpdates` refreshes, the updates are split
/// into phases and Q_target is refreshed from the network between them (pi_prev stays pi_k).
final class OffMMD: OfflineLearner {
    let game: FiniteMFG
    let settings: OfflineSettings
    let cqlWeight: Double
    var batches: TransitionBatches
    var relabelling: MeanFieldRelabelling
    let q: TrainedNetwork
    /// Q_target, the frozen copy of the Q-network.
    let qFrozen: MLP
    var current: SoftmaxPolicy
    /// `Q_target` at every (t, s, a).
    var qTable: [Double] = []
    var softValue: [Double] = []
    var targets: [Float] = []   // [N H]
    /// The targets of the current minibatch's transitions, `[B]`.
    var batchTargets: [Float] = []

    init(game: FiniteMFG, settings: OfflineSettings, cqlWeight: Double, batches: TransitionBatches, relabelling: MeanFieldRelabelling) {
        self.game = game
        self.settings = settings
        self.cqlWeight = cqlWeight
        self.batches = batches
        self.relabelling = relabelling
        q = TrainedNetwork(inputs: batches.features.count, outputs: game.actions, settings: settings, seedOffset: 1)
        qFrozen = q.network.copy()
        current = SoftmaxPolicy(game: game)
        refreshPolicy()
    }

    var policy: [Double] { current.policy }
    var networks: [(file: String, network: MLP)] { [("q.mlp", q.network)] }

    /// `Q_k` from the network, and `pi_k = softmax(Q_k / tau)`.
    func refreshPolicy() {
        q.table(of: q.network, features: batches.features, into: &qTable)
        current.set(logits: qTable, temperature: settings.tau)
    }

    func iterate() {
        relabelling.update(policy: current.policy)
        let S = game.states, A = game.actions, H = game.horizon, legal = game.legal
        let n = batches.count, gamma = game.discount, at = settings.alpha * settings.tau
        if targets.count != n { targets = [Float](repeating: 0, count: n) }
        if batchTargets.count != settings.batchSize { batchTargets = [Float](repeating: 0, count: settings.batchSize) }
        let r = relabelling.rewards, logPi = current.logPolicy
        let B = settings.batchSize, eta = Float(cqlWeight), scale = 1 / Float(B)
        let phases = settings.targetUpdates
        for phase in 0..<phases {
            // Q_target: Q_k (= qTable) first, then the network as trained so far; pi_prev stays pi_k.
            qFrozen.copyParameters(from: q.network)
            if phase > 0 { q.table(of: qFrozen, features: batches.features, into: &qTable) }
            MunchausenTarget.softValue(policy: current, q: qTable, tau: settings.tau, into: &softValue)
            for i in 0..<n {
                let (t, s, a, next) = batches.transition(i)
                let k = (t * S + s) * A + a
                targets[i] = Float(r[k] + at * max(logPi[k], MunchausenTarget.logFloor) + (t + 1 < H ? gamma * softValue[(t + 1) * S + next] : 0))
            }
            let updates = settings.updatesPerIteration / phases + (phase < settings.updatesPerIteration % phases ? 1 : 0)
            for _ in 0..<updates {
                batches.draw()
                let states = batches.states, actions = batches.actions
                let picked = batches.picked
                // Gathered in one loop, whose independent loads overlap: read in the loop below,
                // each of the transitions' random positions in `targets` would be a cache miss in turn.
                targets.withUnsafeBufferPointer { all in
                    batchTargets.withUnsafeMutableBufferPointer { for b in 0..<B { $0[b] = all[picked[b]] } }
                }
                let y = batchTargets
                // L = 1/2 mean(1/2 (Q(a) - y)^2) + eta mean(logsumexp Q - Q(a)).
                q.step(batches) { b, row, grow in
                    let s = Int(states[b]), a = Int(actions[b])
                    softmaxGradient(row, into: grow, legal: legal, actions: A, state: s, action: a, weight: eta * scale)
                    grow[a] += 0.5 * (row[a] - y[b]) * scale
                }
            }
        }
        refreshPolicy()
    }
}
