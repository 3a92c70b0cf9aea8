import Foundation

/// Scalar functionals of a solution, reported by every solve (`summary.json` `functionals`).
///
/// With `h` the cell volume, `a^n` the control of FP step `n -> n+1` and `m^{n+1}` the density it
/// transports (the pairing of the scheme, `DiscreteMFG`):
///
/// - `socialCost`: the population's total cost
///   `sum_n dt sum_i h m^{n+1}_i (L(a^n_i, m^{n+1}_i) + F(t_{n+1}, x_i, m^{n+1}) + V + K*m^{n+1})
///   + sum_i h G(x_i, m^Nt) m^Nt_i + (exit cost) * (mass that left)`; for an ergodic problem the
///   long-run cost per unit time `sum_i h m_i (L(a_i) + F + V + K*m)`. `L` is the Hamiltonian's
///   Lagrangian (`Hamiltonian.lagrangian`). At a Nash equilibrium it equals `valueAtStart`
///   (ergodic: `lambda`) up to the scheme's error: the representative agent's value is the
///   population's cost. Nil when exits have different costs (the outflow is not split by exit).
/// - `meanFinal`, `varianceFinal`: per axis, of the last time level (the stationary density of an
///   ergodic problem) normalised by its mass, in the domain's coordinates.
/// - `lambda` (ergodic), `outflow` (total mass that left through exits), `valueAtStart`
///   (`sum_i h u^0_i m^0_i`, time-dependent problems).
public struct Functionals: Sendable, Codable, Equatable {
    public var socialCost: Double?
    public var meanFinal: [Double]
    public var varianceFinal: [Double]
    public var lambda: Double?
    public var outflow: Double?
    public var valueAtStart: Double?

    /// The functionals present, by their `summary.json` names, in a fixed order (`mean_final` in 1D,
    /// `mean_final_x` and `mean_final_y` in 2D).
    public var named: [(name: String, value: Double)] {
        var out: [(String, Double)] = []
        if let socialCost { out.append(("social_cost", socialCost)) }
        let axes = meanFinal.count == 1 ? [""] : ["_x", "_y"]
        for (k, suffix) in axes.enumerated() { out.append(("mean_final" + suffix, meanFinal[k])) }
        for (k, suffix) in axes.enumerated() { out.append(("variance_final" + suffix, varianceFinal[k])) }
        if let lambda { out.append(("lambda", lambda)) }
        if let outflow { out.append(("outflow", outflow)) }
        if let valueAtStart { out.append(("value_at_start", valueAtStart)) }
        return out
    }

    /// The functionals of `s`, with the costs of `model` (the problem as posed: for a social
    /// optimum, the original costs, not the planner's marginal ones).
    public init(_ s: Equilibrium, costs model: MFGModel) throws {
        let size = s.levelSize, h = s.cellVolume
        let last = s.level(s.m, s.levels - 1)
        let mass = last.reduce(0, +) * h
        meanFinal = []
        varianceFinal = []
        for axis in 0..<s.dimension {
            var first = 0.0, second = 0.0
            for (q, v) in last.enumerated() {
                let z = s.coordinate(q, axis: axis)
                first += z * v
                second += z * z * v
            }
            let mean = mass > 0 ? first * h / mass : .nan
            meanFinal.append(mean)
            varianceFinal.append(mass > 0 ? max(0, second * h / mass - mean * mean) : .nan)
        }
        lambda = s.lambda
        outflow = s.outflow.map { $0.reduce(0, +) }
        if s.isErgodic {
            valueAtStart = nil
        } else {
            var v = 0.0
            for q in 0..<size { v += s.u[q] * s.m[q] }
            valueAtStart = v * h
        }

        // The population's cost.
        let costs = try RunningCosts(model, x: s.x, y: s.y)
        var exitCost = 0.0
        if let outflow, outflow != 0 {
            let exitCosts = model.exitCosts
            guard let c = exitCosts.first, exitCosts.allSatisfy({ $0 == c }) else {
                socialCost = nil
                return
            }
            exitCost = c * outflow
        }
        let hamiltonian = model.hamiltonian
        var total = 0.0
        var row = [Double](repeating: 0, count: size)
        let steps = s.isErgodic ? 1 : s.nt
        for n in 0..<steps {
            let level = s.isErgodic ? 0 : n + 1
            let t = s.t?[level] ?? 0
            let m = Array(s.level(s.m, level))
            costs.running(t: t, m, into: &row)
            var sum = 0.0
            for q in 0..<size where m[q] != 0 {
                var speed = 0.0
                for k in 0..<s.dimension { let a = s.control[k][n * size + q]; speed += a * a }
                sum += m[q] * (hamiltonian.lagrangian(speedSquared: speed, density: m[q]) + row[q])
            }
            total += sum * h * (s.isErgodic ? 1 : s.t![1] - s.t![0])
        }
        if !s.isErgodic {
            let m = Array(last)
            costs.terminal(m, into: &row)
            var sum = 0.0
            for q in 0..<size { sum += row[q] * m[q] }
            total += sum * h
        }
        socialCost = total + exitCost
    }
}

extension Equilibrium {
    /// The coordinate along `axis` (0: x, 1: y) of the point of index `q` of a level.
    func coordinate(_ q: Int, axis: Int) -> Double {
        let ny = self.ny ?? 1
        return axis == 0 ? x[q / ny] : y![q % ny]
    }
}

extension MFGModel {
    /// The costs of its exits, in any order (empty without exits).
    var exitCosts: [Double] {
        switch self {
        case let .oneD(p): return [p.leftExit, p.rightExit].compactMap { $0 }
        case let .twoD(p): return p.exits.map(\.cost)
        }
    }
}

/// The running cost `F + V + K*m` and the terminal cost `G` of a model on a grid (points `x`, and
/// `y` in 2D), for any density on it, one level at a time.
public struct RunningCosts {
    let model: MFGModel
    let xs: [Double], ys: [Double]
    let h: Double
    let nonlocal1D: NonlocalCoupling?
    let nonlocal2D: NonlocalCoupling2D?

    public init(_ model: MFGModel, x: [Double], y: [Double]?) throws {
        self.model = model
        let ny = y?.count ?? 1, size = x.count * ny
        let hx = x.count > 1 ? x[1] - x[0] : 1
        h = hx * (y.map { $0.count > 1 ? $0[1] - $0[0] : 1 } ?? 1)
        xs = (0..<size).map { x[$0 / ny] }
        ys = y.map { y in (0..<size).map { y[$0 % ny] } } ?? []
        switch model {
        case let .oneD(p):
            let grid = try Grid1D(lower: p.lower, upper: p.upper, count: x.count, boundary: p.boundary)
            nonlocal1D = try p.nonlocalKernel.map { try NonlocalCoupling(kernel: $0, grid: grid) }
            nonlocal2D = nil
        case let .twoD(p):
            nonlocal1D = nil
            let hx = (p.upperX - p.lowerX) / Double(x.count), hy = (p.upperY - p.lowerY) / Double(ny)
            nonlocal2D = try p.nonlocalKernel.map { try NonlocalCoupling2D(kernel: $0, nx: x.count, ny: ny, hx: hx, hy: hy) }
        }
    }

    /// `sum_i h x_i m_i`, the population mean of the 1D costs.
    func mean(_ m: [Double]) -> Double {
        var s = 0.0
        for i in 0..<m.count { s += xs[i] * m[i] }
        return s * h
    }

    /// `out = F(t, x, m, mean) + V(x) + (K * m)(x)`.
    public func running(t: Double, _ m: [Double], into out: inout [Double]) {
        let count = m.count
        switch model {
        case let .oneD(p):
            let mean = mean(m)
            m.withUnsafeBufferPointer { mp in
                xs.withUnsafeBufferPointer { xp in
                    out.withUnsafeMutableBufferPointer { op in
                        p.coupling.evaluate(t: t, x: xp.baseAddress!, m: mp.baseAddress!, mean: mean,
                                            into: op.baseAddress!, count: count)
                    }
                }
            }
            for i in 0..<count { out[i] += p.potential?(xs[i]) ?? 0 }
            if let nonlocal1D { add(convolution(m, nonlocal1D.apply), to: &out) }
        case let .twoD(p):
            m.withUnsafeBufferPointer { mp in
                xs.withUnsafeBufferPointer { xp in
                    ys.withUnsafeBufferPointer { yp in
                        out.withUnsafeMutableBufferPointer { op in
                            p.coupling(t, xp.baseAddress!, yp.baseAddress!, mp.baseAddress!, op.baseAddress!, count)
                        }
                    }
                }
            }
            if let nonlocal2D { add(convolution(m, nonlocal2D.apply), to: &out) }
        }
    }

    /// `out = G(x, m, mean)` at the horizon.
    public func terminal(_ m: [Double], into out: inout [Double]) {
        switch model {
        case let .oneD(p):
            let mean = mean(m)
            for i in 0..<m.count { out[i] = p.terminalCost.value(p.horizon, xs[i], m[i], mean) }
        case let .twoD(p):
            for q in 0..<m.count { out[q] = p.terminalCost(xs[q], ys[q]) }
        }
    }

    /// `K * m` by a coupling's FFT.
    private func convolution(
        _ m: [Double], _ apply: (UnsafePointer<Double>, UnsafeMutablePointer<Double>) -> Void
    ) -> [Double] {
        var out = [Double](repeating: 0, count: m.count)
        m.withUnsafeBufferPointer { mp in out.withUnsafeMutableBufferPointer { apply(mp.baseAddress!, $0.baseAddress!) } }
        return out
    }

    private func add(_ v: [Double], to out: inout [Double]) {
        for i in 0..<v.count { out[i] += v[i] }
    }
}
