import Foundation
import Neural

/// The generative-discriminative model (the GD-MFRL seed's generator and discriminator, trained as
/// a GAN, Goodfellow et al. 2014): the generator ``GeneratorModel`` `G(t, z)` from m0 and a
/// discriminator `D(t, x)`, an MLP of `(t~, x~)` with a logistic output, alternating
///
///     D step:  min  -E log sigmoid(D(t, x_obs)) - E log(1 - sigmoid(D(t, G(t, z))))
///                   + (gamma / 2) E |grad_x~ D(t, x_obs)|^2
///     G step:  min  -E log sigmoid(D(t, G(t, z)))        (the non-saturating loss)
///
/// over minibatches of rows at slices `t = t_k, k >= 1` drawn uniformly (slice 0 is exact). The
/// generator's gradient is D's input gradient, `dL/dx = -(1 - sigmoid(D)) dD/dx`, back-propagated
/// through the fold and `G`. Both use Adam with `beta1 = 0.5, beta2 = 0.9` (APAC-Net's settings).
///
/// Stabilisation (the plain alternation collapses: too narrow laws, drifting means, filaments in 2D):
///
/// - **R1 gradient penalty** (Mescheder, Geiger, Nowozin, "Which training methods for GANs do
///   actually converge?", ICML 2018): the zero-centred penalty `(gamma / 2) E |grad_x D|^2` on the
///   observed points only, in the normalised positions `x~` (not in t, the conditioning). It makes
///   the equilibrium `G = law, D = const` locally attractive, where the unregularised game circles
///   around it. The gradient of the penalty in D's parameters needs a second derivative; it is
///   taken exactly for the estimate by central differences along each axis,
///
///       |grad_x~ D|^2 = sum_a (D(x~ + eps e_a) - D(x~ - eps e_a))^2 / (4 eps^2) + O(eps^2),
///
///   `eps = 1e-2`: the `2d` shifted copies of the observed rows go through the same forward and
///   backward pass as the logistic rows, with output gradients `+- gamma Delta_a / (4 eps^2 B)`.
/// - **Averaged generator** (Yazici, Foo, Winkler, Lim, Piliouras, Chandrasekhar, "The unusual
///   effectiveness of averaging in GAN training", ICLR 2019): the fitted model is the exponential
///   moving average of G's parameters, `beta = averageDecay`, which damps the residual rotation
///   of the game around the equilibrium.
/// - Both step sizes decay to a tenth along a half cosine (``TrainingSettings`` schedule).
/// - On a torus D sees `(cos pi x~, sin pi x~)` per axis, a function on the torus: a population
///   across the wrap point is one bump for it, not two at opposite edges (without this, with the
///   penalty, the generator stayed at m0 on crowd-aversion-1d: W1 / floor 49; with it, 4.5).
///
/// A sample-only model: ``PopulationModel/density(at:time:)`` is nil.
public struct GenerativeDiscriminative: DensityApproximator {
    /// The generator's network and the training length (steps = generator steps, each after one
    /// discriminator step; batch = observed rows = generated rows per step).
    public var training: TrainingSettings
    /// The discriminator's step size (its width, depth and activation are the generator's).
    public var discriminatorLearningRate: Double
    /// The standard deviation, in cells, of the Gaussian smoothing of the slice-0 draws.
    public var initialSmoothing: Double
    /// The weight `gamma` of the R1 penalty (0: none).
    public var gradientPenalty: Double
    /// The decay `beta` of the generator's parameter average (0: the last iterate).
    public var averageDecay: Double

    public var kind: ApproximatorKind { .generativeDiscriminative }

    /// Defaults: width 64, two tanh layers, 3000 steps of batch 256, step sizes 2e-3 (generator)
    /// and 4e-3 (discriminator), m0 smoothed by half a cell, R1 weight 1, average decay 0.99.
    public init(training: TrainingSettings = TrainingSettings(steps: 3000, batch: 256, learningRate: 2e-3),
                discriminatorLearningRate: Double = 4e-3, initialSmoothing: Double = 0.5,
                gradientPenalty: Double = 1, averageDecay: Double = 0.99) {
        self.training = training
        self.discriminatorLearningRate = discriminatorLearningRate
        self.initialSmoothing = initialSmoothing
        self.gradientPenalty = gradientPenalty
        self.averageDecay = averageDecay
    }

    public func fit(_ data: FitData, seed: UInt64) throws -> any PopulationModel {
        let name = "generative-discriminative"
        try training.validate(name)
        try checkSetting(discriminatorLearningRate, in: 1e-12 ... 1, "the discriminator learning rate", model: name)
        try checkSetting(initialSmoothing, in: 0 ... 100, "the initial smoothing (cells)", model: name)
        try checkSetting(gradientPenalty, in: 0 ... 1e6, "the gradient penalty", model: name)
        try checkSetting(averageDecay, in: 0 ... 0.999999, "the average decay", model: name)
        let draws = try generatorSlices(data, model: name)
        let grid = data.grid, d = grid.dimension, B = training.batch
        let scaling = InputScaling(grid: grid, horizon: draws.times[draws.sliceCount - 1])
        let initial = InitialDraws(draws, grid: grid, smoothingCells: initialSmoothing)
        let generatorTrainer = GeneratorTrainer(training: training, grid: grid, scaling: scaling, maxRows: B,
                                                seed: seed, beta1: 0.5, beta2: 0.9)
        let critic = Discriminator(training: training, learningRate: discriminatorLearningRate, scaling: scaling,
                                   maxRows: B, penalty: gradientPenalty, periodic: grid.periodic, seed: seed &+ 0xD15C)
        var generator = SeededGenerator(seed: seed ^ 0x6A_5EED)
        var slices = [Int](repeating: 0, count: B), times = [Double](repeating: 0, count: B)
        var z = [Double](repeating: 0, count: B * d), observed = z
        let decay = Float(averageDecay), ratio = discriminatorLearningRate / training.learningRate

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
        for step in 0 ..< training.steps {
            let rate = training.decayedLearningRate(step)
            generatorTrainer.learningRate = rate
            critic.learningRate = Float(Double(rate) * ratio)
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
            if decay > 0 { generatorTrainer.updateAverage(decay: decay) }
        }
        return GeneratorModel(kind: kind, grid: grid, scaling: scaling,
                              network: FrozenNetwork(generatorTrainer.averagedNetwork()), initial: initial)
    }
}

/// The discriminator `D(t, x)` (logits) with its optimiser and buffers for `(2 + 2d) maxRows` rows
/// (observed, generated, and the observed shifted by `+- eps` along each axis for the R1 penalty).
final class Discriminator {
    let network: MLP
    let scaling: InputScaling
    /// The R1 weight `gamma` and the difference step `eps` (normalised coordinates).
    let penalty: Double, epsilon: Double
    /// On a torus D sees each position as the point `(cos pi x~_a, sin pi x~_a)` of a circle (a
    /// function on the torus, periodic like the population); at walls, `x~_a` itself.
    let periodic: Bool
    /// The number of input features: `1 + d`, or `1 + 2 d` on a torus.
    let width: Int
    private let adam: Adam
    private let workspace: MLPWorkspace
    private var input: [Float], logitGradient: [Float], inputGradient: [Float], pointGradient: [Double]

    init(training: TrainingSettings, learningRate: Double, scaling: InputScaling, maxRows: Int, penalty: Double = 0,
         epsilon: Double = 1e-2, periodic: Bool = false, seed: UInt64) {
        let d = scaling.dimension
        self.periodic = periodic
        width = periodic ? 1 + 2 * d : 1 + d
        network = training.network(inputs: width, outputs: 1, seed: seed)
        self.scaling = scaling
        self.penalty = penalty
        self.epsilon = epsilon
        adam = Adam(parameterCount: network.parameterCount, learningRate: Float(learningRate), beta1: 0.5, beta2: 0.9)
        workspace = network.makeWorkspace(maxBatch: (2 + 2 * d) * maxRows)
        input = [Float](repeating: 0, count: (2 + 2 * d) * maxRows * width)
        logitGradient = [Float](repeating: 0, count: (2 + 2 * d) * maxRows)
        inputGradient = [Float](repeating: 0, count: maxRows * width)
        pointGradient = [Double](repeating: 0, count: maxRows * d)
    }

    /// Row `r` of the input: `t~` and point `i` of `points`, shifted by `shift` (normalised) along `axis`.
    private func setRow(_ r: Int, time t: Double, _ points: [Double], _ i: Int, axis: Int = -1, shift: Double = 0) {
        let d = scaling.dimension
        input[r * width] = scaling.time(t)
        for a in 0 ..< d {
            let u = (points[i * d + a] - scaling.centre[a]) / scaling.halfWidth[a] + (a == axis ? shift : 0)
            if periodic {
                input[r * width + 1 + 2 * a] = Float(cos(Double.pi * u))
                input[r * width + 2 + 2 * a] = Float(sin(Double.pi * u))
            } else {
                input[r * width + 1 + a] = Float(u)
            }
        }
    }

    var learningRate: Float {
        get { adam.learningRate }
        set { adam.learningRate = newValue }
    }

    /// The rows of one discriminator step: observed, generated, then (with a penalty) for each axis
    /// `a` the observed shifted by `+eps e_a` and by `-eps e_a`.
    private func rowCount(_ rows: Int) -> Int { penalty > 0 ? (2 + 2 * scaling.dimension) * rows : 2 * rows }

    /// The loss of ``step(times:observed:generated:rows:)`` and its gradient in `network.gradients`
    /// (without stepping): the logistic loss of `rows` observed (label 1) and generated (label 0)
    /// points plus `(gamma / 2) (1 / rows) sum_r sum_a Delta_ra^2 / (4 eps^2)`,
    /// `Delta_ra = D(x~_r + eps e_a) - D(x~_r - eps e_a)` (the R1 penalty by central differences).
    @discardableResult
    func lossAndGradient(times: [Double], observed: [Double], generated: [Double], rows: Int) -> Double {
        let d = scaling.dimension, total = rowCount(rows)
        for r in 0 ..< rows {
            setRow(r, time: times[r], observed, r)
            setRow(rows + r, time: times[r], generated, r)
        }
        if penalty > 0 {
            for a in 0 ..< d {
                for s in 0 ..< 2 {
                    let block = 2 + 2 * a + s
                    for r in 0 ..< rows {
                        setRow(block * rows + r, time: times[r], observed, r, axis: a, shift: s == 0 ? epsilon : -epsilon)
                    }
                }
            }
        }
        var loss = 0.0
        input.withUnsafeBufferPointer { xin in
            logitGradient.withUnsafeMutableBufferPointer { g in
                let logits = network.forward(xin.baseAddress!, batch: total, workspace: workspace)
                for r in 0 ..< 2 * rows {
                    // -log sigmoid(l) (observed) and -log(1 - sigmoid(l)) = -log sigmoid(-l) (generated)
                    let l = r < rows ? Double(logits[r]) : -Double(logits[r])
                    loss += (max(-l, 0) + log1p(exp(-abs(l)))) / Double(rows)
                    let p = 1 / (1 + exp(-Double(logits[r])))
                    g[r] = Float((r < rows ? p - 1 : p) / Double(rows))
                }
                if penalty > 0 {
                    let scale = penalty / (4 * epsilon * epsilon * Double(rows))
                    for a in 0 ..< d {
                        let plus = (2 + 2 * a) * rows, minus = plus + rows
                        for r in 0 ..< rows {
                            let delta = Double(logits[plus + r]) - Double(logits[minus + r])
                            loss += scale / 2 * delta * delta
                            g[plus + r] = Float(scale * delta)
                            g[minus + r] = Float(-scale * delta)
                        }
                    }
                }
                network.backward(outputGradient: g.baseAddress!, batch: total, workspace: workspace)
            }
        }
        return loss
    }

    /// One Adam step on ``lossAndGradient(times:observed:generated:rows:)``.
    func step(times: [Double], observed: [Double], generated: [Double], rows: Int) {
        lossAndGradient(times: times, observed: observed, generated: generated, rows: rows)
        adam.step(network)
    }

    /// The generator's non-saturating loss `mean -log sigmoid(D(t, G(t, z)))` and its gradient in
    /// `trainer.network.gradients` (D's parameter gradients are overwritten, D is not stepped).
    func generatorLossAndGradient(_ trainer: GeneratorTrainer, times: [Double], z: [Double], rows: Int) -> Double {
        let d = scaling.dimension
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
            for a in 0 ..< d {
                var byPosition: Double  // dD/dx~_a
                if periodic {
                    // (c, s) = (cos pi u, sin pi u): dD/du = pi (-s dD/dc + c dD/ds)
                    let c = Double(input[r * width + 1 + 2 * a]), s = Double(input[r * width + 2 + 2 * a])
                    byPosition = Double.pi * (-s * Double(inputGradient[r * width + 1 + 2 * a])
                        + c * Double(inputGradient[r * width + 2 + 2 * a]))
                } else {
                    byPosition = Double(inputGradient[r * width + 1 + a])
                }
                pointGradient[r * d + a] = byPosition / scaling.halfWidth[a]
            }
        }
        trainer.backward(pointGradient, rows: rows)
        return loss / Double(rows)
    }
}
