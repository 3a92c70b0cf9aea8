import PDE

/// The planner's marginal costs of a problem file's costs: the costs of the mean field game whose
/// equilibrium is the social optimum (mean-field control; `Objective.social`). For the total cost
/// `J(m) = int int f(t, x, m, mean) m dx dt`, the first variation in `m` at `y` is
///
///     f(t, y, m(y), mean) + m(y) df/dm(t, y, m(y), mean) + y int df/dmean(t, x, m(x), mean) m(x) dx
///
/// and when `df/dmean` does not read `m` and is affine in `x` (`a + b x`), the integral is
/// `a + b mean` (unit mass), that is `df/dmean` evaluated at `x = mean`. Expressions are
/// differentiated symbolically, so Newton's method gets exact derivatives of the new costs.
enum SocialCosts {
    /// Why a cost cannot be turned into its marginal cost.
    struct Refusal: Error {
        let message: String
    }

    /// `f + m df/dm + x (df/dmean)(x := mean)`.
    static func marginal(_ f: Expression) throws -> Expression {
        var out = Expression.binary(.add, f, .binary(.multiply, .variable(.m), f.derivative(.m)))
        if f.variables.contains(.mean) {
            let dmean = f.derivative(.mean)
            guard !dmean.variables.contains(.m) else {
                throw Refusal(message: "its derivative in the mean, \(dmean), depends on m; the social objective supports mean couplings whose derivative in the mean is a function of t, x and the mean only")
            }
            guard dmean.derivative(.x).derivative(.x).isZero else {
                throw Refusal(message: "its derivative in the mean, \(dmean), is not affine in x; the social objective supports mean couplings whose derivative in the mean is affine in x (such as (x - s mean)^2)")
            }
            out = .binary(.add, out, .binary(.multiply, .variable(.x), dmean.substituting(.x, with: .variable(.mean))))
        }
        return out.simplified()
    }
}
