/// A NaN or an infinity in a policy, a distribution or an exploitability: the run stops there
/// (exit code 4) instead of writing a result full of NaN.
public struct NonFiniteResult: Error, CustomStringConvertible, Sendable {
    /// What was not finite: "the policy", "the exploitability", ...
    public let quantity: String
    /// The iteration that produced it (0: the initial policy).
    public let iteration: Int
    /// What to change.
    public let advice: String

    public init(quantity: String, iteration: Int, advice: String) {
        self.quantity = quantity
        self.iteration = iteration
        self.advice = advice
    }

    public var description: String {
        "a non-finite value (NaN or infinity) appeared in \(quantity) at iteration \(iteration): \(advice)"
    }

    /// The first non-finite problem of a policy and its evaluation, if any: the policy is checked
    /// before it is evaluated (a NaN policy would reach the game's dynamics), the distribution and the
    /// exploitability after.
    static func check(policy: [Double], iteration: Int, advice: String) -> NonFiniteResult? {
        policy.allSatisfy(\.isFinite) ? nil : NonFiniteResult(quantity: "the policy", iteration: iteration, advice: advice)
    }

    static func check(_ e: Evaluation, iteration: Int, advice: String) -> NonFiniteResult? {
        if !e.distribution.allSatisfy(\.isFinite) { return NonFiniteResult(quantity: "the distribution", iteration: iteration, advice: advice) }
        if !e.exploitability.isFinite || !e.expectedReturn.isFinite {
            return NonFiniteResult(quantity: "the exploitability", iteration: iteration,
                                   advice: "the game's rewards or values are not finite along this policy; check the game's parameters (--set)")
        }
        return nil
    }
}
