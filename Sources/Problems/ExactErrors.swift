import PDE

/// Errors of a discrete solution against a file's `[exact]` fields.
///
/// - `density_l1`: `max_n sum_i h |m^n_i - m*(t_n, x_i)|` (the exact density is compared as given);
/// - `density_max`: `max_{n,i} |m - m*|`;
/// - `value_max`, `control_max`: `max |u - u*|`, `max |alpha - alpha*|` over the points where the
///   population is (exact density at least 1% of its maximum at that time, when `[exact] density` is
///   given; everywhere otherwise), at `t_n` for `n < Nt` (the control of row n is that of step n).
public struct ExactErrors: Sendable, Codable, Equatable {
    public var densityL1: Double?
    public var densityMax: Double?
    public var valueMax: Double?
    public var controlMax: Double?
    /// Ergodic problems: `|lambda - lambda*|`.
    public var lambdaError: Double?

    /// Errors of an ergodic solution; `u` is compared up to its mean (`sum h u = 0` on both sides).
    public init(_ s: ErgodicSolution, exact: ExactSolution) {
        let nx = s.nx, h = s.x[1] - s.x[0]
        var mask = [Bool](repeating: true, count: nx)
        if let d = exact.density {
            let reference = s.x.map { d.value(x: $0) }
            let top = reference.max() ?? 0
            var l1 = 0.0, dmax = 0.0
            for i in 0..<nx {
                let e = abs(s.m[i] - reference[i])
                l1 += e * h
                dmax = max(dmax, e)
                mask[i] = reference[i] >= 0.01 * top
            }
            densityL1 = l1
            densityMax = dmax
        }
        if let v = exact.value {
            let reference = s.x.map { v.value(x: $0) }
            let shift = reference.reduce(0, +) / Double(nx) - s.u.reduce(0, +) / Double(nx)
            valueMax = (0..<nx).filter { mask[$0] }.reduce(0.0) { max($0, abs(s.u[$1] + shift - reference[$1])) }
        }
        if let c = exact.control {
            controlMax = (0..<nx).filter { mask[$0] }.reduce(0.0) { max($0, abs(s.control[$1] - c.value(x: s.x[$1]))) }
        }
        if let l = exact.lambda { lambdaError = abs(s.lambda - l) }
    }

    public init(_ s: MFGSolution, exact: ExactSolution) {
        let nx = s.nx, h = s.x[1] - s.x[0]
        var l1 = 0.0, dmax = 0.0, vmax = 0.0, cmax = 0.0
        var mask = [Bool](repeating: true, count: nx)
        var reference = [Double](repeating: 0, count: nx)
        for n in 0...s.nt {
            let t = s.t[n]
            if let d = exact.density {
                var row = 0.0, top = 0.0
                for i in 0..<nx {
                    reference[i] = d.value(x: s.x[i], t: t)
                    top = max(top, reference[i])
                    let e = abs(s.m[n * nx + i] - reference[i])
                    row += e * h
                    dmax = max(dmax, e)
                }
                l1 = max(l1, row)
                for i in 0..<nx { mask[i] = reference[i] >= 0.01 * top }
            }
            guard n < s.nt else { continue }
            for i in 0..<nx where mask[i] {
                if let v = exact.value { vmax = max(vmax, abs(s.u[n * nx + i] - v.value(x: s.x[i], t: t))) }
                if let c = exact.control { cmax = max(cmax, abs(s.control[n * nx + i] - c.value(x: s.x[i], t: t))) }
            }
        }
        densityL1 = exact.density == nil ? nil : l1
        densityMax = exact.density == nil ? nil : dmax
        valueMax = exact.value == nil ? nil : vmax
        controlMax = exact.control == nil ? nil : cmax
    }

    /// Errors of a 2D ergodic solution (u compared up to its mean), over the free cells.
    public init(_ s: ErgodicSolution2D, exact: ExactSolution) {
        let n = s.nx * s.ny
        let area = (s.x[1] - s.x[0]) * (s.y[1] - s.y[0])
        var mask = s.active
        if let d = exact.density {
            var reference = [Double](repeating: 0, count: n)
            for i in 0..<s.nx { for j in 0..<s.ny { reference[i * s.ny + j] = d.value(x: s.x[i], y: s.y[j]) } }
            let top = reference.max() ?? 0
            var l1 = 0.0, dmax = 0.0
            for q in 0..<n where s.active[q] {
                let e = abs(s.m[q] - reference[q])
                l1 += e * area
                dmax = max(dmax, e)
                mask[q] = s.active[q] && reference[q] >= 0.01 * top
            }
            densityL1 = l1
            densityMax = dmax
        }
        if let v = exact.value {
            var reference = [Double](repeating: 0, count: n)
            for i in 0..<s.nx { for j in 0..<s.ny { reference[i * s.ny + j] = v.value(x: s.x[i], y: s.y[j]) } }
            let free = (0..<n).filter { s.active[$0] }
            let shift = free.reduce(0.0) { $0 + reference[$1] - s.u[$1] } / Double(free.count)
            valueMax = (0..<n).filter { mask[$0] }.reduce(0.0) { max($0, abs(s.u[$1] + shift - reference[$1])) }
        }
        if let l = exact.lambda { lambdaError = abs(s.lambda - l) }
    }

    /// The errors present, by name, in a fixed order.
    public var named: [(String, Double)] {
        [("density_l1", densityL1), ("density_max", densityMax), ("value_max", valueMax), ("control_max", controlMax),
         ("lambda_error", lambdaError)]
            .compactMap { name, v in v.map { (name, $0) } }
    }
}
