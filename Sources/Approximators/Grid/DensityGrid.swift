import PDE
import RLBridge

/// The spatial grid of a reference solution, seen as cells: cell `i` (1D) or `(i, j)` (2D, flat
/// index `i * ny + j`) is the box of side `h` centred on the grid point, so that a density `m`
/// on the grid is the piecewise-constant measure with cell masses `m h` (or `m hx hy`).
///
/// The finite-difference grid puts its points at cell centres between walls and at
/// `lower + i h` on a torus; in both cases the cells tile `[lower, upper]` per axis (a torus's
/// first cell straddles `lower`, which wraps).
public struct DensityGrid: Sendable, Equatable {
    /// Cell centres along x (and y in 2D).
    public let x: [Double]
    public let y: [Double]?
    /// 2D: false in the cells of obstacles (they carry no mass); nil when every cell is active.
    public let active: [Bool]?
    /// The domain per axis, `[x]` or `[x, y]`.
    public let lower: [Double]
    public let upper: [Double]
    /// True on a torus (1D periodic problems): samples wrap instead of reflecting.
    public let periodic: Bool

    public init(x: [Double], y: [Double]? = nil, active: [Bool]? = nil, lower: [Double], upper: [Double],
                periodic: Bool = false) {
        precondition(x.count >= 2 && (y?.count ?? 2) >= 2, "a density grid needs at least two points per axis")
        precondition(lower.count == (y == nil ? 1 : 2) && upper.count == lower.count, "one bound per axis")
        precondition(active == nil || active!.count == x.count * (y?.count ?? 1), "one active flag per cell")
        self.x = x
        self.y = y
        self.active = active
        self.lower = lower
        self.upper = upper
        self.periodic = periodic
    }

    /// The cells of an equilibrium's grid (its obstacles inactive).
    public init(_ equilibrium: Equilibrium) {
        func bounds(_ axis: [Double]) -> (Double, Double) {
            let h = axis[1] - axis[0]
            return (axis[0] - h / 2, axis[axis.count - 1] + h / 2)
        }
        let (xl, xu) = bounds(equilibrium.x)
        if let y = equilibrium.y {
            let (yl, yu) = bounds(y)
            self.init(x: equilibrium.x, y: y, active: equilibrium.active, lower: [xl, yl], upper: [xu, yu])
        } else {
            self.init(x: equilibrium.x, lower: [xl], upper: [xu])
        }
    }

    /// 1 or 2.
    public var dimension: Int { y == nil ? 1 : 2 }
    public var nx: Int { x.count }
    public var ny: Int { y?.count ?? 1 }
    /// The number of cells, `nx` or `nx ny`.
    public var cellCount: Int { nx * ny }
    /// The cell side per axis.
    public var spacing: [Double] { [x[1] - x[0]] + (y.map { [$0[1] - $0[0]] } ?? []) }
    /// The volume of one cell, `h` or `hx hy`.
    public var cellVolume: Double { spacing.reduce(1, *) }
    /// Whether cell `k` can carry mass.
    @inlinable public func isActive(_ k: Int) -> Bool { active?[k] ?? true }

    /// The centre of cell `k`, `dimension` coordinates appended to `point`.
    public func centre(_ k: Int) -> [Double] {
        guard let y else { return [x[k]] }
        return [x[k / y.count], y[k % y.count]]
    }

    /// The cell containing a point (`dimension` coordinates), clamped to the grid; nil outside
    /// the domain (beyond rounding) or in an obstacle.
    public func cell(containing point: UnsafePointer<Double>) -> Int? {
        var k = 0
        for axis in 0 ..< dimension {
            let values = axis == 0 ? x : y!
            let h = values[1] - values[0]
            var v = point[axis]
            if periodic {
                let length = upper[axis] - lower[axis]
                v = lower[axis] + (v - lower[axis]).truncatingRemainder(dividingBy: length)
                if v < lower[axis] { v += length }
            } else if !(v >= lower[axis] - 1e-9 * h && v <= upper[axis] + 1e-9 * h) {
                return nil
            }
            var i = Int(((v - values[0]) / h + 0.5).rounded(.down))
            // On a torus the last half cell above the last point belongs to the first cell.
            i = periodic ? (i % values.count + values.count) % values.count : min(max(i, 0), values.count - 1)
            k = k * values.count + i
        }
        return isActive(k) ? k : nil
    }
}

/// A probability measure on a ``DensityGrid`` at a list of times: the cell masses of each time
/// slice (non-negative, summing to 1, zero in inactive cells). The PDE reference and every
/// approximation are compared in this form.
public struct GridDensity: Sendable {
    public let grid: DensityGrid
    /// The time of each slice.
    public let times: [Double]
    /// `masses[k][cell]`.
    public var masses: [[Double]]
    /// The mass of each slice before normalisation (below 1 when mass left through exits).
    public var totals: [Double]

    /// Normalises each slice's non-negative weights (negative entries, from round-off, become 0).
    public init(grid: DensityGrid, times: [Double], weights: [[Double]]) {
        precondition(times.count == weights.count && weights.allSatisfy { $0.count == grid.cellCount },
                     "one slice of \(grid.cellCount) weights per time")
        self.grid = grid
        self.times = times
        var totals: [Double] = []
        masses = weights.map { slice in
            var w = slice.enumerated().map { grid.isActive($0.offset) ? max($0.element, 0) : 0 }
            let total = w.reduce(0, +)
            totals.append(total)
            if total > 0 { for i in w.indices { w[i] /= total } }
            return w
        }
        self.totals = totals
    }

    /// The reference measure of an equilibrium at the time levels nearest to `times`.
    public static func reference(_ equilibrium: Equilibrium, times: [Double]) -> GridDensity {
        let grid = DensityGrid(equilibrium)
        let levels = times.map { equilibrium.level(nearest: $0) }
        let weights = levels.map { n in equilibrium.level(equilibrium.m, n).map { $0 * equilibrium.cellVolume } }
        return GridDensity(grid: grid, times: levels.map { equilibrium.t?[$0] ?? 0 }, weights: weights)
    }

    /// The slice times `0, T/(K-1), ..., T` of a time-dependent equilibrium, `K = count`, each on
    /// its nearest time level (duplicates removed), or `[0]` for an ergodic one.
    public static func sliceTimes(_ equilibrium: Equilibrium, count: Int) -> [Double] {
        guard let t = equilibrium.t, let horizon = t.last, count > 1 else { return [0] }
        var levels: [Int] = []
        for k in 0 ..< count {
            let n = equilibrium.level(nearest: horizon * Double(k) / Double(count - 1))
            if levels.last != n { levels.append(n) }
        }
        return levels.map { t[$0] }
    }
}

extension Equilibrium {
    /// The time level nearest to `time` (0 for an ergodic equilibrium).
    public func level(nearest time: Double) -> Int {
        guard let t, t.count > 1 else { return 0 }
        let dt = t[1] - t[0]
        return min(max(Int((time / dt).rounded()), 0), t.count - 1)
    }
}

extension DensityGrid {
    /// The cells of a discretised game (its "exited" state, if any, is not a cell).
    public init(_ layout: CellLayout) {
        self.init(x: layout.x, y: layout.y, active: layout.active, lower: layout.lower, upper: layout.upper,
                  periodic: layout.periodic)
    }
}
