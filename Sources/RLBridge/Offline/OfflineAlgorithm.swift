/// The learners of an equilibrium policy from trajectories (notes sections 1, 2 and 4), by name
/// (`rl offline --algorithm`, `rl run --algorithm d-momd`), each in its own file.
public enum OfflineAlgorithm: String, CaseIterable, Sendable {
    /// `OffMMD`: offline Munchausen mirror descent (Brunnbauer et al. 2025).
    case offMMD = "off-mmd"
    /// `TabularOffMMD`: Off-MMD's iteration with an exact Q table.
    case tabularOffMMD = "tabular-off-mmd"
    /// `BehaviorCloning`: a softmax policy network fitted to the dataset's actions.
    case behaviorCloning = "bc"
    /// `InSampleLearner`: OMIGA's single-agent form, in-sample value regularisation.
    case inSample = "in-sample"
    /// `DMOMD`: online deep Munchausen mirror descent (Lauriere et al. 2022).
    case dMOMD = "d-momd"
}
