@testable import Approximators
import Foundation
import Neural
import Testing

/// Reproducibility, the exact initial condition of the generators, and refused settings.
@Suite struct NeuralModelPropertyTests {
    /// One BLAS thread: the small products of these networks gain nothing from more, and the
    /// reproducibility checks hold for a fixed thread count.
    init() { BLASThreads.set(1) }

    static let short: [any DensityApproximator] = [
        DensityNetwork(training: TrainingSettings(width: 16, steps: 30, batch: 4, learningRate: 1e-2)),
        NormalisingFlow(training: TrainingSettings(width: 16, steps: 30, batch: 64, learningRate: 3e-3), couplings: 2),
        GenerativeDiscriminative(training: TrainingSettings(width: 16, steps: 30, batch: 64, learningRate: 1e-3)),
        GenerativeMMD(training: TrainingSettings(width: 16, steps: 30, batch: 64, learningRate: 2e-3)),
        PhysicsInformedGenerator(training: TrainingSettings(width: 16, steps: 30, batch: 16, learningRate: 2e-3),
                                 intervals: 4, testFunctions: 4),
    ]

    static func data(_ dimension: Int) -> FitData {
        let base = GaussianData.moving.fitData(dimension: dimension, count: 256, seed: 3, cells: 20, half: 3)
        let levels = [0.0, 0.5, 1]
        let control = (0 ..< dimension).map { axis in
            levels.flatMap { _ in (0 ..< base.grid.cellCount).map { 0.5 - base.grid.centre($0)[axis] } }
        }
        return FitData(samples: base.samples, grid: base.grid,
                       dynamics: PopulationDynamics(control: control, times: levels, viscosity: 0.1))
    }

    /// Two fits with the same seed give the same draws bit for bit (and the density where there is
    /// one); another seed gives other draws.
    @Test(arguments: [1, 2], 0 ..< 5) func fixedSeedFitsAreBitIdentical(dimension: Int, index: Int) throws {
        let approximator = Self.short[index], data = Self.data(dimension)
        let a = try approximator.fit(data, seed: 7), b = try approximator.fit(data, seed: 7)
        let c = try approximator.fit(data, seed: 8)
        var ga = SeededGenerator(seed: 1), gb = SeededGenerator(seed: 1), gc = SeededGenerator(seed: 1)
        let drawsA = a.sample(time: 0.6, count: 200, generator: &ga)
        #expect(drawsA == b.sample(time: 0.6, count: 200, generator: &gb))
        #expect(drawsA != c.sample(time: 0.6, count: 200, generator: &gc))
        #expect(drawsA.allSatisfy { $0.isFinite })
        if approximator.kind.hasDensity {
            #expect(a.density(at: drawsA, time: 0.6) == b.density(at: drawsA, time: 0.6))
        }
    }

    /// `G(0, z) = z` exactly, for every generator model and any z in the domain.
    @Test(arguments: [1, 2], 2 ..< 5) func generatorIsExactAtTimeZero(dimension: Int, index: Int) throws {
        let model = try #require(try Self.short[index].fit(Self.data(dimension), seed: 7) as? GeneratorModel)
        var g = SeededGenerator(seed: 4)
        let z = (0 ..< 300 * dimension).map { _ in 6 * g.unit() - 3 }
        #expect(model.transport(z, time: 0) == z)
        #expect(model.transport(z, time: 0.5) != z)
        // Draws at t = 0 are draws of the smoothed slice 0: in the domain.
        let draws = model.sample(time: 1, count: 500, generator: &g)
        #expect(draws.allSatisfy { $0 >= -3 && $0 <= 3 })
    }

    @Test func badSettingsAreRefused() {
        let data = Self.data(1)
        func message(_ approximator: any DensityApproximator) -> String? {
            do { _ = try approximator.fit(data, seed: 1); return nil } catch { return "\(error)" }
        }
        #expect(message(DensityNetwork(training: TrainingSettings(width: 0, steps: 10, batch: 4, learningRate: 1e-2)))?
            .contains("width must be in 1...4096, got 0") == true)
        #expect(message(NormalisingFlow(training: TrainingSettings(steps: 0, batch: 4, learningRate: 1e-2)))?
            .contains("steps must be in 1...10000000, got 0") == true)
        #expect(message(GenerativeMMD(training: TrainingSettings(steps: 5, batch: 4, learningRate: .nan)))?
            .contains("learning rate must be a finite number") == true)
        #expect(message(NormalisingFlow(training: TrainingSettings(steps: 5, batch: 1 << 20, learningRate: 1e-3)))?
            .contains("batch must be in 1...65536") == true)
        #expect(message(NormalisingFlow(components: 500))?.contains("mixture components must be in 1...64") == true)
        #expect(message(PhysicsInformedGenerator(testFunctions: 0))?.contains("test functions must be in 1...256") == true)
        let noDynamics = FitData(samples: data.samples, grid: data.grid)
        #expect(throws: ApproximatorError.self) { _ = try PhysicsInformedGenerator().fit(noDynamics, seed: 1) }
        let late = PopulationSamples(dimension: 1, times: [0.5, 1], points: [[0.1], [0.2]], source: "test")
        #expect(throws: ApproximatorError.self) {
            _ = try GenerativeMMD().fit(FitData(samples: late, grid: data.grid), seed: 1)
        }
    }
}

/// The physics-informed generator on an Ornstein-Uhlenbeck flow, `dX = -X dt + sqrt(2 nu) dW`,
/// `nu = 0.5`, from `N(1, 0.5^2)`: at time t the law is Gaussian with mean `e^{-t}` and variance
/// `0.25 e^{-2t} + nu (1 - e^{-2t})` (`d Var/dt = -2 Var + 2 nu`), at t = 0.5 mean 0.6065 and
/// variance 0.4080, at t = 1 mean 0.3679 and variance 0.4661. The drift `a = -x` is given on a
/// 200-cell grid of `[-5, 5]` (the walls are 7 sd away: negligible), 101 time levels.
///
/// Short training, for test speed (about 1.5 s per fit in debug): 600 steps, `n = 64` particles
/// (two halves of 32 for the unbiased squared residual), 10 intervals, the low modes and 8
/// adversarial test functions, step 5e-3 (decayed). Three seeds: the fit must not depend on the
/// seed (before the fixed low modes, one seed in three missed the mean). m0's spread (0.5) keeps
/// the generator's input `z~` from being nearly constant on the domain's scale; with 0.2 a short
/// run can stay at the initial spread.
///
/// Tolerance: mean within 0.1 and variance within 12 % at t = 0.5 and 1. Each test-function moment
/// is matched up to the Monte Carlo noise of 32 particles per half, `32^{-1/2} = 0.18` per step,
/// averaged over the last few hundred steps of a decaying step size; measured errors over the three
/// seeds are at most 0.045 (mean) and 8.6 % (variance). The checks are still far tighter than what
/// they rule out: a generator that ignored the drift would have the mean at 1 (off by 0.63 at
/// t = 1), one that ignored the diffusion the variance `0.25 e^{-2t}` (off by 77 % at t = 0.5 and
/// 93 % at t = 1).
@Suite struct PhysicsInformedOUTests {
    /// One BLAS thread: the small products of these networks gain nothing from more, and the
    /// reproducibility checks hold for a fixed thread count.
    init() { BLASThreads.set(1) }

    @Test(arguments: [1, 2, 3] as [UInt64]) func matchesTheOrnsteinUhlenbeckMoments(seed: UInt64) throws {
        let nu = 0.5
        let centres = (0 ..< 200).map { -5 + 10 * (Double($0) + 0.5) / 200 }
        let grid = DensityGrid(x: centres, lower: [-5], upper: [5])
        let levels = (0 ... 100).map { Double($0) / 100 }
        let dynamics = PopulationDynamics(control: [levels.flatMap { _ in centres.map { -$0 } }], times: levels, viscosity: nu)
        var g = SeededGenerator(seed: 12)
        let m0 = (0 ..< 4096).map { _ in 1 + 0.5 * g.normal() }
        let samples = PopulationSamples(dimension: 1, times: [0], points: [m0], source: "test")
        let approximator = PhysicsInformedGenerator(training: TrainingSettings(steps: 600, batch: 64, learningRate: 5e-3),
                                                    intervals: 10, testFunctions: 8)
        let model = try approximator.fit(FitData(samples: samples, grid: grid, dynamics: dynamics), seed: seed)
        var draw = SeededGenerator(seed: 5)
        for t in [0.5, 1.0] {
            let draws = model.sample(time: t, count: 20000, generator: &draw)
            let (mean, sd) = moments(draws, dimension: 1)
            let exactMean = exp(-t), exactVariance = 0.25 * exp(-2 * t) + nu * (1 - exp(-2 * t))
            print("OU seed \(seed) t=\(t): mean \(mean) (\(exactMean)), variance \(sd * sd) (\(exactVariance))")
            #expect(abs(mean - exactMean) < 0.1, "seed \(seed) t=\(t): mean \(mean) against \(exactMean)")
            #expect(abs(sd * sd / exactVariance - 1) < 0.12, "seed \(seed) t=\(t): variance \(sd * sd) against \(exactVariance)")
        }
    }
}
