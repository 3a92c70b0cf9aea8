/// A tabular MFG algorithm, as in OpenSpiel's `python/mfg/algorithms`: a policy, and its update
/// from the exact evaluation of the current one. `TabularRun` evaluates and iterates.
public protocol TabularAlgorithm {
    /// The current policy pi_k, `[H][S][A]`.
    var policy: [Double] { get }
    /// `pi_k -> pi_{k+1}`, from `evaluation`, the exact evaluation of pi_k (with `tools` for what else
    /// the update needs, such as the distribution of a best response).
    mutating func update(from evaluation: Evaluation, tools: ExactTools)
}
