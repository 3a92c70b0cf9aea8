import Neural

/// Online deep Munchausen mirror descent (Lauriere et al. 2022): every iteration, fresh episodes of
/// the epsilon-softened current policy `(1 - epsilon) pi_k + epsilon uniform` in the game frozen at
/// pi_k's exact mean field, then Off-MMD's update on them without CQL.
final class DMOMD: OfflineLearner {
    let game: FiniteMFG
    let settings: OfflineSettings
    let uniform: [Double]
    /// Off-MMD's learner, on the episodes of the current iteration.
    let learner: OffMMD

    init(game: FiniteMFG, settings: OfflineSettings, features: OfflineFeatures, tools: ExactTools) {
        self.game = game
        self.settings = settings
        uniform = game.uniformPolicy
        let empty = OfflineDataset(gameSpec: [:], gameName: game.name, states: game.states, actions: game.actions, horizon: game.horizon,
                                   episodes: 0, behaviors: [], seed: 0, statesVisited: [], actionsTaken: [], rewards: [],
                                   logProbabilities: [], meanField: [], components: [])
        learner = OffMMD(game: game, settings: settings, cqlWeight: 0,
                         batches: TransitionBatches(dataset: empty, features: features, batchSize: settings.batchSize, seed: settings.seed),
                         relabelling: MeanFieldRelabelling(source: .exact, tools: tools))
    }

    var policy: [Double] { learner.policy }
    var networks: [(file: String, network: MLP)] { learner.networks }

    func iterate() throws {
        let eps = settings.epsilon
        let behaviour = zip(learner.policy, uniform).map { (1 - eps) * $0 + eps * $1 }
        learner.batches.dataset = try DatasetGenerator.generate(
            game: game, components: [.init(name: "current", policy: behaviour, proportion: 1)],
            episodes: settings.episodesPerIteration, seed: learner.batches.rng.next(), gameSpec: [:])
        learner.iterate()
    }
}
