import Foundation
import Neural

/// The mixture density network of the 1D flow (Bishop 1994): an MLP of `t~` with `3K` outputs,
/// the logits `a`, means `mu` and raw log-deviations `r` of `K` Gaussians in standardised
/// coordinates, `log sigma_k = c + R tanh(r_k / R)` (bounded in `[c - R, c + R] = [-6, 4]`).
///
/// With `l_k = log pi_k - (u - mu_k)^2 / (2 sigma_k^2) - log sigma_k - log(2 pi) / 2` and the
/// responsibilities `gamma = softmax(l)`, the loss `-log p(u) = -logsumexp(l)` has the gradients
/// `dL/da_k = pi_k - gamma_k`, `dL/dmu_k = -gamma_k (u - mu_k) / sigma_k^2`,
/// `dL/dlog sigma_k = -gamma_k ((u - mu_k)^2 / sigma_k^2 - 1)`.
enum MixtureParameters {
    static let centre = -1.0, range = 5.0

    /// `(log pi_k, mu_k, log sigma_k, dlog sigma/dr)` of one output row.
    @inline(__always)
    static func unpack(_ o: UnsafePointer<Float>, components K: Int, into p: inout [Double]) {
        // p: [logPi (K), mu (K), logSigma (K), slope (K)]
        var largest = -Double.infinity
        for k in 0 ..< K { largest = max(largest, Double(o[k])) }
        var total = 0.0
        for k in 0 ..< K { total += exp(Double(o[k]) - largest) }
        let shift = largest + log(total)
        for k in 0 ..< K {
            p[k] = Double(o[k]) - shift
            p[K + k] = Double(o[K + k])
            let th = tanh(Double(o[2 * K + k]) / range)
            p[2 * K + k] = centre + range * th
            p[3 * K + k] = 1 - th * th
        }
    }
}

/// Training state of the mixture density network: the MLP, its workspace and optimiser, and the
/// buffers of one minibatch (nothing is allocated per step).
final class MixtureDensityTrainer {
    let network: MLP
    let components: Int
    private let adam: Adam
    private let workspace: MLPWorkspace
    private var gradient: [Float]
    private var unpacked: [Double]
    private var componentLog: [Double]

    init(training: TrainingSettings, components: Int, seed: UInt64) {
        self.components = components
        network = training.network(inputs: 1, outputs: 3 * components, seed: seed)
        // Spread the initial means: the output biases of mu_k at evenly spaced standard scores.
        let biases = network.parameterCount - 3 * components
        for k in 0 ..< components {
            network.parameters[biases + components + k] =
                components == 1 ? 0 : Float(-2 + 4 * Double(k) / Double(components - 1))
        }
        adam = training.optimiser(for: network)
        workspace = network.makeWorkspace(maxBatch: training.batch)
        gradient = [Float](repeating: 0, count: training.batch * 3 * components)
        unpacked = [Double](repeating: 0, count: 4 * components)
        componentLog = [Double](repeating: 0, count: components)
    }

    /// The mean negative log-likelihood of `rows` standardised points `u` at normalised times,
    /// and its gradient in `network.gradients`.
    func lossAndGradient(times: [Float], points: [Float], rows: Int) -> Double {
        let K = components, width = 3 * K
        var loss = 0.0
        times.withUnsafeBufferPointer { t in
            gradient.withUnsafeMutableBufferPointer { g in
                let out = network.forward(t.baseAddress!, batch: rows, workspace: workspace)
                for r in 0 ..< rows {
                    let o = out + r * width, gr = g.baseAddress! + r * width, u = Double(points[r])
                    MixtureParameters.unpack(o, components: K, into: &unpacked)
                    var largest = -Double.infinity
                    for k in 0 ..< K {
                        let z = (u - unpacked[K + k]) / exp(unpacked[2 * K + k])
                        componentLog[k] = unpacked[k] - z * z / 2 - unpacked[2 * K + k] - 0.5 * Foundation.log(2 * Double.pi)
                        largest = max(largest, componentLog[k])
                    }
                    var total = 0.0
                    for k in 0 ..< K { total += exp(componentLog[k] - largest) }
                    let lse = largest + Foundation.log(total)
                    loss -= lse
                    let scale = 1 / Double(rows)
                    for k in 0 ..< K {
                        let gamma = exp(componentLog[k] - lse), pi = exp(unpacked[k])
                        let sigma = exp(unpacked[2 * K + k]), z = (u - unpacked[K + k]) / sigma
                        gr[k] = Float(scale * (pi - gamma))
                        gr[K + k] = Float(scale * (-gamma * z / sigma))
                        gr[2 * K + k] = Float(scale * (-gamma * (z * z - 1)) * unpacked[3 * K + k])
                    }
                }
                network.backward(outputGradient: g.baseAddress!, batch: rows, workspace: workspace)
            }
        }
        return loss / Double(rows)
    }

    func step(learningRate: Float) {
        adam.learningRate = learningRate
        adam.step(network)
    }
}

/// A fitted 1D flow (mixture density network), restricted to the grid's domain.
public struct MixtureFlowModel: PopulationModel {
    public let grid: DensityGrid
    let scaling: InputScaling
    let standard: Standardisation
    let network: FrozenNetwork
    let components: Int

    public var kind: ApproximatorKind { .flow }
    public var dimension: Int { 1 }

    /// The mixture at time t in standardised coordinates: `(pi, mu, sigma)` per component.
    func mixture(at t: Double) -> [(weight: Double, mean: Double, sd: Double)] {
        let out = network.evaluate([scaling.time(t)], rows: 1)
        var p = [Double](repeating: 0, count: 4 * components)
        out.withUnsafeBufferPointer { MixtureParameters.unpack($0.baseAddress!, components: components, into: &p) }
        return (0 ..< components).map { (exp(p[$0]), p[components + $0], exp(p[2 * components + $0])) }
    }

    /// The wrapped images summed on a torus (`-2L ... 2L`); one on an interval.
    private var images: [Double] {
        let length = grid.upper[0] - grid.lower[0]
        return grid.periodic ? [-2, -1, 0, 1, 2].map { $0 * length } : [0]
    }

    public func density(at points: [Double], time t: Double) -> [Double]? {
        let mix = mixture(at: t), sd = standard.deviation[0]
        // The mass of the domain (of all images on a torus), from the Gaussian CDFs.
        func cdf(_ x: Double) -> Double {
            mix.reduce(0) { $0 + $1.weight * 0.5 * erfc(-(standard.forward(x, axis: 0) - $1.mean) / ($1.sd * 2.0.squareRoot())) }
        }
        let l = grid.lower[0], u = grid.upper[0]
        let mass = images.reduce(0) { $0 + cdf(u + $1) - cdf(l + $1) }
        return points.map { x in
            guard x >= l && x <= u, mass > 0 else { return 0 }
            var p = 0.0
            for shift in images {
                let v = standard.forward(x + shift, axis: 0)
                for c in mix {
                    let z = (v - c.mean) / c.sd
                    p += c.weight * exp(-z * z / 2) / (c.sd * (2 * Double.pi).squareRoot())
                }
            }
            return p / sd / mass
        }
    }

    public func sample(time t: Double, count: Int, generator: inout SeededGenerator) -> [Double] {
        let mix = mixture(at: t)
        guard let table = WeightedTable(mix.map(\.weight)) else { return [] }
        let fold = DomainFold(grid), l = grid.lower[0], u = grid.upper[0]
        return (0 ..< count).map { _ in
            var x = 0.0
            for attempt in 0 ..< 1000 {
                let c = mix[table.draw(&generator)]
                x = standard.inverse(c.mean + c.sd * generator.normal(), axis: 0)
                if grid.periodic { x = fold.fold(x, axis: 0).value }
                if x >= l && x <= u { break }
                if attempt == 999 { x = min(max(x, l), u) }
            }
            return x
        }
    }
}
