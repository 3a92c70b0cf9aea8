import Foundation
import Neural

/// The physics-informed generator: ``GeneratorModel`` `G(t, z)` trained with no samples of
/// `t > 0`, so that its draws satisfy the weak form of the Fokker-Planck equation of
/// `dX = a(t, X) dt + sqrt(2 nu) dW` under the given feedback control (``FitData/dynamics``),
/// against adversarial test functions: the weak adversarial push-forward of He & Cai (2025).
///
/// On the times `t_k = k T / M`, `k = 0 ... M`, with `X_k = G(t_k, z_i)` for `n` common draws
/// `z_i` of the smoothed m0 (slice 0 of the samples), the residual of test function `phi_j` on
/// `[t_k, t_{k+1}]` is the integrated weak form with the trapezoid rule (the time factor is the
/// interval's indicator):
///
///     R_kj = <phi_j>_{k+1} - <phi_j>_k - (dt / 2) (<L phi_j>_k + <L phi_j>_{k+1}),
///     L phi = a(t, x) . grad phi + nu Lap phi,   <f>_k = (1/n) sum_i f(X_{k,i}),
///
/// and the game is `min_G max_omega (1 / (M J)) sum_kj w_j R_kj^2`, `R^2` estimated without bias by
/// the product of the residuals of two independent halves of the particles (``WeakResidual``): each
/// step moves `G` down and the test functions' modes up the gradient (simultaneously),
/// ``TestFunctionSet`` for the test functions and the boundary treatment (Neumann cosine modes at
/// walls, so the no-flux boundary terms vanish exactly; plane waves with phases on a torus;
/// obstacles not modelled). The trapezoid rule's error is `O(dt^3)` per interval; the Monte Carlo
/// error of `<.>` is `O(n^{-1/2})` but correlated over times (common `z`), which the residual's
/// differences cancel in part.
///
/// Robustness (the adversary alone left the fit seed dependent, and dominated by high modes):
///
/// - **Fixed low modes**: the lowest modes (``TestFunctionSet``: `k = 1, 2` per axis, `(1, 1)` in
///   2D, cos and sin on a torus) are always tested, the `J` adversarial functions on top; they
///   carry the mean and the variance, which an adversary started elsewhere may never test.
/// - **Mode weights** `w_j = (1 + |k_j|^2)^(-s)`, `k_j` the mode numbers, `s = modeWeighting`:
///   with `s = 1` the loss is the squared `H^{-1}` norm of the residual functional on the cosine
///   basis (a negative Sobolev norm, the natural norm of a weak-form residual); the default
///   `s = 1/2` is between that and equal weights. Without weights the residual of mode `k`, whose
///   diffusion term is `nu |omega|^2 <phi>`, grows like `|k|^2` and the high modes' Monte Carlo
///   noise drowns the low modes' signal. The weight is constant in the continuous mode between
///   roundings, so it does not enter the straight-through gradient.
/// - The generator's step size decays to a tenth along a half cosine (``TrainingSettings``), which
///   removes most of the final iterate's noise (on the Ornstein-Uhlenbeck flow of the tests, with
///   the defaults and the low modes, the mean at t = 1 was off by up to 0.12 over three seeds at a
///   constant step, 0.03 with the decay; without the low modes, by up to 0.29).
public struct PhysicsInformedGenerator: DensityApproximator {
    /// The generator's network and the training length; `batch` is the number `n` of particles per time.
    public var training: TrainingSettings
    /// The number `M` of time intervals on `[0, T]`, `T` the last time of the control.
    public var intervals: Int
    /// The number `J` of adversarial test functions (the fixed low modes come on top).
    public var testFunctions: Int
    /// The largest mode number per axis (`omega <= maxMode pi / L` at walls).
    public var maxMode: Int
    /// The adversary's Adam step, in mode numbers (and radians for phases).
    public var adversaryLearningRate: Double
    /// The standard deviation, in cells, of the Gaussian smoothing of the slice-0 draws.
    public var initialSmoothing: Double
    /// Whether the lowest modes are always tested (fixed, before the adversarial functions).
    public var lowModes: Bool
    /// The exponent `s` of the weights `(1 + |k|^2)^(-s)` of the squared residuals (0: equal weights).
    public var modeWeighting: Double

    public var kind: ApproximatorKind { .physicsInformed }

    /// Defaults: width 64, two tanh layers, 1500 steps with 128 particles at each of 21 times
    /// (20 intervals), step size 2e-3 decayed; the low modes (2 in 1D, 4 on a 1D torus, 5 in 2D)
    /// and 12 adversarial test functions (about the cost of the former 16 adversarial ones), modes
    /// up to 12, adversary step 0.05, weights `(1 + |k|^2)^(-1/2)`.
    public init(training: TrainingSettings = TrainingSettings(steps: 1500, batch: 128, learningRate: 2e-3),
                intervals: Int = 20, testFunctions: Int = 12, maxMode: Int = 12, adversaryLearningRate: Double = 0.05,
                initialSmoothing: Double = 0.5, lowModes: Bool = true, modeWeighting: Double = 0.5) {
        self.lowModes = lowModes
        self.modeWeighting = modeWeighting
        self.training = training
        self.intervals = intervals
        self.testFunctions = testFunctions
        self.maxMode = maxMode
        self.adversaryLearningRate = adversaryLearningRate
        self.initialSmoothing = initialSmoothing
    }

    public func fit(_ data: FitData, seed: UInt64) throws -> any PopulationModel {
        let name = "physics-informed"
        try training.validate(name)
        try checkSetting(intervals, in: 1 ... 1000, "the number of time intervals", model: name)
        try checkSetting(testFunctions, in: 1 ... 256, "the number of test functions", model: name)
        try checkSetting(maxMode, in: 1 ... 1000, "the largest mode", model: name)
        try checkSetting(adversaryLearningRate, in: 0 ... 10, "the adversary's learning rate", model: name)
        try checkSetting(initialSmoothing, in: 0 ... 100, "the initial smoothing (cells)", model: name)
        try checkSetting(modeWeighting, in: 0 ... 4, "the mode weighting exponent", model: name)
        guard training.batch >= 2 else { throw ApproximatorError("\(name): needs at least 2 particles per time (batch)") }
        guard intervals * training.batch <= TrainingSettings.maxBatch else {
            throw ApproximatorError("\(name): intervals x particles = \(intervals * training.batch), at most \(TrainingSettings.maxBatch)")
        }
        guard let dynamics = data.dynamics else {
            throw ApproximatorError("\(name): needs the dynamics (the feedback control and the viscosity)")
        }
        let field = try ControlField(dynamics, grid: data.grid, model: name)
        guard let horizon = dynamics.times.last, horizon > 0 else {
            throw ApproximatorError("\(name): the control's last time must be positive")
        }
        let draws = try SliceDraws(data.samples, model: name)
        let grid = data.grid, d = grid.dimension, n = training.batch, M = intervals, J = testFunctions
        let scaling = InputScaling(grid: grid, horizon: horizon)
        let initial = InitialDraws(draws, grid: grid, smoothingCells: initialSmoothing)
        var generator = SeededGenerator(seed: seed ^ 0x91_5EED)
        var tests = TestFunctionSet(count: J, grid: grid, maxMode: maxMode, lowModes: lowModes, generator: &generator)
        let adversary = Adam(parameterCount: tests.parameters.count, learningRate: Float(adversaryLearningRate))
        let trainer = GeneratorTrainer(training: training, grid: grid, scaling: scaling, maxRows: M * n, seed: seed)
        let residual = WeakResidual(field: field, times: (0 ... M).map { horizon * Double($0) / Double(M) },
                                    particles: n, lower: grid.lower, weightExponent: modeWeighting)
        var times = [Double](repeating: 0, count: M * n), z = [Double](repeating: 0, count: n * d)
        var zRows = [Double](repeating: 0, count: M * n * d), points = [Double](repeating: 0, count: (M + 1) * n * d)
        var pointGradient = [Double](repeating: 0, count: (M + 1) * n * d), rowGradient = zRows
        var adversaryGradient = [Float](repeating: 0, count: tests.parameters.count)
        for k in 1 ... M { for i in 0 ..< n { times[(k - 1) * n + i] = residual.times[k] } }
        for step in 0 ..< training.steps {
            trainer.learningRate = training.decayedLearningRate(step)
            z.withUnsafeMutableBufferPointer { p in
                for i in 0 ..< n { initial.draw(into: p.baseAddress! + i * d, &generator) }
            }
            for k in 0 ..< M { for q in 0 ..< n * d { zRows[k * n * d + q] = z[q] } }
            trainer.forward(times: times, z: zRows, rows: M * n)
            for q in 0 ..< n * d { points[q] = z[q] }
            for q in 0 ..< M * n * d { points[n * d + q] = trainer.x[q] }
            _ = residual.lossAndGradients(points: points, dimension: d, tests: tests,
                                          pointGradient: &pointGradient, testGradient: &adversaryGradient)
            for q in 0 ..< M * n * d { rowGradient[q] = pointGradient[n * d + q] }
            trainer.backward(rowGradient, rows: M * n)
            trainer.step()
            // Ascent: Adam descends, so hand it the negated gradient; phases are fixed at walls.
            for q in adversaryGradient.indices { adversaryGradient[q] = tests.isLearnt(q) ? -adversaryGradient[q] : 0 }
            adversary.step(parameters: &tests.parameters, gradients: adversaryGradient)
            tests.project()
        }
        return GeneratorModel(kind: kind, grid: grid, scaling: scaling, network: FrozenNetwork(trainer.network),
                              initial: initial)
    }
}

/// The weak-form residual of the Fokker-Planck equation on a set of times, from `n` particles per
/// time (``PhysicsInformedGenerator``), with its gradients in the particles and in the test
/// functions' parameters (the continuous modes, through the rounded frequencies, and the phases).
final class WeakResidual {
    let field: ControlField
    let times: [Double]
    let particles: Int
    let lower: [Double]
    /// The exponent `s` of the residuals' weights `(1 + |k_j|^2)^(-s)` (``TestFunctionSet/weight(_:exponent:)``).
    let weightExponent: Double
    private var means: [Double], generatorMeans: [Double], coefficient: [Double], generatorCoefficient: [Double]
    private var modeGradient: [SIMD2<Double>], phaseGradient: [SIMD2<Double>]
    /// The terms of every (time, particle, test function) from the first pass, for the second.
    private var cache: [TestFunctionTerms]

    init(field: ControlField, times: [Double], particles: Int, lower: [Double], weightExponent: Double = 0) {
        self.field = field
        self.weightExponent = weightExponent
        self.times = times
        self.particles = particles
        self.lower = lower
        means = []
        generatorMeans = []
        coefficient = []
        generatorCoefficient = []
        modeGradient = []
        phaseGradient = []
        cache = []
    }

    /// The loss `(1 / (M J)) sum_kj R^A_kj R^B_kj` for `points` = `[M + 1, n, d]` (time-major), its
    /// gradient in the points (`pointGradient`, same layout) and in the test functions' flat
    /// parameters (`testGradient`: modes `[J, 2]` via `d/d kappa = unit d/d omega`, then phases
    /// `[J, 2]`). `R^A` and `R^B` are the residuals of the two halves of the particles (independent
    /// draws of z): their product is an unbiased estimate of `R_kj^2` of the law, where the square of
    /// one estimate would add its Monte Carlo variance, which the generator could lower by
    /// concentrating its particles.
    func lossAndGradients(points: [Double], dimension d: Int, tests: TestFunctionSet,
                          pointGradient: inout [Double], testGradient: inout [Float]) -> Double {
        let K = times.count, M = K - 1, n = particles, half = n / 2, J = tests.count, nu = field.viscosity
        if means.count != 2 * K * J {
            means = [Double](repeating: 0, count: 2 * K * J)
            generatorMeans = means
            coefficient = means
            generatorCoefficient = means
            modeGradient = [SIMD2<Double>](repeating: SIMD2(0, 0), count: J)
            phaseGradient = modeGradient
        }
        if cache.count != K * n * J { cache = [TestFunctionTerms](repeating: TestFunctionTerms(), count: K * n * J) }
        // Half h of the particles: i < n/2 (h = 0) and n/2 <= i < 2 (n/2) (h = 1); an odd last one is unused.
        @inline(__always) func slot(_ h: Int, _ k: Int, _ j: Int) -> Int { (h * K + k) * J + j }
        for q in 0 ..< 2 * K * J { means[q] = 0; generatorMeans[q] = 0 }
        let inverse = 1 / Double(half)
        for k in 0 ..< K {
            for i in 0 ..< 2 * half {
                let h = i < half ? 0 : 1, base = (k * n + i) * d
                let x = SIMD2(points[base], d == 2 ? points[base + 1] : lower[0])
                let (a, jacobian) = field.evaluate(times[k], x)
                let xi = SIMD2(x.x - lower[0], d == 2 ? x.y - lower[1] : 0)
                for j in 0 ..< J {
                    let t = TestFunctionTerms(omega: tests.omega(j), beta: tests.beta(j), xi: xi, control: a,
                                              jacobian: jacobian, viscosity: nu)
                    cache[(k * n + i) * J + j] = t
                    means[slot(h, k, j)] += t.phi * inverse
                    generatorMeans[slot(h, k, j)] += t.generator * inverse
                }
            }
        }
        // R^h_kj, and dLoss/dR^h = R^{1-h} / (M J); then the coefficients of <phi>^h_k and <L phi>^h_k.
        var loss = 0.0
        for q in 0 ..< 2 * K * J { coefficient[q] = 0; generatorCoefficient[q] = 0 }
        for k in 0 ..< M {
            let dt = times[k + 1] - times[k]
            for j in 0 ..< J {
                let w = tests.weight(j, exponent: weightExponent) / Double(M * J)
                var r = (0.0, 0.0)
                for h in 0 ..< 2 {
                    let value = means[slot(h, k + 1, j)] - means[slot(h, k, j)]
                        - dt / 2 * (generatorMeans[slot(h, k, j)] + generatorMeans[slot(h, k + 1, j)])
                    if h == 0 { r.0 = value } else { r.1 = value }
                }
                loss += w * r.0 * r.1
                for h in 0 ..< 2 {
                    let g = w * (h == 0 ? r.1 : r.0)
                    coefficient[slot(h, k + 1, j)] += g
                    coefficient[slot(h, k, j)] -= g
                    generatorCoefficient[slot(h, k, j)] -= dt / 2 * g
                    generatorCoefficient[slot(h, k + 1, j)] -= dt / 2 * g
                }
            }
        }
        for q in testGradient.indices { testGradient[q] = 0 }
        for j in 0 ..< J { modeGradient[j] = SIMD2(0, 0); phaseGradient[j] = SIMD2(0, 0) }
        for k in 0 ..< K {
            for i in 0 ..< n {
                var gradient = SIMD2<Double>(0, 0)
                let h = i < half ? 0 : 1
                for j in 0 ..< J where i < 2 * half {
                    let t = cache[(k * n + i) * J + j], c = coefficient[slot(h, k, j)] * inverse
                    let e = generatorCoefficient[slot(h, k, j)] * inverse
                    gradient += c * t.gradPhi + e * t.gradGenerator
                    modeGradient[j] += c * t.phiByOmega + e * t.generatorByOmega
                    phaseGradient[j] += c * t.phiByTheta + e * t.generatorByTheta
                }
                let base = (k * n + i) * d
                pointGradient[base] = gradient.x
                if d == 2 { pointGradient[base + 1] = gradient.y }
            }
        }
        for j in 0 ..< J {
            let byKappa = modeGradient[j] * tests.unit
            testGradient[2 * j] = Float(byKappa.x)
            testGradient[2 * J + 2 * j] = Float(phaseGradient[j].x)
            if d == 2 {
                testGradient[2 * j + 1] = Float(byKappa.y)
                testGradient[2 * J + 2 * j + 1] = Float(phaseGradient[j].y)
            }
        }
        return loss
    }
}
