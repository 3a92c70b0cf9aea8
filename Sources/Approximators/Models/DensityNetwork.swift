import Foundation
import Neural

/// A density network: an MLP of the time whose outputs are the logits of the grid's cells,
/// `p_c(t) = softmax_c(f(t~))` over the active cells (inactive cells masked out), trained by
/// maximum likelihood, i.e. the cross-entropy `-sum_k sum_c p^_kc log p_c(t_k)` with the binned
/// weighted samples `p^_k` of each slice (the exact histogram of each slice, so a minibatch is a
/// set of slices and no sampling noise is added). The density is `p_c(t) / |cell|` on cell `c`
/// (piecewise constant); draws pick a cell by `p(t)` and a point uniformly in it.
///
/// The position is the output index, so the input is the normalised time `t~ = 2t/T - 1` only; the
/// output layer is `cellCount x width` (6400 x 64 on an 80 x 80 grid). With 21 slices the network
/// can represent each slice's histogram (the maximum-likelihood estimate on the cells), so the
/// finite number of Adam steps and the shared hidden features of `t` are its only smoothing.
public struct DensityNetwork: DensityApproximator {
    public var training: TrainingSettings
    public var kind: ApproximatorKind { .densityNetwork }
    /// The largest grid accepted (cells), to keep the output layer affordable.
    public static let maxCells = 1 << 16

    /// Defaults: width 64, two tanh layers, 2000 Adam steps at 1e-2, minibatches of 32 slices
    /// (all slices each step when there are at most 32).
    public init(training: TrainingSettings = TrainingSettings(steps: 2000, batch: 32, learningRate: 1e-2)) {
        self.training = training
    }

    public func fit(_ data: FitData, seed: UInt64) throws -> any PopulationModel {
        try training.validate("density network")
        let grid = data.grid, cells = grid.cellCount
        guard cells <= Self.maxCells else {
            throw ApproximatorError("density network: \(cells) cells, at most \(Self.maxCells) allowed")
        }
        let draws = try SliceDraws(data.samples, model: "density network")
        let scaling = InputScaling(grid: grid, horizon: draws.times.max() ?? 1)
        let slices = draws.sliceCount
        // The binned targets, one row of cell masses per slice.
        var targets = [Float](repeating: 0, count: slices * cells)
        for k in 0 ..< slices {
            var total = 0.0
            var row = [Double](repeating: 0, count: cells)
            data.samples.points[k].withUnsafeBufferPointer { p in
                for (i, w) in data.samples.weights[k].enumerated() {
                    if let c = grid.cell(containing: p.baseAddress! + i * grid.dimension) { row[c] += w; total += w }
                }
            }
            guard total > 0 else {
                throw ApproximatorError("density network: slice \(k) (t = \(draws.times[k])) has no samples in the active cells")
            }
            for c in 0 ..< cells { targets[k * cells + c] = Float(row[c] / total) }
        }
        let mask = (0 ..< cells).map { grid.isActive($0) }
        let network = training.network(inputs: 1, outputs: cells, seed: seed)
        let adam = training.optimiser(for: network)
        let batch = min(training.batch, slices)
        let workspace = network.makeWorkspace(maxBatch: batch)
        var input = [Float](repeating: 0, count: batch)
        var rows = [Int](repeating: 0, count: batch)
        var gradient = [Float](repeating: 0, count: batch * cells)
        var generator = SeededGenerator(seed: seed ^ 0xD1CE_5EED)
        for _ in 0 ..< training.steps {
            for r in 0 ..< batch {
                rows[r] = batch == slices ? r : generator.index(below: slices)
                input[r] = scaling.time(draws.times[rows[r]])
            }
            input.withUnsafeBufferPointer { x in
                gradient.withUnsafeMutableBufferPointer { g in
                    targets.withUnsafeBufferPointer { target in
                        let logits = network.forward(x.baseAddress!, batch: batch, workspace: workspace)
                        for r in 0 ..< batch {
                            maskedSoftmax(logits + r * cells, into: g.baseAddress! + r * cells, mask: mask)
                            let row = g.baseAddress! + r * cells, p = target.baseAddress! + rows[r] * cells
                            let scale = 1 / Float(batch)
                            for c in 0 ..< cells { row[c] = (row[c] - p[c]) * scale }
                        }
                        network.backward(outputGradient: g.baseAddress!, batch: batch, workspace: workspace)
                    }
                }
            }
            adam.step(network)
        }
        return DensityNetworkModel(grid: grid, scaling: scaling, network: FrozenNetwork(network))
    }
}

/// `out = softmax(z)` over the cells where `mask` is true, 0 elsewhere (shifted by the largest
/// unmasked logit).
@inline(__always)
func maskedSoftmax(_ z: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>, mask: [Bool]) {
    var largest = -Float.infinity
    for c in mask.indices where mask[c] { largest = max(largest, z[c]) }
    var total: Float = 0
    for c in mask.indices {
        let e = mask[c] ? Foundation.exp(z[c] - largest) : 0
        out[c] = e
        total += e
    }
    let inverse = 1 / total
    for c in mask.indices { out[c] *= inverse }
}

/// A fitted ``DensityNetwork``: cell probabilities of any time in `[0, T]`.
public struct DensityNetworkModel: PopulationModel {
    public let grid: DensityGrid
    let scaling: InputScaling
    let network: FrozenNetwork

    public var kind: ApproximatorKind { .densityNetwork }
    public var dimension: Int { grid.dimension }

    /// The cell masses `p(t)` (summing to 1, zero on inactive cells).
    public func cellMasses(time t: Double) -> [Double] {
        let logits = network.evaluate([scaling.time(t)], rows: 1)
        var p = [Float](repeating: 0, count: grid.cellCount)
        let mask = (0 ..< grid.cellCount).map { grid.isActive($0) }
        logits.withUnsafeBufferPointer { z in
            p.withUnsafeMutableBufferPointer { maskedSoftmax(z.baseAddress!, into: $0.baseAddress!, mask: mask) }
        }
        return p.map(Double.init)
    }

    public func density(at points: [Double], time t: Double) -> [Double]? {
        let masses = cellMasses(time: t), volume = grid.cellVolume
        return points.withUnsafeBufferPointer { p in
            (0 ..< points.count / dimension).map { i in
                grid.cell(containing: p.baseAddress! + i * dimension).map { masses[$0] / volume } ?? 0
            }
        }
    }

    public func sample(time t: Double, count: Int, generator: inout SeededGenerator) -> [Double] {
        guard let table = WeightedTable(cellMasses(time: t)) else { return [] }
        let h = grid.spacing, fold = DomainFold(grid)
        var out = [Double](repeating: 0, count: count * dimension)
        for i in 0 ..< count {
            let centre = grid.centre(table.draw(&generator))
            for a in 0 ..< dimension {
                out[i * dimension + a] = fold.fold(centre[a] + (generator.unit() - 0.5) * h[a], axis: a).value
            }
        }
        return out
    }
}
