/// The rewards a learner trains on: `R_t(s, a; mu)` along the mean field mu of its current policy,
/// either the importance-sampling estimate from the dataset or the exact one.
struct MeanFieldRelabelling {
    enum Source {
        /// An estimate from the dataset (Off-MMD: `MeanFieldEstimator`).
        case estimate(any MeanFieldEstimate)
        /// The exact mean field (`--exact-mean-field`, D-MOMD).
        case exact
    }
    let source: Source
    let tools: ExactTools
    private(set) var meanField: [Double] = []
    private(set) var rewards: [Double] = []

    init(source: Source, tools: ExactTools) {
        self.source = source
        self.tools = tools
    }

    /// The mean field of `policy` (`[H+1][S]`) and the rewards along it (`[H][S][A]`).
    mutating func update(policy: [Double]) {
        switch source {
        case .exact: tools.distribution(of: policy, into: &meanField)
        case let .estimate(estimator): estimator.estimate(policy: policy, into: &meanField)
        }
        tools.rewards(along: meanField, into: &rewards)
    }
}
