import Foundation
import Neural

/// The generative-discriminative model (the GD-MFRL seed's generator and discriminator, trained as
/// a GAN, Goodfellow et al. 2014): the generator ``GeneratorModel`` `G(t, z)` from m0 and a
/// discriminator `D(t, x)`, an MLP of `(t~, x~)` with a logistic output, alternating
///
///     D step:  min  -E log sigmoid(D(t, x_obs)) - E log(1 - sigmoid(D(t, G(t, z))))
///     G step:  min  -E log sigmoid(D(t, G(t, z)))        (the non-saturating loss)
///
/// over minibatches of rows at slices `t = t_k, k >= 1` drawn uniformly (slice 0 is exact). The
/// generator's gradient is D's input gradient, `dL/dx = -(1 - sigmoid(D)) dD/dx`, back-propagated
/// through the fold and `G`. Both use Adam with `beta1 = 0.5, beta2 = 0.9` (APAC-Net's settings).
/// A sample-only model: ``PopulationModel/density(at:time:)`` is nil.
public struct GenerativeDiscriminative: DensityApproximator {
    /// The generator's network and the training length (steps = generator steps, each after one
    /// discriminator step; batch = observed rows = generated rows per step).
    public var training: TrainingSettings
    /// The discriminator's step size (its width, depth and activation are the generator's).
    public var discriminatorLearningRate: Double
    /// The standard deviation, in cells, of the Gaussian smoothing of the slice-0 draws.
    public var initialSmoothing: Double

    public var kind: ApproximatorKind { .generativeDiscriminative }

    /// Defaults: width 64, two tanh layers, 3000 steps of batch 256, step sizes 1e-3 (generator)
    /// and 2e-3 (discriminator), m0 smoothed by half a cell.
    public init(training: TrainingSettings = TrainingSettings(steps: 3000, batch: 256, learningRate: 1e-3),
                discriminatorLearningRate: Double = 2e-3, initialSmoothing: Double = 0.5) {
        self.training = training
        self.discriminatorLearningRate = discriminatorLearningRate
        self.initialSmoothing = initialSmoothing
    }

    public func fit(_ data: FitData, seed: UInt64) throws -> any PopulationModel {
        let name = "generative-discriminative"
        try training.validate(name)
        try checkSetting(discriminatorLearningRate, in: 1e-12 ... 1, "the discriminator learning rate", model: name)
        try checkSetting(initialSmoothing, in: 0 ... 100, "the initial smoothing (cells)", model: name)
        let draws = try generatorSlices(data, model: name)
        let grid = data.grid, d = grid.dimension, B = training.batch
        let scaling = InputScaling(grid: grid, horizon: draws.times[draws.sliceCount - 1])
        let initial = InitialDraws(draws, grid: grid, smoothingCells: initialSmoothing)
        let generatorTrainer = GeneratorTrainer(training: training, grid: grid, scaling: scaling, maxRows: B,
                                                seed: seed, beta1: 0.5, beta2: 0.9)
        let critic = Discriminator(training: training, learningRate: discriminatorLearningRate, scaling: scaling,
                                   maxRows: B, seed: seed &+ 0xD15C)
        var generator = SeededGenerator(seed: seed ^ 0x6A_5EED)
        var slices = [Int](repeating: 0, count: B), times = [Double](repeating: 0, count: B)
        var z = [Double](repeating: 0, count: B * d), observed = z

        /// Fresh slices (k >= 1) and m0 draws.
        func drawRows() {
            z.withUnsafeMutableBufferPointer { p in
                for r in 0 ..< B {
                    slices[r] = 1 + generator.index(below: draws.sliceCount - 1)
                    times[r] = draws.times[slices[r]]
                    initial.draw(into: p.baseAddress! + r * d, &generator)
                }
            }
        }
        for _ in 0 ..< training.steps {
            drawRows()
            for r in 0 ..< B {
                let k = slices[r], i = draws.draw(slice: k, &generator)
                for a in 0 ..< d { observed[r * d + a] = draws.points[k][i * d + a] }
            }
            generatorTrainer.forward(times: times, z: z, rows: B)
            critic.step(times: times, observed: observed, generated: generatorTrainer.x, rows: B)
            drawRows()
            _ = critic.generatorLossAndGradient(generatorTrainer, times: times, z: z, rows: B)
            generatorTrainer.step()
        }
        return GeneratorModel(kind: kind, grid: grid, scaling: scaling, network: FrozenNetwork(generatorTrainer.network),
                              initial: initial)
    }
}

/// The discriminator `D(t, x)` (logits) with its optimiser and buffers for `2 maxRows` rows.
final class Discriminator {
    let network: MLP
    let scaling: InputScaling
    private let adam: Adam
    private let workspace: MLPWorkspace
    private var input: [Float], logitGradient: [Float], inputGradient: [Float], pointGradient: [Double]

    init(training: TrainingSettings, learningRate: Double, scaling: InputScaling, maxRows: Int, seed: UInt64) {
        let d = scaling.dimension
        network = training.network(inputs: 1 + d, outputs: 1, seed: seed)
        self.scaling = scaling
        adam = Adam(parameterCount: network.parameterCount, learningRate: Float(learningRate), beta1: 0.5, beta2: 0.9)
        workspace = network.makeWorkspace(maxBatch: 2 * maxRows)
        input = [Float](repeating: 0, count: 2 * maxRows * (1 + d))
        logitGradient = [Float](repeating: 0, count: 2 * maxRows)
        inputGradient = [Float](repeating: 0, count: maxRows * (1 + d))
        pointGradient = [Double](repeating: 0, count: maxRows * d)
    }

    private func setRow(_ r: Int, time t: Double, _ points: [Double], _ i: Int) {
        let d = scaling.dimension, width = 1 + d
        input[r * width] = scaling.time(t)
        for a in 0 ..< d { input[r * width + 1 + a] = scaling.position(points[i * d + a], axis: a) }
    }

    /// One Adam step on the logistic loss of `rows` observed (label 1) and generated (label 0) points.
    func step(times: [Double], observed: [Double], generated: [Double], rows: Int) {
        for r in 0 ..< rows {
            setRow(r, time: times[r], observed, r)
            setRow(rows + r, time: times[r], generated, r)
        }
        input.withUnsafeBufferPointer { xin in
            logitGradient.withUnsafeMutableBufferPointer { g in
                let logits = network.forward(xin.baseAddress!, batch: 2 * rows, workspace: workspace)
                for r in 0 ..< 2 * rows {
                    let p = 1 / (1 + exp(-Double(logits[r])))
                    g[r] = Float((r < rows ? p - 1 : p) / Double(rows))
                }
                network.backward(outputGradient: g.baseAddress!, batch: 2 * rows, workspace: workspace)
            }
        }
        adam.step(network)
    }

    /// The generator's non-saturating loss `mean -log sigmoid(D(t, G(t, z)))` and its gradient in
    /// `trainer.network.gradients` (D's parameter gradients are overwritten, D is not stepped).
    func generatorLossAndGradient(_ trainer: GeneratorTrainer, times: [Double], z: [Double], rows: Int) -> Double {
        let d = scaling.dimension, width = 1 + d
        trainer.forward(times: times, z: z, rows: rows)
        for r in 0 ..< rows { setRow(r, time: times[r], trainer.x, r) }
        var loss = 0.0
        input.withUnsafeBufferPointer { xin in
            logitGradient.withUnsafeMutableBufferPointer { g in
                inputGradient.withUnsafeMutableBufferPointer { ig in
                    let logits = network.forward(xin.baseAddress!, batch: rows, workspace: workspace)
                    for r in 0 ..< rows {
                        let l = Double(logits[r])
                        // -log sigmoid(l) = log(1 + e^{-l}), computed stably.
                        loss += max(-l, 0) + log1p(exp(-abs(l)))
                        g[r] = Float((1 / (1 + exp(-l)) - 1) / Double(rows))
                    }
                    network.backward(outputGradient: g.baseAddress!, batch: rows, workspace: workspace,
                                     inputGradient: ig.baseAddress!)
                }
            }
        }
        for r in 0 ..< rows {
            for a in 0 ..< d { pointGradient[r * d + a] = Double(inputGradient[r * width + 1 + a]) / scaling.halfWidth[a] }
        }
        trainer.backward(pointGradient, rows: rows)
        return loss / Double(rows)
    }
}
