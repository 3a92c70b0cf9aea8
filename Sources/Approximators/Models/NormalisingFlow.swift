import Foundation
import Neural

/// A normalising flow conditioned on time, trained by maximum likelihood on the weighted samples
/// (minibatches of `(t, x)` rows: a slice uniformly, an agent of it by weight):
///
/// - 1D: a mixture density network (Bishop 1994), an MLP of `t~` giving the weights, means and
///   log-deviations of `components` Gaussians in standardised coordinates
///   (``MixtureDensityNetwork``): `p(x | t) = sum_k pi_k(t) N(x; mu_k(t), sigma_k(t)^2)`.
/// - 2D: RealNVP affine couplings (Dinh, Sohl-Dickstein, Bengio 2017, ``CouplingFlow``): `couplings`
///   layers, each transforming one coordinate (alternately) by `y_j = z_j e^{s} + b` with
///   `(s, b)` an MLP of `(t~, z_other)`, `s = S tanh(s_raw / S)`, base `N(0, I)` after standardising
///   the data; `log p(x | t) = log N(f(x); 0, I) + sum_l s_l - sum_a log sd_a`.
///
/// The step size decays from `learningRate` to a tenth of it along a half cosine (the minibatch
/// noise of the last iterates would otherwise bias the fitted moments).
///
/// Both densities live on the plane or line; the model's ``PopulationModel/density(at:time:)`` is
/// restricted to the grid's domain (and active cells) and renormalised there: exactly in 1D (the
/// Gaussian CDFs; a torus sums the wrapped images), by the midpoint rule on the grid's cells in 2D.
/// Draws outside are redrawn.
public struct NormalisingFlow: DensityApproximator {
    public var training: TrainingSettings
    /// 1D: the number of mixture components.
    public var components: Int
    /// 2D: the number of coupling layers.
    public var couplings: Int
    /// 2D: the bound `S` of each coupling's log-scale, `|s| < S`.
    public var scaleBound: Double

    public var kind: ApproximatorKind { .flow }

    /// Defaults: width 64, two tanh layers, 3000 Adam steps at 3e-3 on minibatches of 256 rows;
    /// 8 components in 1D; 6 couplings with `|s| < 2` in 2D.
    public init(training: TrainingSettings = TrainingSettings(steps: 3000, batch: 256, learningRate: 3e-3),
                components: Int = 8, couplings: Int = 6, scaleBound: Double = 2) {
        self.training = training
        self.components = components
        self.couplings = couplings
        self.scaleBound = scaleBound
    }

    public func fit(_ data: FitData, seed: UInt64) throws -> any PopulationModel {
        try training.validate("flow")
        try checkSetting(components, in: 1 ... 64, "the number of mixture components", model: "flow")
        try checkSetting(couplings, in: 2 ... 32, "the number of coupling layers", model: "flow")
        try checkSetting(scaleBound, in: 0.01 ... 10, "the coupling scale bound", model: "flow")
        let draws = try SliceDraws(data.samples, model: "flow")
        let scaling = InputScaling(grid: data.grid, horizon: draws.times.max() ?? 1)
        let (mean, deviation) = draws.pooledMoments()
        // A floor on the standardisation: a tenth of a cell (all agents at one point).
        let standard = Standardisation(mean: mean, deviation: zip(deviation, data.grid.spacing).map { max($0, $1 / 10) })
        var generator = SeededGenerator(seed: seed ^ 0xF10_5EED)
        let batch = training.batch, d = draws.dimension
        var times = [Float](repeating: 0, count: batch), points = [Float](repeating: 0, count: batch * d)
        /// A minibatch of standardised rows.
        func fill() {
            for r in 0 ..< batch {
                let k = generator.index(below: draws.sliceCount), i = draws.draw(slice: k, &generator)
                times[r] = scaling.time(draws.times[k])
                for a in 0 ..< d { points[r * d + a] = Float(standard.forward(draws.points[k][i * d + a], axis: a)) }
            }
        }
        if d == 1 {
            let trainer = MixtureDensityTrainer(training: training, components: components, seed: seed)
            for step in 0 ..< training.steps {
                fill()
                _ = trainer.lossAndGradient(times: times, points: points, rows: batch)
                trainer.step(learningRate: training.decayedLearningRate(step))
            }
            return MixtureFlowModel(grid: data.grid, scaling: scaling, standard: standard,
                                    network: FrozenNetwork(trainer.network), components: components)
        }
        let trainer = CouplingFlowTrainer(training: training, couplings: couplings, scaleBound: Float(scaleBound),
                                          seed: seed)
        for step in 0 ..< training.steps {
            fill()
            _ = trainer.lossAndGradient(times: times, points: points, rows: batch)
            trainer.step(learningRate: training.decayedLearningRate(step))
        }
        return CouplingFlowModel(grid: data.grid, scaling: scaling, standard: standard,
                                 networks: trainer.networks.map(FrozenNetwork.init), scaleBound: Float(scaleBound))
    }
}

/// The affine standardisation `u_a = (x_a - mean_a) / sd_a` of a flow's data.
struct Standardisation: Sendable, Equatable {
    let mean: [Double]
    let deviation: [Double]
    @inline(__always) func forward(_ x: Double, axis: Int) -> Double { (x - mean[axis]) / deviation[axis] }
    @inline(__always) func inverse(_ u: Double, axis: Int) -> Double { mean[axis] + deviation[axis] * u }
    /// `sum_a log sd_a`, the log-determinant of the inverse map.
    var logDeterminant: Double { deviation.reduce(0) { $0 + log($1) } }
}
