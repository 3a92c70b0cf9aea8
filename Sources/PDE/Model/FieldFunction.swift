/// A cost term `f(x, m, mean)`: the running coupling `F` (potential included) or the terminal cost `G`.
///
/// `m` is the local density at `x`; `mean` is the population mean `sum_i h x_i m_i`.
/// Partial derivatives are used by the Newton solver; when they are not given they are taken by
/// central differences.
public struct FieldFunction: Sendable {
    public typealias Function = @Sendable (_ x: Double, _ m: Double, _ mean: Double) -> Double

    public let value: Function
    public let derivativeInDensity: Function?
    public let derivativeInMean: Function?
    /// False when `f` does not read `m` (it can then be evaluated once per grid).
    public let usesDensity: Bool
    /// True when `f` reads `mean` (the mean is then computed at every time level).
    public let usesMean: Bool

    public init(
        usesDensity: Bool, usesMean: Bool, value: @escaping Function,
        derivativeInDensity: Function? = nil, derivativeInMean: Function? = nil
    ) {
        self.value = value
        self.usesDensity = usesDensity
        self.usesMean = usesMean
        self.derivativeInDensity = derivativeInDensity
        self.derivativeInMean = derivativeInMean
    }

    /// `f = 0`.
    public static let zero = FieldFunction(
        usesDensity: false, usesMean: false, value: { _, _, _ in 0 },
        derivativeInDensity: { _, _, _ in 0 }, derivativeInMean: { _, _, _ in 0 })

    /// A function of position only, `f(x)`.
    public static func position(_ f: @escaping @Sendable (Double) -> Double) -> FieldFunction {
        FieldFunction(
            usesDensity: false, usesMean: false, value: { x, _, _ in f(x) },
            derivativeInDensity: { _, _, _ in 0 }, derivativeInMean: { _, _, _ in 0 })
    }

    /// A local coupling `f(x, m)` with optional `df/dm`.
    public static func local(
        _ f: @escaping @Sendable (Double, Double) -> Double,
        derivative: (@Sendable (Double, Double) -> Double)? = nil
    ) -> FieldFunction {
        var dm: Function? = nil
        if let d = derivative { dm = { x, m, _ in d(x, m) } }
        return FieldFunction(
            usesDensity: true, usesMean: false, value: { x, m, _ in f(x, m) },
            derivativeInDensity: dm, derivativeInMean: { _, _, _ in 0 })
    }

    /// `df/dm` at a point, exact when given, else by a central difference.
    @inline(__always)
    func densityDerivative(_ x: Double, _ m: Double, _ mean: Double) -> Double {
        if !usesDensity { return 0 }
        if let d = derivativeInDensity { return d(x, m, mean) }
        let step = 1e-6 * max(1, abs(m))
        if m - step < 0 { return (value(x, m + step, mean) - value(x, m, mean)) / step }
        return (value(x, m + step, mean) - value(x, m - step, mean)) / (2 * step)
    }

    /// `df/dmean` at a point, exact when given, else by a central difference.
    @inline(__always)
    func meanDerivative(_ x: Double, _ m: Double, _ mean: Double) -> Double {
        if !usesMean { return 0 }
        if let d = derivativeInMean { return d(x, m, mean) }
        let step = 1e-6 * max(1, abs(mean))
        return (value(x, m, mean + step) - value(x, m, mean - step)) / (2 * step)
    }
}
