import PDE

/// Errors of a discrete solution against a file's `[exact]` fields, for every kind of problem.
///
/// - `density_l1`: `max_n sum h |m^n - m*(t_n)|` (h the cell volume; the exact density is compared
///   as given);
/// - `density_max`: `max_{n,i} |m - m*|`;
/// - `value_max`, `control_max`: `max |u - u*|`, `max |alpha - alpha*|` over the points where the
///   population is (exact density at least 1% of its maximum at that time, when `[exact] density` is
///   given; everywhere otherwise), at `t_n` for `n < Nt` (the control of row n is that of step n).
///   Ergodic problems compare `u` up to its mean (both have mean zero).
/// - `lambda_error`: `|lambda - lambda*|` (ergodic problems).
/// Obstacle cells are left out.
public struct ExactErrors: Sendable, Codable, Equatable {
    public var densityL1: Double?
    public var densityMax: Double?
    public var valueMax: Double?
    public var controlMax: Double?
    public var lambdaError: Double?

    public init(_ s: Equilibrium, exact: ExactSolution) { self.init(s, exact: exact, claimed: nil) }

    /// What an error estimate claims these errors to be: the same norms, over the same points, of
    /// its pointwise `m_error` and `u_error`, and its bound for lambda (nil without an estimate).
    public static func claimed(by s: Equilibrium, exact: ExactSolution) -> ExactErrors? {
        guard let e = s.errorEstimate else { return nil }
        return ExactErrors(s, exact: exact, claimed: e)
    }

    /// The larger error, NaN when either is (Swift's `max` would keep the other and hide it).
    private static func worst(_ a: Double, _ b: Double) -> Double { a.isNaN || b.isNaN ? .nan : max(a, b) }

    private init(_ s: Equilibrium, exact: ExactSolution, claimed estimate: ErrorEstimate?) {
        let worst = Self.worst
        let size = s.levelSize, h = s.cellVolume
        let ny = s.ny ?? 1
        let active = s.active ?? [Bool](repeating: true, count: size)
        // The point of index q of a level: x (and y).
        func point(_ q: Int) -> (x: Double, y: Double) { (s.x[q / ny], s.y.map { $0[q % ny] } ?? 0) }
        var l1 = 0.0, dmax = 0.0, vmax = 0.0, cmax = 0.0
        var mask = active
        var reference = [Double](repeating: 0, count: size)
        for n in 0..<s.levels {
            let t = s.t?[n] ?? 0, offset = n * size
            if let d = exact.density {
                var row = 0.0, top = 0.0
                for q in 0..<size where active[q] {
                    let (x, y) = point(q)
                    reference[q] = d.value(x: x, y: y, t: t)
                    top = max(top, reference[q])
                    let e = estimate?.densityError[offset + q] ?? abs(s.m[offset + q] - reference[q])
                    row += e * h
                    dmax = worst(dmax, e)
                }
                l1 = worst(l1, row)
                for q in 0..<size { mask[q] = active[q] && reference[q] >= 0.01 * top }
            }
            // The control of the last row is that of the last step: compare rows n < Nt only.
            guard s.isErgodic || n < s.nt else { continue }
            if let v = exact.value {
                var values = [Double](repeating: 0, count: size)
                for q in 0..<size where active[q] { let (x, y) = point(q); values[q] = v.value(x: x, y: y, t: t) }
                var shift = 0.0
                if s.isErgodic {
                    let free = (0..<size).filter { active[$0] }
                    shift = free.reduce(0.0) { $0 + values[$1] - s.u[$1] } / Double(free.count)
                }
                for q in 0..<size where mask[q] {
                    vmax = worst(vmax, estimate?.valueError[offset + q] ?? abs(s.u[offset + q] + shift - values[q]))
                }
            }
            if let c = exact.control, s.dimension == 1, estimate == nil {
                for q in 0..<size where mask[q] {
                    cmax = worst(cmax, abs(s.control[0][offset + q] - c.value(x: s.x[q], t: t)))
                }
            }
        }
        densityL1 = exact.density == nil ? nil : l1
        densityMax = exact.density == nil ? nil : dmax
        valueMax = exact.value == nil ? nil : vmax
        controlMax = exact.control == nil || s.dimension != 1 || estimate != nil ? nil : cmax
        if let l = exact.lambda, let lambda = s.lambda {
            lambdaError = estimate == nil ? abs(lambda - l) : estimate!.quantity("lambda")?.errorBound
        }
    }

    /// The errors present, by name, in a fixed order.
    public var named: [(String, Double)] {
        [("density_l1", densityL1), ("density_max", densityMax), ("value_max", valueMax), ("control_max", controlMax),
         ("lambda_error", lambdaError)]
            .compactMap { name, v in v.map { (name, $0) } }
    }
}

extension ProblemFile {
    /// Refuses `[exact]` fields that are not finite at a point of the solution's grid, naming the
    /// field, its line and the point: their errors would otherwise leave those points out and report
    /// a misleading number (a density error of 0 against an exact density that is NaN on half the grid).
    public func checkExact(on s: Equilibrium) throws {
        let ny = s.ny ?? 1
        for (key, field) in [("density", exact.density), ("value", exact.value), ("control", exact.control)] {
            guard let field else { continue }
            for n in 0..<s.levels {
                let t = s.t?[n] ?? 0
                for q in 0..<s.levelSize where s.active?[q] ?? true {
                    let x = s.x[q / ny], y = s.y?[q % ny] ?? 0
                    let v = field.value(x: x, y: y, t: t)
                    guard v.isFinite else {
                        let at = s.dimension == 1 ? "x = \(x)" : "x = \(x), y = \(y)"
                        throw ProblemFileError(path: path, line: lines["exact.\(key)"], field: "[exact] \(key)",
                                               message: "is \(v) at \(s.isErgodic ? "" : "t = \(t), ")\(at): an exact solution must be finite on the domain")
                    }
                }
            }
        }
    }
}
