import Foundation
import Neural

/// Fit times of the approximators (their default settings) on synthetic data, for `solve-mfg bench --approx`: a
/// Gaussian population drifting under `a(x) = -x` (an Ornstein-Uhlenbeck flow, the control given
/// to the physics-informed generator), `samples` i.i.d. agents per slice at `slices` times on
/// `[0, 1]`, on a 200-cell 1D grid on `[-4, 4]` or an 80 x 80 grid on `[-4, 4]^2`.
///
/// The BLAS thread count is whatever is set (the command line sets one thread); a fixed count
/// keeps the fits reproducible bit for bit.
public enum ApproximatorBenchmark {
    public struct Timing: Sendable {
        public var kind: ApproximatorKind
        public var dimension: Int
        public var samples: Int
        public var slices: Int
        public var seconds: Double
        public var blasThreads: Int?
    }

    /// The synthetic data: `N(m_t, s_t^2 I)` with the OU moments from `N(1, 0.3^2)` (each axis),
    /// `m_t = e^{-t}`, `s_t^2 = 0.09 e^{-2t} + nu (1 - e^{-2t})`, `nu = 0.5`.
    public static func syntheticData(dimension: Int, samples: Int, slices: Int, seed: UInt64) -> FitData {
        precondition(dimension == 1 || dimension == 2 && samples >= 1 && slices >= 2)
        let n = dimension == 1 ? 200 : 80
        let centres = (0 ..< n).map { -4 + 8 * (Double($0) + 0.5) / Double(n) }
        let grid = DensityGrid(x: centres, y: dimension == 2 ? centres : nil, lower: [Double](repeating: -4, count: dimension),
                               upper: [Double](repeating: 4, count: dimension))
        let times = (0 ..< slices).map { Double($0) / Double(slices - 1) }
        var generator = SeededGenerator(seed: seed)
        let points = times.map { t -> [Double] in
            let mean = exp(-t), sd = (0.09 * exp(-2 * t) + 0.5 * (1 - exp(-2 * t))).squareRoot()
            return (0 ..< samples * dimension).map { _ in min(max(mean + sd * generator.normal(), -3.999), 3.999) }
        }
        let levels = (0 ... 100).map { Double($0) / 100 }
        let control = (0 ..< dimension).map { axis in
            levels.flatMap { _ in (0 ..< grid.cellCount).map { -grid.centre($0)[axis] } }
        }
        let samplesValue = PopulationSamples(dimension: dimension, times: times, points: points, source: "synthetic")
        return FitData(samples: samplesValue, grid: grid,
                       dynamics: PopulationDynamics(control: control, times: levels, viscosity: 0.5))
    }

    /// Times one fit of each of `kinds` (the default settings) to the synthetic data.
    public static func run(dimension: Int, samples: Int = 4096, slices: Int = 21,
                           kinds: [ApproximatorKind] = [.densityNetwork, .flow, .generativeDiscriminative, .generativeMMD, .physicsInformed],
                           seed: UInt64 = 1) throws -> [Timing] {
        let data = syntheticData(dimension: dimension, samples: samples, slices: slices, seed: seed)
        return try kinds.map { kind in
            let approximator = try ApproximatorSettings(kind: kind).make()
            let clock = ContinuousClock()
            let elapsed = try clock.measure { _ = try approximator.fit(data, seed: seed) }
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
            return Timing(kind: kind, dimension: dimension, samples: samples, slices: slices, seconds: seconds,
                          blasThreads: BLASThreads.current)
        }
    }
}
