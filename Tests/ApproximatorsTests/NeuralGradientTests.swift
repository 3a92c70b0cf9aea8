@testable import Approximators
import Foundation
import Neural
import Testing

/// The hand-written gradients of the neural models against central differences. The networks
/// compute in Float, so the differences use a step of 1e-2 on weights of order 0.1-1 and the
/// tolerance is a few percent of the largest gradient checked (Float rounding of a loss of order
/// one, divided by the step, is about 1e-5).
@Suite struct NeuralGradientTests {
    /// Checks `gradient[k]` for a spread of parameter indices against `(L(p + h) - L(p - h)) / 2h`.
    func check(parameters: () -> [Float], set: ([Float]) -> Void, loss: () -> Double, gradient: [Float],
               step: Float = 1e-2, tolerance: Double = 3e-2) {
        let base = parameters()
        let indices = stride(from: 0, to: base.count, by: max(1, base.count / 23)).map { $0 }
        let scale = indices.map { abs(Double(gradient[$0])) }.max() ?? 1
        for k in indices {
            var p = base
            p[k] = base[k] + step; set(p); let up = loss()
            p[k] = base[k] - step; set(p); let down = loss()
            set(base)
            let numeric = (up - down) / Double(2 * step)
            #expect(abs(numeric - Double(gradient[k])) <= tolerance * max(scale, 1e-3),
                    "parameter \(k): analytic \(gradient[k]), numeric \(numeric)")
        }
    }

    func rows(_ n: Int, seed: UInt64, spread: Double = 1) -> (times: [Float], points: [Float], points2: [Float]) {
        var g = SeededGenerator(seed: seed)
        let times = (0 ..< n).map { _ in Float(2 * g.unit() - 1) }
        let points = (0 ..< n).map { _ in Float(spread * g.normal()) }
        let points2 = (0 ..< 2 * n).map { _ in Float(spread * g.normal()) }
        return (times, points, points2)
    }

    @Test func mixtureDensityNetworkLikelihood() {
        let settings = TrainingSettings(width: 8, steps: 1, batch: 16, learningRate: 1e-3)
        let trainer = MixtureDensityTrainer(training: settings, components: 3, seed: 3)
        let (t, u, _) = rows(16, seed: 5)
        _ = trainer.lossAndGradient(times: t, points: u, rows: 16)
        let gradient = trainer.network.gradients
        check(parameters: { trainer.network.parameters }, set: { trainer.network.parameters = $0 },
              loss: { trainer.lossAndGradient(times: t, points: u, rows: 16) }, gradient: gradient)
    }

    @Test func couplingFlowLikelihood() {
        let settings = TrainingSettings(width: 8, steps: 1, batch: 16, learningRate: 1e-3)
        let trainer = CouplingFlowTrainer(training: settings, couplings: 4, scaleBound: 2, seed: 3)
        // Larger output weights than at initialisation, so the couplings are far from the identity.
        for net in trainer.networks { for k in net.parameters.indices { net.parameters[k] *= 3 } }
        let (t, _, u) = rows(16, seed: 6)
        _ = trainer.lossAndGradient(times: t, points: u, rows: 16)
        for (l, net) in trainer.networks.enumerated() {
            let gradient = net.gradients
            check(parameters: { net.parameters }, set: { net.parameters = $0 },
                  loss: { trainer.lossAndGradient(times: t, points: u, rows: 16) }, gradient: gradient)
            _ = l
            _ = trainer.lossAndGradient(times: t, points: u, rows: 16)
        }
    }

    /// The generator's loss `mean -log sigmoid(D(t, G(t, z)))` through D's input gradient, the fold
    /// and G, in 1D and 2D (points pushed across the walls exercise the fold's slope -1).
    /// On a torus, D sees `(cos pi x~, sin pi x~)` and the fold wraps.
    @Test(arguments: [1, 2], [false, true]) func generatorThroughDiscriminator(dimension: Int, periodic: Bool) {
        let grid = Self.grid(dimension: dimension, periodic: periodic)
        let settings = TrainingSettings(width: 8, steps: 1, batch: 12, learningRate: 1e-3)
        let scaling = InputScaling(grid: grid, horizon: 1)
        let trainer = GeneratorTrainer(training: settings, grid: grid, scaling: scaling, maxRows: 12, seed: 2)
        for k in trainer.network.parameters.indices { trainer.network.parameters[k] *= 4 }
        let critic = Discriminator(training: settings, learningRate: 1e-3, scaling: scaling, maxRows: 12,
                                   periodic: periodic, seed: 4)
        var g = SeededGenerator(seed: 9)
        let times = (0 ..< 12).map { _ in 0.1 + 0.9 * g.unit() }
        let z = (0 ..< 12 * dimension).map { _ in 3 * g.unit() - 1.5 }
        _ = critic.generatorLossAndGradient(trainer, times: times, z: z, rows: 12)
        let gradient = trainer.network.gradients
        check(parameters: { trainer.network.parameters }, set: { trainer.network.parameters = $0 },
              loss: { critic.generatorLossAndGradient(trainer, times: times, z: z, rows: 12) },
              gradient: gradient, step: 2e-3)
    }

    /// The MMD gradient in the generated points, in Double (step 1e-6).
    /// The discriminator's loss with the R1 penalty: (a) the penalty's central-difference estimate
    /// of `|grad_x~ D|^2` against the exact input gradient of the MLP (``MLP/backward``'s
    /// `inputGradient`): its error is the truncation error `eps^2 D^(3) / (6 D')` per row, relative,
    /// which for these weights (3 times the initial ones, derivative scales up to ~30 per unit of
    /// `x~`) is up to `(1e-2 x 30)^2 / 6 = 1.5 %` at the default `eps = 1e-2` (tolerance 2 %), and it
    /// must shrink like `eps^2`: at `eps = 5e-3` it is at least 3 times smaller (4 in exact
    /// arithmetic; Float rounding of the logit differences, about 1e-5 / (2 eps |D'|), is far
    /// below); (b) the gradient of the whole loss (logistic plus penalty) in D's parameters against
    /// central differences, as the other models.
    /// The 8-cell grid of `[-2, 2]` (per axis) of these checks, with walls or a torus.
    static func grid(dimension: Int, periodic: Bool) -> DensityGrid {
        let centres = (0 ..< 8).map { -2 + 4 * (Double($0) + 0.5) / 8 }
        return DensityGrid(x: centres, y: dimension == 2 ? centres : nil, lower: [Double](repeating: -2, count: dimension),
                           upper: [Double](repeating: 2, count: dimension), periodic: periodic)
    }

    @Test(arguments: [1, 2], [false, true]) func discriminatorWithGradientPenalty(dimension: Int, periodic: Bool) {
        let grid = Self.grid(dimension: dimension, periodic: periodic)
        let settings = TrainingSettings(width: 8, steps: 1, batch: 12, learningRate: 1e-3)
        let scaling = InputScaling(grid: grid, horizon: 1)
        let gamma = 5.0, n = 12
        func discriminator(penalty: Double, epsilon: Double = 1e-2) -> Discriminator {
            let critic = Discriminator(training: settings, learningRate: 1e-3, scaling: scaling, maxRows: n,
                                       penalty: penalty, epsilon: epsilon, periodic: periodic, seed: 4)
            // Larger weights than at initialisation, so that D is far from linear.
            for k in critic.network.parameters.indices { critic.network.parameters[k] *= 3 }
            return critic
        }
        let critic = discriminator(penalty: gamma), plain = discriminator(penalty: 0)
        let finer = discriminator(penalty: gamma, epsilon: 5e-3)
        var g = SeededGenerator(seed: 9)
        let times = (0 ..< n).map { _ in 0.1 + 0.9 * g.unit() }
        let observed = (0 ..< n * dimension).map { _ in 3 * g.unit() - 1.5 }
        let generated = (0 ..< n * dimension).map { _ in 3 * g.unit() - 1.5 }
        // (a) The penalty (the loss with gamma minus the loss without) against the exact input gradient.
        let logistic = plain.lossAndGradient(times: times, observed: observed, generated: generated, rows: n)
        let estimate = critic.lossAndGradient(times: times, observed: observed, generated: generated, rows: n) - logistic
        let finerEstimate = finer.lossAndGradient(times: times, observed: observed, generated: generated, rows: n) - logistic
        // The exact input gradient, through the torus embedding (c, s) = (cos pi u, sin pi u) if periodic.
        let width = periodic ? 1 + 2 * dimension : 1 + dimension
        var input = [Float](repeating: 0, count: n * width)
        for r in 0 ..< n {
            input[r * width] = scaling.time(times[r])
            for a in 0 ..< dimension {
                let u = Double(scaling.position(observed[r * dimension + a], axis: a))
                if periodic {
                    input[r * width + 1 + 2 * a] = Float(cos(Double.pi * u))
                    input[r * width + 2 + 2 * a] = Float(sin(Double.pi * u))
                } else {
                    input[r * width + 1 + a] = Float(u)
                }
            }
        }
        let workspace = critic.network.makeWorkspace(maxBatch: n)
        let ones = [Float](repeating: 1, count: n)
        var inputGradient = [Float](repeating: 0, count: n * width)
        input.withUnsafeBufferPointer { _ = critic.network.forward($0.baseAddress!, batch: n, workspace: workspace) }
        ones.withUnsafeBufferPointer { o in
            inputGradient.withUnsafeMutableBufferPointer { ig in
                critic.network.backward(outputGradient: o.baseAddress!, batch: n, workspace: workspace,
                                        inputGradient: ig.baseAddress!)
            }
        }
        var exact = 0.0
        for r in 0 ..< n {
            for a in 0 ..< dimension {
                let byU = periodic
                    ? Double.pi * (-Double(input[r * width + 2 + 2 * a]) * Double(inputGradient[r * width + 1 + 2 * a])
                        + Double(input[r * width + 1 + 2 * a]) * Double(inputGradient[r * width + 2 + 2 * a]))
                    : Double(inputGradient[r * width + 1 + a])
                exact += byU * byU
            }
        }
        exact *= gamma / 2 / Double(n)
        print("R1 \(dimension)D periodic \(periodic): exact \(exact), eps 1e-2 \(estimate), eps 5e-3 \(finerEstimate)")
        #expect(exact > 1, "a discriminator with a non-trivial input gradient: \(exact)")
        #expect(abs(estimate - exact) <= 2e-2 * exact, "penalty \(estimate) against exact \(exact)")
        #expect(abs(finerEstimate - exact) <= abs(estimate - exact) / 3 + 1e-4 * exact,
                "second order: \(finerEstimate) at eps / 2, \(estimate) at eps, exact \(exact)")
        // (b) The parameter gradient of the whole loss.
        _ = critic.lossAndGradient(times: times, observed: observed, generated: generated, rows: n)
        let gradient = critic.network.gradients
        check(parameters: { critic.network.parameters }, set: { critic.network.parameters = $0 },
              loss: { critic.lossAndGradient(times: times, observed: observed, generated: generated, rows: n) },
              gradient: gradient, step: 2e-3)
    }

    @Test func mmdGradient() {
        let kernel = MultiBandwidthKernel(bandwidths: 3, median: 0.7)
        var g = SeededGenerator(seed: 4)
        let y = (0 ..< 12).map { _ in g.normal() }, x = (0 ..< 12).map { _ in 0.5 + g.normal() }
        var gradient = [Double](repeating: 0, count: 12)
        kernel.gradient(generated: y, observed: x, count: 6, dimension: 2, into: &gradient)
        for k in 0 ..< 12 {
            var up = y, down = y
            up[k] += 1e-6; down[k] -= 1e-6
            let numeric = (kernel.mmd2(generated: up, observed: x, count: 6, dimension: 2)
                - kernel.mmd2(generated: down, observed: x, count: 6, dimension: 2)) / 2e-6
            #expect(abs(numeric - gradient[k]) < 1e-7 + 1e-5 * abs(numeric))
        }
    }

    /// The test-function terms of the weak residual: x-gradients of phi and L phi (with a linear
    /// control `A(x) = A0 + J x`), and their derivatives in omega and the phases.
    @Test func weakFormTestFunctionTerms() {
        let jacobian = (SIMD2<Double>(-0.7, 0.3), SIMD2<Double>(0.2, -1.1))
        let a0 = SIMD2<Double>(0.4, -0.3)
        func control(_ x: SIMD2<Double>) -> SIMD2<Double> {
            a0 + SIMD2((jacobian.0 * x).sum(), (jacobian.1 * x).sum())
        }
        func terms(_ w: SIMD2<Double>, _ b: SIMD2<Double>, _ x: SIMD2<Double>) -> TestFunctionTerms {
            TestFunctionTerms(omega: w, beta: b, xi: x, control: control(x), jacobian: jacobian, viscosity: 0.3)
        }
        let w = SIMD2<Double>(1.3, 2.1), b = SIMD2<Double>(0.2, -0.4), x = SIMD2<Double>(0.35, 0.8), h = 1e-6
        let t = terms(w, b, x)
        for axis in 0 ..< 2 {
            var e = SIMD2<Double>(0, 0); e[axis] = h
            let dx = (terms(w, b, x + e).generator - terms(w, b, x - e).generator) / (2 * h)
            let dphi = (terms(w, b, x + e).phi - terms(w, b, x - e).phi) / (2 * h)
            let dw = (terms(w + e, b, x).generator - terms(w - e, b, x).generator) / (2 * h)
            let dwphi = (terms(w + e, b, x).phi - terms(w - e, b, x).phi) / (2 * h)
            let db = (terms(w, b + e, x).generator - terms(w, b - e, x).generator) / (2 * h)
            let dbphi = (terms(w, b + e, x).phi - terms(w, b - e, x).phi) / (2 * h)
            #expect(abs(dx - t.gradGenerator[axis]) < 1e-7, "d L phi / dx_\(axis)")
            #expect(abs(dphi - t.gradPhi[axis]) < 1e-7, "d phi / dx_\(axis)")
            #expect(abs(dw - t.generatorByOmega[axis]) < 1e-7, "d L phi / d omega_\(axis)")
            #expect(abs(dwphi - t.phiByOmega[axis]) < 1e-7, "d phi / d omega_\(axis)")
            #expect(abs(db - t.generatorByTheta[axis]) < 1e-7, "d L phi / d beta_\(axis)")
            #expect(abs(dbphi - t.phiByTheta[axis]) < 1e-7, "d phi / d beta_\(axis)")
        }
    }

    /// The weak residual's gradient in the particles against central differences (1D, Double).
    @Test func weakResidualParticleGradient() throws {
        let centres = (0 ..< 20).map { -2 + 4 * (Double($0) + 0.5) / 20 }
        let grid = DensityGrid(x: centres, lower: [-2], upper: [2])
        let levels = [0.0, 0.5, 1]
        let dynamics = PopulationDynamics(control: [levels.flatMap { _ in centres.map { -0.8 * $0 + 0.1 * $0 * $0 } }],
                                          times: levels, viscosity: 0.2)
        let field = try ControlField(dynamics, grid: grid, model: "test")
        // Weighted residuals, with the fixed low modes before the adversarial functions.
        let residual = WeakResidual(field: field, times: [0, 0.5, 1], particles: 4, lower: grid.lower, weightExponent: 1)
        var g = SeededGenerator(seed: 2)
        let tests = TestFunctionSet(count: 3, grid: grid, maxMode: 6, lowModes: true, generator: &g)
        #expect(tests.fixedCount == 2 && tests.count == 5)
        let points = (0 ..< 12).map { _ in 3.2 * g.unit() - 1.6 }
        var gradient = [Double](repeating: 0, count: 12), testGradient = [Float](repeating: 0, count: tests.parameters.count)
        _ = residual.lossAndGradients(points: points, dimension: 1, tests: tests, pointGradient: &gradient,
                                      testGradient: &testGradient)
        var scratch = gradient, scratchTests = testGradient
        for k in 0 ..< 12 {
            var up = points, down = points
            up[k] += 1e-6; down[k] -= 1e-6
            let numeric = (residual.lossAndGradients(points: up, dimension: 1, tests: tests, pointGradient: &scratch, testGradient: &scratchTests)
                - residual.lossAndGradients(points: down, dimension: 1, tests: tests, pointGradient: &scratch, testGradient: &scratchTests)) / 2e-6
            #expect(abs(numeric - gradient[k]) < 1e-7 + 1e-4 * abs(numeric), "particle \(k): \(gradient[k]) vs \(numeric)")
        }
    }
}
