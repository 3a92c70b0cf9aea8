import Foundation
import Neural

/// Training state of the 2D RealNVP flow (Dinh, Sohl-Dickstein, Bengio 2017): `L` affine couplings
/// from standardised data `z_0 = u` to the base `z_L ~ N(0, I)`,
///
///     layer l (j = l mod 2 transformed, c = 1 - j kept):
///     (s_raw, b) = NN_l(t~, z_c),  s = S tanh(s_raw / S),  z'_j = z_j e^s + b,  z'_c = z_c
///     log p(u | t) = -|z_L|^2 / 2 - log(2 pi) + sum_l s_l
///
/// Backpropagation through the couplings by hand, from `dL/dz_L = z_L / B` for the mean loss
/// `L = mean(-log p)`: `dL/dz_j = g_j e^s`, `dL/ds = g_j z_j e^s - 1/B`, `dL/db = g_j`,
/// `dL/ds_raw = dL/ds (1 - (s/S)^2)`, and `dL/dz_c = g_c + (NN_l's input gradient)_c`.
final class CouplingFlowTrainer {
    let networks: [MLP]
    let scaleBound: Float
    private let adams: [Adam]
    private let workspaces: [MLPWorkspace]
    /// `z[l]`: the rows entering layer l (`z[L]` the base points), `[B, 2]` each.
    private var z: [[Float]]
    /// `scales[l]`: the bounded log-scales `s` of layer l, `[B]`.
    private var scales: [[Float]]
    private var input: [Float], outputGradient: [Float], inputGradient: [Float], g: [Float]

    init(training: TrainingSettings, couplings: Int, scaleBound: Float, seed: UInt64) {
        self.scaleBound = scaleBound
        networks = (0 ..< couplings).map { l in
            let net = training.network(inputs: 2, outputs: 2, seed: seed &+ UInt64(l) &* 0x9E37_79B9)
            net.scaleOutputLayer(by: 0.1)
            return net
        }
        adams = networks.map { training.optimiser(for: $0) }
        let batch = training.batch
        workspaces = networks.map { $0.makeWorkspace(maxBatch: batch) }
        z = [[Float]](repeating: [Float](repeating: 0, count: 2 * batch), count: couplings + 1)
        scales = [[Float]](repeating: [Float](repeating: 0, count: batch), count: couplings)
        input = [Float](repeating: 0, count: 2 * batch)
        outputGradient = input
        inputGradient = input
        g = input
    }

    /// The mean negative log-likelihood (standardised coordinates) of `rows` points `(u_x, u_y)` at
    /// normalised times, and its gradient in every network's `gradients`.
    func lossAndGradient(times: [Float], points: [Float], rows: Int) -> Double {
        let L = networks.count, S = scaleBound
        for k in 0 ..< 2 * rows { z[0][k] = points[k] }
        for l in 0 ..< L {
            let j = l % 2, c = 1 - j
            for r in 0 ..< rows { input[2 * r] = times[r]; input[2 * r + 1] = z[l][2 * r + c] }
            input.withUnsafeBufferPointer { x in
                let out = networks[l].forward(x.baseAddress!, batch: rows, workspace: workspaces[l])
                for r in 0 ..< rows {
                    let s = S * Foundation.tanh(out[2 * r] / S)
                    scales[l][r] = s
                    z[l + 1][2 * r + j] = z[l][2 * r + j] * Foundation.exp(s) + out[2 * r + 1]
                    z[l + 1][2 * r + c] = z[l][2 * r + c]
                }
            }
        }
        var loss = 0.0
        let inverseRows = 1 / Float(rows)
        for r in 0 ..< rows {
            let y0 = Double(z[L][2 * r]), y1 = Double(z[L][2 * r + 1])
            var logDet = 0.0
            for l in 0 ..< L { logDet += Double(scales[l][r]) }
            loss += (y0 * y0 + y1 * y1) / 2 + log(2 * Double.pi) - logDet
            g[2 * r] = z[L][2 * r] * inverseRows
            g[2 * r + 1] = z[L][2 * r + 1] * inverseRows
        }
        for l in stride(from: L - 1, through: 0, by: -1) {
            let j = l % 2, c = 1 - j
            for r in 0 ..< rows {
                let s = scales[l][r], e = Foundation.exp(s), gj = g[2 * r + j]
                let ds = gj * z[l][2 * r + j] * e - inverseRows
                outputGradient[2 * r] = ds * (1 - (s / S) * (s / S))
                outputGradient[2 * r + 1] = gj
                g[2 * r + j] = gj * e
            }
            outputGradient.withUnsafeBufferPointer { dy in
                inputGradient.withUnsafeMutableBufferPointer { dx in
                    networks[l].backward(outputGradient: dy.baseAddress!, batch: rows, workspace: workspaces[l],
                                         inputGradient: dx.baseAddress!)
                }
            }
            for r in 0 ..< rows { g[2 * r + c] += inputGradient[2 * r + 1] }
        }
        return loss / Double(rows)
    }

    func step(learningRate: Float) {
        for (adam, net) in zip(adams, networks) {
            adam.learningRate = learningRate
            adam.step(net)
        }
    }
}

/// A fitted 2D flow, restricted to the grid's active cells and renormalised there by the midpoint
/// rule on the cells.
public struct CouplingFlowModel: PopulationModel {
    public let grid: DensityGrid
    let scaling: InputScaling
    let standard: Standardisation
    let networks: [FrozenNetwork]
    let scaleBound: Float

    public var kind: ApproximatorKind { .flow }
    public var dimension: Int { 2 }

    /// `log p(x | t)` of the unrestricted flow at `count` points.
    func flowLogDensity(at points: [Double], time t: Double) -> [Double] {
        let n = points.count / 2, tt = scaling.time(t)
        var zs = (0 ..< 2 * n).map { Float(standard.forward(points[$0], axis: $0 % 2)) }
        var logDet = [Double](repeating: -standard.logDeterminant, count: n)
        for (l, net) in networks.enumerated() {
            let j = l % 2, c = 1 - j
            var input = [Float](repeating: tt, count: 2 * n)
            for r in 0 ..< n { input[2 * r + 1] = zs[2 * r + c] }
            let out = net.evaluate(input, rows: n)
            for r in 0 ..< n {
                let s = scaleBound * Foundation.tanh(out[2 * r] / scaleBound)
                zs[2 * r + j] = zs[2 * r + j] * Foundation.exp(s) + out[2 * r + 1]
                logDet[r] += Double(s)
            }
        }
        return (0 ..< n).map { r in
            let y0 = Double(zs[2 * r]), y1 = Double(zs[2 * r + 1])
            return -(y0 * y0 + y1 * y1) / 2 - log(2 * Double.pi) + logDet[r]
        }
    }

    /// The flow's mass on the active cells at time t (midpoint rule).
    func domainMass(time t: Double) -> Double {
        let cells = (0 ..< grid.cellCount).filter { grid.isActive($0) }
        let centres = cells.flatMap { grid.centre($0) }
        return flowLogDensity(at: centres, time: t).reduce(0) { $0 + exp($1) } * grid.cellVolume
    }

    public func density(at points: [Double], time t: Double) -> [Double]? {
        let mass = domainMass(time: t), log = flowLogDensity(at: points, time: t)
        return points.withUnsafeBufferPointer { p in
            log.indices.map { i in
                grid.cell(containing: p.baseAddress! + 2 * i) == nil || !(mass > 0) ? 0 : exp(log[i]) / mass
            }
        }
    }

    public func sample(time t: Double, count: Int, generator: inout SeededGenerator) -> [Double] {
        var out = [Double](repeating: 0, count: 2 * count)
        var missing = Array(0 ..< count), round = 0
        let tt = scaling.time(t)
        while !missing.isEmpty {
            let n = missing.count
            var ys = (0 ..< 2 * n).map { _ in Float(generator.normal()) }
            for l in stride(from: networks.count - 1, through: 0, by: -1) {
                let j = l % 2, c = 1 - j
                var input = [Float](repeating: tt, count: 2 * n)
                for r in 0 ..< n { input[2 * r + 1] = ys[2 * r + c] }
                let o = networks[l].evaluate(input, rows: n)
                for r in 0 ..< n {
                    let s = scaleBound * Foundation.tanh(o[2 * r] / scaleBound)
                    ys[2 * r + j] = (ys[2 * r + j] - o[2 * r + 1]) * Foundation.exp(-s)
                }
            }
            var still: [Int] = []
            for (r, i) in missing.enumerated() {
                var p = [standard.inverse(Double(ys[2 * r]), axis: 0), standard.inverse(Double(ys[2 * r + 1]), axis: 1)]
                if round >= 100 {  // give up redrawing: clamp into the domain
                    for a in 0 ..< 2 { p[a] = min(max(p[a], grid.lower[a]), grid.upper[a]) }
                }
                let inside = p.withUnsafeBufferPointer { grid.cell(containing: $0.baseAddress!) } != nil
                if inside || round >= 100 { out[2 * i] = p[0]; out[2 * i + 1] = p[1] } else { still.append(i) }
            }
            missing = still
            round += 1
        }
        return out
    }
}
