import Foundation
import Neural

/// In-sample value-regularised learning, OMIGA's single-agent form (notes 4), with alpha = tau and
/// rewards relabelled with the learner's mean field as in Off-MMD. Per outer iteration, with the
/// frozen `Qbar`, `Vbar` and U minibatches: Q by regression on `r + gamma Vbar(s')`; V by
/// `mean exp((Qbar - V)/alpha) + V/alpha` (minimiser `alpha log E_beta exp(Qbar/alpha)`); the policy by
/// advantage-weighted cloning, weights `exp((Qbar - Vbar)/alpha)` clipped at e^10.
final class InSampleLearner: OfflineLearner {
    let game: FiniteMFG
    let settings: OfflineSettings
    var batches: TransitionBatches
    var relabelling: MeanFieldRelabelling
    let q: TrainedNetwork, v: TrainedNetwork, actor: TrainedNetwork
    let qFrozen: MLP, vFrozen: MLP
    var current: SoftmaxPolicy
    var logits: [Double] = [], qBar: [Double] = [], vBar: [Double] = []
    // Per transition, [N H]: the Q target, the policy weight and Qbar.
    var targets: [Float] = [], weights: [Float] = [], anchors: [Float] = []

    init(game: FiniteMFG, settings: OfflineSettings, batches: TransitionBatches, relabelling: MeanFieldRelabelling) {
        self.game = game
        self.settings = settings
        self.batches = batches
        self.relabelling = relabelling
        let inputs = batches.features.count
        q = TrainedNetwork(inputs: inputs, outputs: game.actions, settings: settings, seedOffset: 1)
        v = TrainedNetwork(inputs: inputs, outputs: 1, settings: settings, seedOffset: 2)
        actor = TrainedNetwork(inputs: inputs, outputs: game.actions, settings: settings, seedOffset: 3)
        qFrozen = q.network.copy()
        vFrozen = v.network.copy()
        current = SoftmaxPolicy(game: game)
        refreshPolicy()
    }

    var policy: [Double] { current.policy }
    var networks: [(file: String, network: MLP)] { [("q.mlp", q.network), ("v.mlp", v.network), ("policy.mlp", actor.network)] }

    /// `pi = softmax(actor logits)`.
    func refreshPolicy() {
        actor.table(of: actor.network, features: batches.features, into: &logits)
        current.set(logits: logits, temperature: 1)
    }

    func iterate() {
        qFrozen.copyParameters(from: q.network)
        vFrozen.copyParameters(from: v.network)
        relabelling.update(policy: current.policy)
        q.table(of: qFrozen, features: batches.features, into: &qBar)
        v.table(of: vFrozen, features: batches.features, into: &vBar)
        let S = game.states, A = game.actions, H = game.horizon, legal = game.legal
        let n = batches.count, gamma = game.discount, temperature = settings.tau
        if targets.count != n {
            targets = [Float](repeating: 0, count: n); weights = targets; anchors = targets
        }
        let r = relabelling.rewards
        for i in 0..<n {
            let (t, s, a, next) = batches.transition(i)
            let k = (t * S + s) * A + a
            targets[i] = Float(r[k] + (t + 1 < H ? gamma * vBar[(t + 1) * S + next] : 0))
            anchors[i] = Float(qBar[k])
            weights[i] = Float(exp(min(10, max(-10, (qBar[k] - vBar[t * S + s]) / temperature))))
        }
        let scale = 1 / Float(settings.batchSize), alphaInv = Float(1 / temperature)
        let targets = self.targets, anchors = self.anchors, weights = self.weights
        for _ in 0..<settings.updatesPerIteration {
            batches.draw()
            let states = batches.states, actions = batches.actions, picked = batches.picked
            // Q: L = 1/2 mean (Q(a) - y)^2.
            q.step(batches) { b, row, grow in
                let a = Int(actions[b])
                for j in 0..<A { grow[j] = 0 }
                grow[a] = (row[a] - targets[picked[b]]) * scale
            }
            // V: L = mean exp((Qbar - V)/alpha) + V/alpha.
            v.step(batches) { b, row, grow in
                let z = min(10, max(-10, (anchors[picked[b]] - row[0]) * alphaInv))
                grow[0] = (1 - Foundation.exp(z)) * alphaInv * scale
            }
            // Policy: L = -mean w log pi(a|s), w = exp((Qbar - Vbar)/alpha).
            actor.step(batches) { b, row, grow in
                softmaxGradient(row, into: grow, legal: legal, actions: A, state: Int(states[b]), action: Int(actions[b]),
                                weight: weights[picked[b]] * scale)
            }
        }
        refreshPolicy()
    }
}
