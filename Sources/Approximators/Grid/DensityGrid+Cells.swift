import PDE
import Neural

extension DensityGrid {
    /// The cells of an equilibrium's grid on the problem's domain: a torus (`periodic`) wraps
    /// samples instead of reflecting them (`DensityGrid(_:)` alone cannot tell).
    public init(_ equilibrium: Equilibrium, model: MFGModel) {
        let plain = DensityGrid(equilibrium)
        self.init(x: plain.x, y: plain.y, active: plain.active, lower: plain.lower, upper: plain.upper,
                  periodic: model.boundary == .periodic)
    }

    /// The cell a point falls in, active or not: wrapped on a torus, clamped to the grid otherwise.
    /// Draws are binned with it, so that mass put in an obstacle stays visible as an error.
    @inlinable public func bin(_ point: UnsafePointer<Double>) -> Int {
        var k = 0
        for axis in 0 ..< dimension {
            let values = axis == 0 ? x : y!
            let h = values[1] - values[0]
            var i = Int(((point[axis] - values[0]) / h + 0.5).rounded(.down))
            if periodic { i = ((i % values.count) + values.count) % values.count }
            k = k * values.count + min(max(i, 0), values.count - 1)
        }
        return k
    }

    /// A uniform point in cell `k`: `centre + (u - 1/2) h` per axis (wrapped into `[lower, upper)` on a torus),
    /// written to `point[0 ..< dimension]`.
    @inlinable public func uniformPoint(inCell k: Int, generator: inout SeededGenerator, into point: UnsafeMutablePointer<Double>) {
        let i = dimension == 1 ? k : k / ny
        point[0] = wrap(x[i] + (generator.unit() - 0.5) * (x[1] - x[0]), axis: 0)
        if let y { point[1] = wrap(y[k % ny] + (generator.unit() - 0.5) * (y[1] - y[0]), axis: 1) }
    }

    /// `v` wrapped into `[lower, upper)` on a torus; unchanged otherwise.
    @inlinable public func wrap(_ v: Double, axis: Int) -> Double {
        guard periodic else { return v }
        let length = upper[axis] - lower[axis]
        var w = lower[axis] + (v - lower[axis]).truncatingRemainder(dividingBy: length)
        if w < lower[axis] { w += length }
        return w
    }

    /// The number of active cells.
    public var activeCount: Int { active?.reduce(0) { $0 + ($1 ? 1 : 0) } ?? cellCount }
}

extension DensityGrid {
    /// Every cell centre, `dimension` coordinates per cell, row-major in cell order.
    public var centres: [Double] {
        var out = [Double](repeating: 0, count: cellCount * dimension)
        for k in 0..<cellCount { for (a, v) in centre(k).enumerated() { out[k * dimension + a] = v } }
        return out
    }
}
