@testable import Approximators
import Foundation
import Neural
import Testing

/// Each neural model fitted to i.i.d. Gaussian samples recovers the slices' means and standard
/// deviations, and a fixed-seed fit is reproducible bit for bit.
///
/// Tolerances: the data has 2048 draws per slice, so the sample mean and deviation themselves are
/// off by about `sd / sqrt(2048) = 0.02 sd` and `0.016 sd`; the models are trained briefly (a few
/// hundred steps, for test speed), so the check is that the fitted law has the right location and
/// scale: mean within 0.15 sd and deviation within 15 % at every slice (a model that ignored t
/// would be off by up to 2.5 sd in the mean; one that ignored the data, by far more). Moments of the
/// model are estimated from 8000 draws (error about 0.011 sd).
@Suite struct NeuralFitTests {
    /// One BLAS thread: the small products of these networks gain nothing from more, and the
    /// reproducibility checks hold for a fixed thread count.
    init() { BLASThreads.set(1) }

    static let gaussian = GaussianData.moving

    func checkMoments(_ model: any PopulationModel, dimension: Int, label: String,
                      meanTolerance: Double = 0.15, sdTolerance: Double = 0.15) {
        var generator = SeededGenerator(seed: 11)
        for t in Self.gaussian.times {
            let draws = model.sample(time: t, count: 8000, generator: &generator)
            #expect(draws.count == 8000 * dimension)
            let sd = Self.gaussian.sd(t)
            for axis in 0 ..< dimension {
                let (mean, deviation) = moments(draws, dimension: dimension, axis: axis)
                print("\(label) \(dimension)D t=\(t) axis \(axis): mean \(mean) (\(Self.gaussian.mean(t))), sd \(deviation) (\(sd))")
                #expect(abs(mean - Self.gaussian.mean(t)) < meanTolerance * sd, "\(label) t=\(t) axis \(axis): mean \(mean)")
                #expect(abs(deviation / sd - 1) < sdTolerance, "\(label) t=\(t) axis \(axis): sd \(deviation) against \(sd)")
            }
        }
    }

    static let approximators: [(String, any DensityApproximator)] = [
        ("density-network", DensityNetwork(training: TrainingSettings(steps: 400, batch: 32, learningRate: 1e-2))),
        ("flow", NormalisingFlow(training: TrainingSettings(steps: 1200, batch: 256, learningRate: 3e-3))),
        // The GAN needs more steps than the others: at 1500 steps one seed in three (2D) still had a
        // too narrow law at t = 0.25 and 0.5 (sd off by 40-50 %); at 2500, three seeds of three pass
        // with sd within 7 % and means within 0.06 sd.
        ("gan", GenerativeDiscriminative(training: TrainingSettings(steps: 2500, batch: 128, learningRate: 2e-3))),
        ("mmd", GenerativeMMD(training: TrainingSettings(steps: 1000, batch: 256, learningRate: 2e-3))),
    ]

    @Test(arguments: [1, 2], 0 ..< 4) func recoversGaussianMoments(dimension: Int, index: Int) throws {
        let (label, approximator) = Self.approximators[index]
        let data = Self.gaussian.fitData(dimension: dimension, count: 2048, seed: 5)
        let clock = ContinuousClock()
        var model: (any PopulationModel)?
        let elapsed = try clock.measure { model = try approximator.fit(data, seed: 1) }
        print("\(label) \(dimension)D fit: \(elapsed)")
        checkMoments(model!, dimension: dimension, label: label)
        if approximator.kind.hasDensity {
            // The density integrates to 1 on the grid (midpoint rule on the cells).
            let centres = (0 ..< data.grid.cellCount).flatMap { data.grid.centre($0) }
            let density = try #require(model!.density(at: centres, time: 0.5))
            #expect(abs(density.reduce(0, +) * data.grid.cellVolume - 1) < 1e-3)
        } else {
            #expect(model!.density(at: [0, 0], time: 0.5) == nil)
        }
    }
}
