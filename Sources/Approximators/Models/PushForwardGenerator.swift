import Foundation
import Neural

/// The generator of the generative models, in APAC-Net's form (Lin, Fung, Li, Nurbekyan, Osher,
/// PNAS 2021) with the identity as base map:
///
///     G(t, z) = fold( z + (t / T) r ⊙ NN(t~, z~) ),   z ~ m0
///
/// `r` the domain's half-widths, `fold` the reflection at walls (wrap on a torus, ``DomainFold``),
/// `z` a draw of the slice-0 samples smoothed by a Gaussian of `initialSmoothing` cells (folded
/// into the domain). At `t = 0` the factor is exactly 0, so `G(0, z) = z` bit for bit: the initial
/// condition holds by construction.
struct InitialDraws: Sendable, Equatable {
    let points: [Double]
    let table: WeightedTable
    let smoothing: [Double]
    let fold: DomainFold

    init(_ draws: SliceDraws, grid: DensityGrid, smoothingCells: Double) {
        points = draws.points[0]
        table = draws.tables[0]
        smoothing = grid.spacing.map { $0 * smoothingCells }
        fold = DomainFold(grid)
    }

    var dimension: Int { smoothing.count }

    /// One draw of the smoothed m0 into `z[0 ..< dimension]`.
    @inline(__always) func draw(into z: UnsafeMutablePointer<Double>, _ generator: inout SeededGenerator) {
        let i = table.draw(&generator)
        for a in 0 ..< dimension {
            var v = points[i * dimension + a]
            if smoothing[a] > 0 { v = fold.fold(v + smoothing[a] * generator.normal(), axis: a).value }
            z[a] = v
        }
    }
}

/// The common checks of the generator models: at least two slices, increasing times, the first
/// at 0 (the slice the generator pushes forward).
func generatorSlices(_ data: FitData, model: String) throws -> SliceDraws {
    let draws = try SliceDraws(data.samples, model: model)
    guard draws.sliceCount >= 2 else { throw ApproximatorError("\(model): needs at least two time slices") }
    guard draws.times[0] == 0 else {
        throw ApproximatorError("\(model): the generator pushes slice 0 forward, so its time must be 0, got \(draws.times[0])")
    }
    for k in 1 ..< draws.sliceCount where !(draws.times[k] > draws.times[k - 1]) {
        throw ApproximatorError("\(model): slice times must increase, got \(draws.times[k - 1]) then \(draws.times[k])")
    }
    return draws
}

/// Training state of `G`: the network, its optimiser and workspace, and the buffers of up to
/// `maxRows` rows (nothing allocated per step).
final class GeneratorTrainer {
    let network: MLP
    let scaling: InputScaling
    let fold: DomainFold
    let maxRows: Int
    private let adam: Adam
    private let workspace: MLPWorkspace
    private var input: [Float], outputGradient: [Float]
    /// Per row: `t / T`; per coordinate: the fold's slope.
    private var factor: [Double], slope: [Double]
    /// The generated points of the last ``forward(times:z:rows:)``, `[rows, d]`.
    private(set) var x: [Double]

    init(training: TrainingSettings, grid: DensityGrid, scaling: InputScaling, maxRows: Int, seed: UInt64,
         beta1: Float = 0.9, beta2: Float = 0.999) {
        let d = grid.dimension
        network = training.network(inputs: 1 + d, outputs: d, seed: seed)
        network.scaleOutputLayer(by: 0.1)
        self.scaling = scaling
        fold = DomainFold(grid)
        self.maxRows = maxRows
        adam = training.optimiser(for: network, beta1: beta1, beta2: beta2)
        workspace = network.makeWorkspace(maxBatch: maxRows)
        input = [Float](repeating: 0, count: maxRows * (1 + d))
        outputGradient = [Float](repeating: 0, count: maxRows * d)
        factor = [Double](repeating: 0, count: maxRows)
        slope = [Double](repeating: 0, count: maxRows * d)
        x = slope
        average = network.parameters
    }

    var dimension: Int { scaling.dimension }

    /// `x = G(t_r, z_r)` for `rows` rows (`times[r]`, `z[r d ..< r d + d]`).
    func forward(times: [Double], z: [Double], rows: Int) {
        let d = dimension, width = 1 + d
        for r in 0 ..< rows {
            input[r * width] = scaling.time(times[r])
            for a in 0 ..< d { input[r * width + 1 + a] = scaling.position(z[r * d + a], axis: a) }
            factor[r] = times[r] / scaling.horizon
        }
        input.withUnsafeBufferPointer { xin in
            let out = network.forward(xin.baseAddress!, batch: rows, workspace: workspace)
            for r in 0 ..< rows {
                for a in 0 ..< d {
                    let moved = z[r * d + a] + factor[r] * scaling.halfWidth[a] * Double(out[r * d + a])
                    (x[r * d + a], slope[r * d + a]) = fold.fold(moved, axis: a)
                }
            }
        }
    }

    /// Back-propagates `dL/dx` (`[rows, d]`) of the last forward pass into `network.gradients`.
    func backward(_ gradient: [Double], rows: Int) {
        let d = dimension
        for r in 0 ..< rows {
            for a in 0 ..< d {
                outputGradient[r * d + a] = Float(gradient[r * d + a] * slope[r * d + a] * factor[r] * scaling.halfWidth[a])
            }
        }
        outputGradient.withUnsafeBufferPointer { g in
            network.backward(outputGradient: g.baseAddress!, batch: rows, workspace: workspace)
        }
    }

    func step() { adam.step(network) }

    /// The step size of the generator's optimiser (for a schedule).
    var learningRate: Float {
        get { adam.learningRate }
        set { adam.learningRate = newValue }
    }

    /// The exponential moving average of the parameters, `theta_avg <- beta theta_avg + (1 - beta) theta`
    /// after every ``updateAverage(decay:)``, starting from the initial parameters.
    private var average: [Float]
    private var averaged = false

    func updateAverage(decay beta: Float) {
        averaged = true
        let c = 1 - beta
        network.parameters.withUnsafeBufferPointer { p in
            average.withUnsafeMutableBufferPointer { a in
                for q in 0 ..< a.count { a[q] = beta * a[q] + c * p[q] }
            }
        }
    }

    /// A network with the averaged parameters (the trained ones if no average was kept).
    func averagedNetwork() -> MLP {
        MLP(layerSizes: network.layerSizes, parameters: averaged ? average : network.parameters,
            activation: network.activation)
    }
}

/// A fitted generator: draws are `G(t, z)` for draws `z` of the smoothed m0; no density.
public struct GeneratorModel: PopulationModel {
    public let kind: ApproximatorKind
    public let grid: DensityGrid
    let scaling: InputScaling
    let network: FrozenNetwork
    let initial: InitialDraws

    public var dimension: Int { grid.dimension }

    public func density(at points: [Double], time t: Double) -> [Double]? { nil }

    /// `G(t, z)` for `z.count / dimension` points `z` (row-major).
    public func transport(_ z: [Double], time t: Double) -> [Double] {
        let d = dimension, n = z.count / d, fold = DomainFold(grid)
        var input = [Float](repeating: scaling.time(t), count: n * (1 + d))
        for r in 0 ..< n { for a in 0 ..< d { input[r * (1 + d) + 1 + a] = scaling.position(z[r * d + a], axis: a) } }
        let out = network.evaluate(input, rows: n), factor = t / scaling.horizon
        return (0 ..< n * d).map { k in
            fold.fold(z[k] + factor * scaling.halfWidth[k % d] * Double(out[k]), axis: k % d).value
        }
    }

    public func sample(time t: Double, count: Int, generator: inout SeededGenerator) -> [Double] {
        var z = [Double](repeating: 0, count: count * dimension)
        z.withUnsafeMutableBufferPointer { p in
            for i in 0 ..< count { initial.draw(into: p.baseAddress! + i * dimension, &generator) }
        }
        return transport(z, time: t)
    }
}
