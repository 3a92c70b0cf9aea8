/// The exact evaluation of a policy pi against its own distribution mu^pi: the distribution, the
/// rewards along it, the policy's values and those of a best response, and the exploitability. One
/// forward pass and one backward sweep (`ExactTools.evaluate`) fill all of it.
///
/// Layouts as in `FiniteMFG`: `[H+1][S]` for the distribution and the values (row H is 0),
/// `[H][S][A]` for the rewards and the Q tables (Q of an illegal action is never used).
public struct Evaluation: Sendable {
    /// `mu_{t+1}(s') = sum_{s,a} mu_t(s) pi_t(a|s) P(s'|s,a)`, row 0 the initial distribution.
    public var distribution: [Double] = []
    /// `R_t(s, a; mu_t, mu_{t+1})` along `distribution` (with the social objective, the planner's
    /// rewards `R~_t`, `SocialObjective.swift`; then the values below are those of R~ too).
    public var rewards: [Double] = []
    /// `Q^pi_t(s,a) = R_t(s,a) + gamma sum_s' P(s'|s,a) V^pi_{t+1}(s')`.
    public var policyQ: [Double] = []
    /// `V^pi_t(s) = sum_a pi_t(a|s) Q^pi_t(s,a)`.
    public var policyValue: [Double] = []
    /// `Q*_t(s,a) = R_t(s,a) + gamma sum_s' P(s'|s,a) V*_{t+1}(s')`: a best response's Q against `distribution`.
    public var bestResponseQ: [Double] = []
    /// `V*_t(s) = max over legal a of Q*_t(s,a)`.
    public var bestResponseValue: [Double] = []
    /// `sum_s mu0(s) V^pi_0(s)`: the policy's value against its own distribution.
    public var expectedReturn = Double.nan
    /// `sum_s mu0(s) [V*_0(s) - V^pi_0(s)]` (OpenSpiel's `nash_conv` for one population).
    public var exploitability = Double.nan

    /// An empty evaluation, to be filled by `ExactTools.evaluate(_:into:)` (which sizes the arrays).
    public init() {}
}
