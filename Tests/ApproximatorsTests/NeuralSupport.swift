@testable import Approximators
import Foundation
import Neural

/// Gaussian test data: slice k at time t_k holds `count` i.i.d. draws of `N(mean(t), sd(t)^2)` per
/// axis (a local sampler: the oracle sampler lives elsewhere), on a grid wide enough that the
/// walls do not matter.
struct GaussianData: Sendable {
    let times: [Double]
    let mean: @Sendable (Double) -> Double
    let sd: @Sendable (Double) -> Double

    static let moving = GaussianData(times: [0, 0.25, 0.5, 0.75, 1], mean: { -1 + 2 * $0 }, sd: { 0.4 + 0.3 * $0 })

    func fitData(dimension: Int, count: Int, seed: UInt64, cells: Int = 80, half: Double = 4) -> FitData {
        let centres = (0 ..< cells).map { -half + 2 * half * (Double($0) + 0.5) / Double(cells) }
        let grid = DensityGrid(x: centres, y: dimension == 2 ? centres : nil,
                               lower: [Double](repeating: -half, count: dimension),
                               upper: [Double](repeating: half, count: dimension))
        var generator = SeededGenerator(seed: seed)
        let points = times.map { t in
            (0 ..< count * dimension).map { _ in mean(t) + sd(t) * generator.normal() }
        }
        return FitData(samples: PopulationSamples(dimension: dimension, times: times, points: points, source: "test"),
                       grid: grid)
    }
}

/// Mean and standard deviation of axis `axis` of row-major points.
func moments(_ points: [Double], dimension: Int, axis: Int = 0) -> (mean: Double, sd: Double) {
    let values = stride(from: axis, to: points.count, by: dimension).map { points[$0] }
    let mean = values.reduce(0, +) / Double(values.count)
    let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count)
    return (mean, variance.squareRoot())
}

/// The relative error `|a - b| / max(|a|, |b|, floor)`.
func relativeError(_ a: Double, _ b: Double, floor: Double = 1e-3) -> Double {
    abs(a - b) / max(abs(a), abs(b), floor)
}
