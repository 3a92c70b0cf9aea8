import Foundation

/// A model that can give its exact mass in each cell of a grid (cell integrals of its density).
public protocol CellMassModel: PopulationModel {
    /// The model's mass in each cell of `grid` at time `t` (not yet normalised).
    func cellMasses(on grid: DensityGrid, time t: Double) -> [Double]
}

extension PopulationModel {
    /// The model's masses on the grid, normalised over the active cells: its cell integrals when it
    /// has them (`CellMassModel`), else its density at the cell centres times the cell volume
    /// (the midpoint rule); nil for a model with samples only, or when the masses are not finite
    /// or sum to 0.
    public func gridMasses(on grid: DensityGrid, time t: Double) -> [Double]? {
        var masses: [Double]
        if let exact = self as? any CellMassModel {
            masses = exact.cellMasses(on: grid, time: t)
        } else {
            guard let density = density(at: grid.centres, time: t) else { return nil }
            masses = density.map { $0 * grid.cellVolume }
        }
        var total = 0.0
        for k in masses.indices {
            if !grid.isActive(k) || !(masses[k] > 0) { masses[k] = 0 }
            total += masses[k]
        }
        guard total > 0, total.isFinite else { return nil }
        for k in masses.indices { masses[k] /= total }
        return masses
    }
}

/// The slice whose time is nearest to `t` (the earlier one on a tie): models are piecewise constant in time.
func nearestSlice(_ times: [Double], _ t: Double) -> Int {
    var best = 0
    for (k, s) in times.enumerated() where abs(s - t) < abs(times[best] - t) { best = k }
    return best
}

/// `Phi(z) = (1 + erf(z / sqrt 2)) / 2`, the standard normal distribution function.
@inline(__always) func normalCDF(_ z: Double) -> Double { 0.5 * erfc(-z * 0.7071067811865476) }

/// Checks the samples an approximator is fitted to: no empty slice, finite coordinates and weights.
func checkSamples(_ samples: PopulationSamples) throws {
    guard !samples.times.isEmpty else { throw ApproximatorError("no time slices: give samples at one time at least") }
    for k in samples.times.indices {
        guard samples.count(k) > 0 else {
            throw ApproximatorError("slice \(k) (t = \(samples.times[k])) has no samples: give at least one agent per slice")
        }
        if let bad = samples.points[k].first(where: { !$0.isFinite }) {
            throw ApproximatorError("slice \(k) (t = \(samples.times[k])) has a coordinate \(bad): samples must be finite")
        }
        if let bad = samples.weights[k].first(where: { !($0.isFinite && $0 >= 0) }) {
            throw ApproximatorError("slice \(k) (t = \(samples.times[k])) has a weight \(bad): weights must be finite and non-negative")
        }
        guard samples.weights[k].reduce(0, +) > 0 else {
            throw ApproximatorError("slice \(k) (t = \(samples.times[k])) has weights summing to 0")
        }
    }
}
