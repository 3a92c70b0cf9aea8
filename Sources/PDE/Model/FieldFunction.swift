/// A cost term `f(t, x, m, mean)`: the running coupling `F` (potential included) or the terminal
/// cost `G` (evaluated at `t = T`).
///
/// `m` is the local density at `x`; `mean` is the population mean `sum_i h x_i m_i`.
/// Partial derivatives are used by the Newton solver; when they are not given they are taken by
/// central differences. A `RowEvaluator` evaluates a whole grid row at once (used by compiled
/// expressions); otherwise the scalar function is called point by point.
public struct FieldFunction: Sendable {
    public typealias Function = @Sendable (_ t: Double, _ x: Double, _ m: Double, _ mean: Double) -> Double
    /// `out[i] = f(t, x[i], m[i], mean)` for `i < count`.
    public typealias RowEvaluator = @Sendable (
        _ t: Double, _ x: UnsafePointer<Double>, _ m: UnsafePointer<Double>, _ mean: Double,
        _ out: UnsafeMutablePointer<Double>, _ count: Int
    ) -> Void

    public let value: Function
    public let derivativeInDensity: Function?
    public let derivativeInMean: Function?
    public let row: RowEvaluator?
    /// Row evaluators of `df/dm` and `df/dmean` (compiled expressions); else point by point.
    public let densityDerivativeRow: RowEvaluator?
    public let meanDerivativeRow: RowEvaluator?
    /// False when `f` does not read `m`.
    public let usesDensity: Bool
    /// True when `f` reads `mean` (the mean is then computed at every time level).
    public let usesMean: Bool
    /// True when `f` reads `t`.
    public let usesTime: Bool

    public init(
        usesDensity: Bool, usesMean: Bool, usesTime: Bool = false, value: @escaping Function,
        derivativeInDensity: Function? = nil, derivativeInMean: Function? = nil, row: RowEvaluator? = nil,
        densityDerivativeRow: RowEvaluator? = nil, meanDerivativeRow: RowEvaluator? = nil
    ) {
        self.densityDerivativeRow = densityDerivativeRow
        self.meanDerivativeRow = meanDerivativeRow
        self.value = value
        self.usesDensity = usesDensity
        self.usesMean = usesMean
        self.usesTime = usesTime
        self.derivativeInDensity = derivativeInDensity
        self.derivativeInMean = derivativeInMean
        self.row = row
    }

    /// `f = 0`.
    public static let zero = FieldFunction(
        usesDensity: false, usesMean: false, value: { _, _, _, _ in 0 },
        derivativeInDensity: { _, _, _, _ in 0 }, derivativeInMean: { _, _, _, _ in 0 })

    /// A function of position only, `f(x)`.
    public static func position(_ f: @escaping @Sendable (Double) -> Double) -> FieldFunction {
        FieldFunction(
            usesDensity: false, usesMean: false, value: { _, x, _, _ in f(x) },
            derivativeInDensity: { _, _, _, _ in 0 }, derivativeInMean: { _, _, _, _ in 0 })
    }

    /// A local coupling `f(x, m)` with optional `df/dm`.
    public static func local(
        _ f: @escaping @Sendable (Double, Double) -> Double,
        derivative: (@Sendable (Double, Double) -> Double)? = nil
    ) -> FieldFunction {
        var dm: Function? = nil
        if let d = derivative { dm = { _, x, m, _ in d(x, m) } }
        return FieldFunction(
            usesDensity: true, usesMean: false, value: { _, x, m, _ in f(x, m) },
            derivativeInDensity: dm, derivativeInMean: { _, _, _, _ in 0 })
    }

    /// Evaluates a grid row.
    @inline(__always)
    func evaluate(
        t: Double, x: UnsafePointer<Double>, m: UnsafePointer<Double>, mean: Double,
        into out: UnsafeMutablePointer<Double>, count: Int
    ) {
        if let row {
            row(t, x, m, mean, out, count)
        } else {
            for i in 0..<count { out[i] = value(t, x[i], m[i], mean) }
        }
    }

    /// `dm[i] = df/dm`, `dmean[i] = df/dmean` at `(t, x[i], m[i], mean)` for a grid row (zero for the
    /// arguments `f` does not read).
    func evaluateDerivatives(
        t: Double, x: UnsafePointer<Double>, m: UnsafePointer<Double>, mean: Double,
        density dm: UnsafeMutablePointer<Double>, mean dmean: UnsafeMutablePointer<Double>, count: Int
    ) {
        if !usesDensity {
            dm.update(repeating: 0, count: count)
        } else if let r = densityDerivativeRow {
            r(t, x, m, mean, dm, count)
        } else {
            for i in 0..<count { dm[i] = densityDerivative(t, x[i], m[i], mean) }
        }
        if !usesMean {
            dmean.update(repeating: 0, count: count)
        } else if let r = meanDerivativeRow {
            r(t, x, m, mean, dmean, count)
        } else {
            for i in 0..<count { dmean[i] = meanDerivative(t, x[i], m[i], mean) }
        }
    }

    /// `df/dm` at a point, exact when given, else by a central difference.
    @inline(__always)
    func densityDerivative(_ t: Double, _ x: Double, _ m: Double, _ mean: Double) -> Double {
        if !usesDensity { return 0 }
        if let d = derivativeInDensity { return d(t, x, m, mean) }
        let step = 1e-6 * max(1, abs(m))
        if m - step < 0 { return (value(t, x, m + step, mean) - value(t, x, m, mean)) / step }
        return (value(t, x, m + step, mean) - value(t, x, m - step, mean)) / (2 * step)
    }

    /// `df/dmean` at a point, exact when given, else by a central difference.
    @inline(__always)
    func meanDerivative(_ t: Double, _ x: Double, _ m: Double, _ mean: Double) -> Double {
        if !usesMean { return 0 }
        if let d = derivativeInMean { return d(t, x, m, mean) }
        let step = 1e-6 * max(1, abs(mean))
        return (value(t, x, m, mean + step) - value(t, x, m, mean - step)) / (2 * step)
    }
}
