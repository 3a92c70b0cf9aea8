import Neural

/// Behaviour cloning: a softmax policy network fitted to the dataset's actions by cross-entropy,
/// U minibatches of B transitions per outer iteration.
final class BehaviorCloning: OfflineLearner {
    let game: FiniteMFG
    let settings: OfflineSettings
    var batches: TransitionBatches
    let actor: TrainedNetwork
    var current: SoftmaxPolicy
    var logits: [Double] = []

    init(game: FiniteMFG, settings: OfflineSettings, batches: TransitionBatches) {
        self.game = game
        self.settings = settings
        self.batches = batches
        actor = TrainedNetwork(inputs: batches.features.count, outputs: game.actions, settings: settings, seedOffset: 3)
        current = SoftmaxPolicy(game: game)
        refreshPolicy()
    }

    var policy: [Double] { current.policy }
    var networks: [(file: String, network: MLP)] { [("policy.mlp", actor.network)] }

    /// `pi = softmax(actor logits)`.
    func refreshPolicy() {
        actor.table(of: actor.network, features: batches.features, into: &logits)
        current.set(logits: logits, temperature: 1)
    }

    func iterate() {
        let A = game.actions, legal = game.legal, scale = 1 / Float(settings.batchSize)
        for _ in 0..<settings.updatesPerIteration {
            batches.draw()
            let states = batches.states, actions = batches.actions
            actor.step(batches) { b, row, grow in
                softmaxGradient(row, into: grow, legal: legal, actions: A, state: Int(states[b]), action: Int(actions[b]), weight: scale)
            }
        }
        refreshPolicy()
    }
}
