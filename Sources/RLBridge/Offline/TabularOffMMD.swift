import Neural

/// Off-MMD with an exact Q table: `Q_{k+1}(t,s,a) = E[y]` under the true transitions (the target of
/// `MunchausenTarget`, no network, no CQL), rewards along the learner's mean field (estimated or
/// exact), `pi_{k+1} = softmax(Q_{k+1} / tau)`. What the network would learn with unlimited data and
/// capacity: the gap to `OffMMD` is function approximation and sampling; the gap to exact mirror
/// descent is the mean-field estimate. With `targetUpdates` refreshes, the soft value is recomputed
/// from the Q table between them.
final class TabularOffMMD: OfflineLearner {
    let game: FiniteMFG
    let settings: OfflineSettings
    var relabelling: MeanFieldRelabelling
    var current: SoftmaxPolicy
    var qTable: [Double]
    var softValue: [Double] = []

    /// From `Q_0 = 0` (the uniform policy).
    init(game: FiniteMFG, settings: OfflineSettings, relabelling: MeanFieldRelabelling) {
        self.game = game
        self.settings = settings
        self.relabelling = relabelling
        current = SoftmaxPolicy(game: game)
        qTable = [Double](repeating: 0, count: game.policySize)
        current.set(logits: qTable, temperature: settings.tau)
    }

    var policy: [Double] { current.policy }
    var networks: [(file: String, network: MLP)] { [] }

    func iterate() {
        relabelling.update(policy: current.policy)
        let S = game.states, A = game.actions, H = game.horizon
        let gamma = game.discount, at = settings.alpha * settings.tau
        let r = relabelling.rewards, logPi = current.logPolicy
        for _ in 0..<settings.targetUpdates {
            MunchausenTarget.softValue(policy: current, q: qTable, tau: settings.tau, into: &softValue)
            for t in 0..<H {
                for s in 0..<S {
                    for a in 0..<A {
                        let k = (t * S + s) * A + a
                        guard game.legal[s * A + a] else { continue }
                        var e = 0.0
                        if t + 1 < H { for j in game.rowStart[s * A + a]..<game.rowStart[s * A + a + 1] { e += game.probability[j] * softValue[(t + 1) * S + Int(game.successor[j])] } }
                        qTable[k] = r[k] + at * max(logPi[k], MunchausenTarget.logFloor) + gamma * e
                    }
                }
            }
        }
        current.set(logits: qTable, temperature: settings.tau)
    }
}
