import Foundation

/// The discretisation-error estimate of a solve, from the same problem solved on the grids of
/// steps `2h` and `4h` (every count halved, then halved again, `dt` with `h`).
///
/// The scheme is first order and its error has an expansion `Q_h = Q + C1 h + C2 h^2 + ...` for
/// smooth solutions. From the values `q1, q2, q4` on `h, 2h, 4h` (the rule of `Richardson`):
/// - the observed order `p = log2((q2 - q4) / (q1 - q2))`, which should be near 1;
/// - the extrapolated value `R = (8 q1 - 6 q2 + q4) / 3`, which removes the `h` and `h^2` terms;
/// - the bound of `|q1 - Q|`: `1.25 max(|q1 - q2| / (2^min(p,1) - 1), |q1 - R|)` (the factor 1.25 is
///   Roache's safety factor of three-grid studies; `min(p, 1)` never trusts an order above the
///   scheme's);
/// - the bound of `|R - Q|`: 1.25 times the spread between `R` and the one-term extrapolations
///   with orders `p` and 1.
/// When the differences change sign or `p` lies outside [0.5, 2.5] the grids are not in the
/// asymptotic range: the quantity gets a warning and no bound. Fields get the same rule at every
/// point (the coarse fields interpolated with `Prolongation`), with `p` observed on their norms.
///
/// It estimates the error of the discrete solution against the continuum PDE, not the error of
/// truncating an unbounded domain, of the modelling, or of a discretised RL game.
public struct ErrorEstimate: Sendable {
    /// One scalar's estimate.
    public struct Quantity: Sendable, Codable, Equatable {
        public var name: String
        /// On the requested grid.
        public var value: Double
        /// On the grids of steps 2h and 4h.
        public var coarser: [Double]
        public var extrapolated: Double?
        /// The estimated bound of `|value - exact|`.
        public var errorBound: Double?
        /// The estimated bound of `|extrapolated - exact|`.
        public var extrapolatedErrorBound: Double?
        public var observedOrder: Double?
        /// Why no bound is given, when it is not.
        public var warning: String?
    }

    /// The requested grid, then 2h and 4h.
    public let grids: [GridSize]
    public let quantities: [Quantity]
    /// Estimated `|m_h - m|` and `|u_h - u|` at every point of the requested grid (shape of `m`).
    public let densityError: [Double]
    public let valueError: [Double]
    /// Orders observed on `max_n sum_i h |m_h - m_2h|` and `max |u_h - u_2h|`.
    public let densityOrder: Double?
    public let valueOrder: Double?
    /// Set when a coarse grid did not converge or a field's order is erratic.
    public let warnings: [String]
    /// Wall-clock seconds of the three solves (run side by side).
    public let seconds: Double

    /// A grid the estimate can use: every count a multiple of 4, the coarsest grid valid.
    public static func checkGrid(_ grid: GridSize) throws {
        var bad: [String] = []
        if grid.nx % 4 != 0 || grid.nx < 16 { bad.append("nx = \(grid.nx)") }
        if let ny = grid.ny, ny % 4 != 0 || ny < 16 { bad.append("ny = \(ny)") }
        if let nt = grid.nt, nt % 4 != 0 { bad.append("nt = \(nt)") }
        guard bad.isEmpty else {
            throw MFGError.invalidParameter(
                field: "grid", value: bad.joined(separator: ", "),
                fix: "the error estimate also solves on grids with every count halved and quartered: use nx (and ny) "
                    + "multiples of 4 of at least 16, and nt a multiple of 4 (e.g. nx = \(max(16, grid.nx / 4 * 4)))")
        }
    }

    /// The estimate from the solutions on `h`, `2h` and `4h` (their functionals computed).
    init(fine: Equilibrium, medium: Equilibrium, coarse: Equilibrium, boundary: Boundary, seconds: Double) {
        self.seconds = seconds
        grids = [fine, medium, coarse].map { s in
            GridSize(nx: s.nx, ny: s.ny, nt: s.isErgodic ? nil : s.nt)
        }
        var warnings: [String] = []
        for (s, name) in [(medium, "2h"), (coarse, "4h")] where !s.converged && s.roundOffFloor == nil {
            let residual = s.final.map { String(format: "%.1e", $0.residual) } ?? "?"
            warnings.append("the \(name) grid \(s.nx) did not converge (residual \(residual)): the estimate is unreliable")
        }
        // Scalars.
        let values = [fine, medium, coarse].map { $0.functionals?.named ?? [] }
        quantities = values[0].enumerated().compactMap { k, entry in
            guard values[1].count > k, values[2].count > k, values[1][k].name == entry.name else { return nil }
            return Richardson.quantity(entry.name, entry.value, values[1][k].value, values[2][k].value)
        }
        // Fields.
        let axes = (fine.isErgodic ? [] : [Prolongation.Axis.timeLevels]) + Array(repeating: Prolongation.Axis(boundary), count: fine.dimension)
        func refined(_ s: Equilibrium, _ field: [Double], times k: Int) -> [Double] {
            var f = field, shape = s.shape
            for _ in 0..<k {
                f = Prolongation.refine(f, shape: shape, axes: axes)
                shape = zip(shape, axes).map { $1.fineCount($0) }
            }
            return f
        }
        let active = fine.active
        func field(_ pick: (Equilibrium) -> [Double], norm: ([Double], Equilibrium) -> Double, name: String) -> ([Double], Double?) {
            let q1 = pick(fine), q2 = refined(medium, pick(medium), times: 1), q4 = refined(coarse, pick(coarse), times: 2)
            // The observed order of the field: its differences h vs 2h, and 2h vs 4h on the 2h grid.
            let d1 = norm(zip(q1, q2).map { $0 - $1 }, fine)
            let d2 = norm(zip(pick(medium), refined(coarse, pick(coarse), times: 1)).map { $0 - $1 }, medium)
            var p: Double? = d1 > 0 && d2 > 0 ? log2(d2 / d1) : nil
            if let order = p, !(Richardson.orderRange).contains(order) {
                warnings.append(String(format: "the %@ field's observed order %.2f lies outside [0.5, 2.5]: its pointwise estimate is unreliable", name, order))
            }
            if p == nil { p = 1 }
            var e = [Double](repeating: 0, count: q1.count)
            let size = fine.levelSize
            for i in 0..<q1.count where active?[i % size] ?? true {
                e[i] = Richardson.bound(q1[i], q2[i], q4[i], order: p!)
            }
            return (e, d1 > 0 && d2 > 0 ? log2(d2 / d1) : nil)
        }
        let l1: ([Double], Equilibrium) -> Double = { d, s in
            (0..<s.levels).map { n in s.level(d, n).reduce(0) { $0 + abs($1) } * s.cellVolume }.max() ?? 0
        }
        let maxNorm: ([Double], Equilibrium) -> Double = { d, _ in d.reduce(0) { max($0, abs($1)) } }
        (densityError, densityOrder) = field({ $0.m }, norm: l1, name: "density")
        (valueError, valueOrder) = field({ $0.u }, norm: maxNorm, name: "value")
        self.warnings = warnings
    }

    /// The quantity of a name (`lambda`, `social_cost`, ...).
    public func quantity(_ name: String) -> Quantity? { quantities.first { $0.name == name } }
}

/// The three-grid rule of `ErrorEstimate`, stated once for scalars and for every point of a field.
enum Richardson {
    /// Roache's safety factor for three-grid studies.
    static let safety = 1.25
    /// Observed orders outside this range mean the grids are not in the asymptotic range.
    static let orderRange = 0.5...2.5

    /// `(8 q1 - 6 q2 + q4) / 3`: removes the `h` and `h^2` terms of `q1, q2, q4` on `h, 2h, 4h`.
    static func extrapolate(_ q1: Double, _ q2: Double, _ q4: Double) -> Double {
        (8 * q1 - 6 * q2 + q4) / 3
    }

    /// The bound of `|q1 - Q|` with the observed order `p`.
    static func bound(_ q1: Double, _ q2: Double, _ q4: Double, order p: Double) -> Double {
        let pb = min(max(p, orderRange.lowerBound), 1)
        let oneTerm = abs(q1 - q2) / (pow(2, pb) - 1)
        return safety * max(oneTerm, abs(q1 - extrapolate(q1, q2, q4)))
    }

    static func quantity(_ name: String, _ q1: Double, _ q2: Double, _ q4: Double) -> ErrorEstimate.Quantity {
        var out = ErrorEstimate.Quantity(name: name, value: q1, coarser: [q2, q4])
        let d1 = q1 - q2, d2 = q2 - q4
        // Differences at the level of the solver's tolerance: the quantity does not depend on the grid.
        let floor = 1e-9 * max(1, abs(q1))
        if abs(d1) <= floor && abs(d2) <= floor {
            out.extrapolated = q1
            out.errorBound = max(abs(d1), abs(d2), floor)
            out.extrapolatedErrorBound = out.errorBound
            return out
        }
        guard d1 * d2 > 0 else {
            out.warning = "the differences between the grids change sign (pre-asymptotic or oscillating): no bound"
            return out
        }
        let p = log2(d2 / d1)
        out.observedOrder = p
        guard orderRange.contains(p) else {
            out.warning = String(format: "observed order %.2f outside [0.5, 2.5]: the grids are not in the asymptotic range; no bound", p)
            return out
        }
        let r = extrapolate(q1, q2, q4)
        out.extrapolated = r
        out.errorBound = bound(q1, q2, q4, order: p)
        let spread = max(abs(r - (q1 + d1 / (pow(2, p) - 1))), abs(r - (2 * q1 - q2)))
        out.extrapolatedErrorBound = safety * spread
        return out
    }
}
