import Neural

/// A learner of an equilibrium policy from trajectories, one outer iteration at a time;
/// `OfflineTraining` builds it by name, runs it and evaluates its policy exactly.
public protocol OfflineLearner: AnyObject {
    /// The current policy, `[H][S][A]`.
    var policy: [Double] { get }
    /// One outer iteration.
    func iterate() throws
    /// The trained networks by file name (`q.mlp`, `v.mlp`, `policy.mlp`), none for a tabular learner.
    var networks: [(file: String, network: MLP)] { get }
}
