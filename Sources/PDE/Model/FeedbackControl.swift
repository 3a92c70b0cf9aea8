/// A feedback control `a(t, x)` (`a(t, x, y)` in 2D; no time axis for an ergodic problem) given on
/// a rectangular grid of its own, as a learning method produces it: one array per component,
/// row-major over `(t, x)` or `(t, x, y)`. Sampled on a solver's grid by multilinear interpolation,
/// constant beyond its axes.
public struct FeedbackControl: Sendable {
    public let t: [Double]?
    public let x: [Double]
    public let y: [Double]?
    /// `[a]` in 1D, `[a_x, a_y]` in 2D.
    public let components: [[Double]]

    /// Checks that the axes are strictly increasing and finite, the arrays have the axes' shape and
    /// every value is finite.
    public init(t: [Double]?, x: [Double], y: [Double]?, components: [[Double]]) throws {
        for (name, axis) in [("t", t), ("x", x), ("y", y)] {
            guard let axis else { continue }
            guard !axis.isEmpty, axis.allSatisfy(\.isFinite) else {
                throw MFGError.invalidParameter(field: "control axis \(name)", value: "\(axis.count) values",
                                                fix: "give at least one finite value")
            }
            if let k = (1..<max(axis.count, 1)).first(where: { axis[$0] <= axis[$0 - 1] }) {
                throw MFGError.invalidParameter(field: "control axis \(name)", value: "\(axis[k - 1]), \(axis[k]) at \(k - 1), \(k)",
                                                fix: "the axis must be strictly increasing")
            }
        }
        guard components.count == (y == nil ? 1 : 2) else {
            throw MFGError.invalidParameter(field: "control", value: "\(components.count) components",
                                            fix: y == nil ? "a 1D control has one component, alpha" : "a 2D control has two components, alpha_x and alpha_y")
        }
        let size = (t?.count ?? 1) * x.count * (y?.count ?? 1)
        for (k, c) in components.enumerated() {
            guard c.count == size else {
                throw MFGError.invalidParameter(
                    field: "control component \(k)", value: "\(c.count) values",
                    fix: "its shape must be that of its axes, \([t?.count, x.count, y?.count].compactMap { $0 }) (\(size) values)")
            }
            if let i = c.firstIndex(where: { !$0.isFinite }) {
                throw MFGError.invalidParameter(field: "control component \(k)", value: "\(c[i]) at flat index \(i)",
                                                fix: "every value of the control must be finite")
            }
        }
        self.t = t
        self.x = x
        self.y = y
        self.components = components
    }

    /// Interpolation weights of `v` on an axis: `(i0, i1, w)` with `v = (1 - w) a[i0] + w a[i1]`.
    static func bracket(_ axis: [Double], _ v: Double) -> (Int, Int, Double) {
        guard axis.count > 1, v > axis[0] else { return (0, 0, 0) }
        guard v < axis[axis.count - 1] else { return (axis.count - 1, axis.count - 1, 0) }
        var lo = 0, hi = axis.count - 1
        while hi - lo > 1 {
            let mid = (lo + hi) / 2
            if axis[mid] <= v { lo = mid } else { hi = mid }
        }
        return (lo, hi, (v - axis[lo]) / (axis[hi] - axis[lo]))
    }

    /// The control on a solver's grid: one array per component, shaped like `Equilibrium.control`
    /// (`[levels][x][y]`). Row n is sampled at `t_n`, the time of FP step n.
    public func sampled(times: [Double]?, x xs: [Double], y ys: [Double]?) -> [[Double]] {
        let tw = (times ?? [0]).map { v in t.map { FeedbackControl.bracket($0, v) } ?? (0, 0, 0) }
        let xw = xs.map { FeedbackControl.bracket(x, $0) }
        let yw = (ys ?? [0]).map { v in y.map { FeedbackControl.bracket($0, v) } ?? (0, 0, 0) }
        let nxc = x.count, nyc = y?.count ?? 1
        return components.map { a in
            var out = [Double](repeating: 0, count: tw.count * xw.count * yw.count)
            var k = 0
            for (t0, t1, wt) in tw {
                for (x0, x1, wx) in xw {
                    for (y0, y1, wy) in yw {
                        @inline(__always) func at(_ n: Int, _ i: Int, _ j: Int) -> Double { a[(n * nxc + i) * nyc + j] }
                        let lowT = (1 - wx) * ((1 - wy) * at(t0, x0, y0) + wy * at(t0, x0, y1))
                            + wx * ((1 - wy) * at(t0, x1, y0) + wy * at(t0, x1, y1))
                        let highT = (1 - wx) * ((1 - wy) * at(t1, x0, y0) + wy * at(t1, x0, y1))
                            + wx * ((1 - wy) * at(t1, x1, y0) + wy * at(t1, x1, y1))
                        out[k] = (1 - wt) * lowT + wt * highT
                        k += 1
                    }
                }
            }
            return out
        }
    }
}
