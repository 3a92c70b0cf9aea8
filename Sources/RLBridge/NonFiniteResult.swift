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
        allFinite(policy) ? nil : NonFiniteResult(quantity: "the policy", iteration: iteration, advice: advice)
    }

    static func check(_ e: Evaluation, iteration: Int, advice: String) -> NonFiniteResult? {
        if !allFinite(e.distribution) { return NonFiniteResult(quantity: "the distribution", iteration: iteration, advice: advice) }
        if !e.exploitability.isFinite || !e.expectedReturn.isFinite {
            return NonFiniteResult(quantity: "the exploitability", iteration: iteration,
                                   advice: "the game's rewards or values are not finite along this policy; check the game's parameters (--set)")
        }
        return nil
    }

    /// Whether every entry of `x` is finite (neither infinite nor NaN), from the bits: an entry is not
    /// finite exactly when its exponent field is all ones, so that adding 1 at the bottom of the
    /// exponent carries into the sign bit. One OR per entry and no branch, so that it vectorises (it
    /// runs on the policy and the distribution at every iteration).
    static func allFinite(_ x: [Double]) -> Bool {
        let exponent: UInt64 = 0x7FF0_0000_0000_0000, carry: UInt64 = 0x0010_0000_0000_0000
        return x.withUnsafeBufferPointer { p in
            var any: UInt64 = 0
            for v in p { any |= (v.bitPattern & exponent) &+ carry }
            return any & (1 << 63) == 0
        }
    }
}
