/// Errors raised by the PDE layer. Every message names what is wrong and what to change.
public enum MFGError: Error, CustomStringConvertible, Sendable {
    /// A parameter is outside its valid range: `field`, what was given, and how to fix it.
    case invalidParameter(field: String, value: String, fix: String)
    /// The initial density cannot be normalised to a probability density.
    case nonNormalisableDensity(reason: String)
    /// A non-finite number appeared during a solve. The diagnostics gathered so far are kept.
    case nonFinite(iteration: Int, quantity: String, advice: String, history: [IterationReport])
    /// A linear solve failed (a singular or non-finite matrix).
    case linearSolveFailed(context: String)

    /// LAPACKE refuses an argument (a negative info) when the matrix or the right-hand side holds a NaN
    /// or an infinity: that is a non-finite value in the solve, not a bad call.
    static func notFiniteInLinearSolve(_ routine: String, argument: Int32) -> MFGError {
        .nonFinite(iteration: 0, quantity: "the matrix or right-hand side of a linear solve (\(routine) refused argument \(argument))",
                   advice: "a NaN or an infinity reached the linear solver; check the problem's parameters and costs (a cost that overflows, a viscosity or horizon far out of scale)",
                   history: [])
    }

    public var description: String {
        switch self {
        case let .invalidParameter(field, value, fix):
            return "invalid \(field) = \(value): \(fix)"
        case let .nonNormalisableDensity(reason):
            return "the initial density m0 cannot be normalised: \(reason); "
                + "give an m0 that is non-negative, finite and positive somewhere on the grid"
        case let .nonFinite(iteration, quantity, advice, _):
            return "a non-finite value (NaN or infinity) appeared in \(quantity) at iteration \(iteration): \(advice)"
        case let .linearSolveFailed(context):
            return "linear solve failed: \(context)"
        }
    }
}
