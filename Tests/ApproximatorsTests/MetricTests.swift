import Approximators
import Foundation
import Neural
import Testing

/// Each metric against a closed form.
@Suite struct MetricTests {
    /// W1(N(m1, s^2), N(m2, s^2)) = |m1 - m2|, W1(N(0, s1^2), N(0, s2^2)) = |s1 - s2| sqrt(2/pi), on 2000 cells
    /// of [-5, 5] (h = 0.005). Cell masses as point masses at the centres shift W1 by O(h^2) = 2.5e-5 at most.
    @Test func wassersteinBetweenGaussians() throws {
        let grid = uniformGrid(-5, 5, 2000)
        let reference = GridDensity(grid: grid, times: [0], weights: [gaussianMasses(grid, mean: 0.1, sd: 0.5)])
        let shifted = try HistogramModel(grid: grid, times: [0], masses: [gaussianMasses(grid, mean: 0.4, sd: 0.5)])
        let w1 = try DensityScore.score(model: shifted, reference: reference, drawCount: 0, seed: 0)[.w1]![0]
        #expect(abs(w1 - 0.3) < 1e-4, "W1 \(w1)")
        let wider = try HistogramModel(grid: grid, times: [0], masses: [gaussianMasses(grid, mean: 0.1, sd: 0.8)])
        let scores = try DensityScore.score(model: wider, reference: reference, drawCount: 0, seed: 0)
        #expect(abs(scores[.w1]![0] - 0.3 * (2 / Double.pi).squareRoot()) < 1e-4, "W1 \(scores[.w1]![0])")
        // Moments: the variance error is s2^2 - s1^2 = 0.39 up to Sheppard's h^2/12 terms (cancelling).
        #expect(abs(scores[.covarianceError]![0] - 0.39) < 1e-6)
        #expect(scores[.meanError]![0] < 1e-8)   // the tails cut at 9 sd, round-off
    }

    /// KL(N(m1, s1^2) || N(m2, s2^2)) = log(s2/s1) + (s1^2 + (m1 - m2)^2) / (2 s2^2) - 1/2, the model a
    /// one-component mixture (exact cell integrals): the grid's error is O(h^2) = 2.5e-5 relative at h = 0.005.
    @Test func klBetweenGaussians() throws {
        let grid = uniformGrid(-6, 6, 2400)
        let (m1, s1, m2, s2) = (0.2, 0.6, -0.3, 0.9)
        let reference = GridDensity(grid: grid, times: [0], weights: [gaussianMasses(grid, mean: m1, sd: s1)])
        let model = GaussianMixtureModel(grid: grid, times: [0], mixtures: [[GaussianComponent(weight: 1, mean: [m2], covariance: [s2 * s2])]])
        let kl = try DensityScore.score(model: model, reference: reference, drawCount: 0, seed: 0)[.kl]![0]
        let exact = log(s2 / s1) + (s1 * s1 + (m1 - m2) * (m1 - m2)) / (2 * s2 * s2) - 0.5
        #expect(abs(kl - exact) < 1e-4 * exact, "KL \(kl) against \(exact)")
    }

    /// MMD^2 of a grid measure with itself is exactly 0; the unbiased estimate from draws of the reference
    /// itself has mean 0: over 40 seeds its average is within 4 standard errors of 0.
    @Test func mmdOfIdenticalMeasures() throws {
        let grid = uniformGrid(-3, 3, 120)
        let masses = gaussianMasses(grid, mean: 0.3, sd: 0.7)
        let reference = GridDensity(grid: grid, times: [0], weights: [masses])
        let score = try DensityScore(reference: reference)
        let same = try score.score(model: HistogramModel(grid: grid, times: [0], masses: [reference.masses[0]]), drawCount: 0, seed: 0)
        #expect(same[.mmd2]![0] == 0)
        for metric in [Metric.l1, .w1, .kl] { #expect(same[metric]![0] < 1e-15) }
        let estimates = try (0..<40).map { try score.score(model: DrawsOnly(reference: reference), drawCount: 300, seed: UInt64($0))[.mmd2]![0] }
        let mean = estimates.reduce(0, +) / 40
        let sd = (estimates.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 39).squareRoot()
        #expect(abs(mean) < 4 * sd / 40.0.squareRoot(), "mean \(mean), standard error \(sd / 40.0.squareRoot())")
        // The V-statistic of the oracle is positive: its expectation is (1 - r^T K r) / N per kernel.
        let floor = try score.oracleFloor(sampleCount: 300, seeds: [1, 2, 3])
        #expect(floor[.mmd2]![0] > 0)
    }

    /// Sliced W1 of a translated 2D distribution: the mean over directions of |<shift, theta>|, which is
    /// (2/pi)|shift| for uniform angles (128 equally spaced angles: relative quadrature error below 1e-4).
    /// Tolerance 2e-3 relative: the shift is not a multiple of h, and each projected measure's W1 then
    /// differs from |<shift, theta>| by O(h^2) terms.
    @Test func slicedWassersteinOfATranslation() throws {
        let n = 80, h = 8.0 / Double(n)
        let axis = (0..<n).map { -4 + (Double($0) + 0.5) * h }
        let grid = DensityGrid(x: axis, y: axis, lower: [-4, -4], upper: [4, 4])
        let reference = GridDensity(grid: grid, times: [0], weights: [gaussianMasses2D(grid, mean: (0, 0), sd: (0.6, 0.8))])
        let shift = (0.5, -0.3)
        let moved = try HistogramModel(grid: grid, times: [0], masses: [gaussianMasses2D(grid, mean: shift, sd: (0.6, 0.8))])
        let scores = try DensityScore.score(model: moved, reference: reference, drawCount: 0, seed: 0)
        let length = (shift.0 * shift.0 + shift.1 * shift.1).squareRoot()
        let directions = (0..<128).map { Double.pi * Double($0) / 128 }
        let discrete = directions.map { abs(shift.0 * cos($0) + shift.1 * sin($0)) }.reduce(0, +) / 128
        #expect(abs(discrete - 2 / Double.pi * length) < 1e-4 * length)
        #expect(abs(scores[.slicedW1]![0] - discrete) < 2e-3 * discrete, "SW1 \(scores[.slicedW1]![0]) against \(discrete)")
        // A pure translation moves every projection rigidly: SW2^2 = mean of <shift, theta>^2 = |shift|^2 / 2.
        #expect(abs(scores[.slicedW2]![0] - length / 2.0.squareRoot()) < 2e-3 * length, "SW2 \(scores[.slicedW2]![0])")
        #expect(abs(scores[.meanError]![0] - length) < 1e-5)   // the tails cut at 4.6 sd
    }

    /// The oracle floor of W1 falls like N^(-1/2): 16 times the draws, a quarter of the W1 (20 seeds; the
    /// ratio's sampling spread is a few per cent, and the binning to cells adds no bias).
    @Test func oracleFloorScalesLikeInverseRootN() throws {
        let grid = uniformGrid(-4, 4, 200)
        let reference = GridDensity(grid: grid, times: [0], weights: [gaussianMasses(grid, mean: 0, sd: 0.6)])
        let score = try DensityScore(reference: reference)
        let seeds = (0..<20).map { UInt64($0) }
        let small = try score.oracleFloor(sampleCount: 256, seeds: seeds).average["w1"]!
        let large = try score.oracleFloor(sampleCount: 4096, seeds: seeds).average["w1"]!
        #expect(abs(small / large - 4) < 0.6, "W1 \(small) at N = 256, \(large) at N = 4096")
    }

    /// Refusals name what to change.
    @Test func badInputsAreRefused() throws {
        let grid = uniformGrid(0, 1, 10)
        let reference = GridDensity(grid: grid, times: [0], weights: [[Double](repeating: 1, count: 10)])
        #expect(throws: ApproximatorError.self) { try OracleSamples.draw(reference, count: 0, seed: 0) }
        #expect(throws: ApproximatorError.self) { try DensityScore.oracleFloor(reference: reference, sampleCount: 10, seeds: []) }
        let empty = PopulationSamples(dimension: 1, times: [0], points: [[]], source: "test")
        #expect(throws: ApproximatorError.self) { try Histogram().fit(FitData(samples: empty, grid: grid), seed: 0) }
        let nan = PopulationSamples(dimension: 1, times: [0], points: [[0.5, .nan]], source: "test")
        #expect(throws: ApproximatorError.self) { try KernelDensity().fit(FitData(samples: nan, grid: grid), seed: 0) }
        #expect(throws: ApproximatorError.self) { try GaussianMixture(components: 0).fit(FitData(samples: nan, grid: grid), seed: 0) }
    }
}
