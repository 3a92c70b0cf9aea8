import Foundation
import Neural
import RLBridge

/// The Gaussian kernel density estimate per slice, a product kernel over the axes:
/// `m(x) = sum_i w_i prod_a phi((x_a - X_ia) / b_a) / b_a`, with the normal-reference bandwidth per axis
/// `b_a = sigma_a (4 / ((d + 2) n))^(1/(d+4))` (Silverman; `1.06 sigma n^(-1/5)` in 1D) or
/// `b_a = sigma_a n^(-1/(d+4))` (Scott), `sigma_a` the weighted standard deviation and
/// `n = 1 / sum w_i^2` the effective sample size; at least half a cell. On a torus the kernel is
/// wrapped (images one period away on each side).
public struct KernelDensity: DensityApproximator {
    public enum Bandwidth: String, Sendable, Codable, CaseIterable { case silverman, scott }
    public var bandwidth: Bandwidth

    public init(bandwidth: Bandwidth = .silverman) { self.bandwidth = bandwidth }

    public var kind: ApproximatorKind { .kde }

    public func fit(_ data: FitData, seed: UInt64) throws -> any PopulationModel {
        try checkSamples(data.samples)
        let s = data.samples, d = s.dimension, spacing = data.grid.spacing
        let bandwidths = s.times.indices.map { k -> [Double] in
            let moments = WeightedMoments(points: s.points[k], weights: s.weights[k], dimension: d)
            let n = WeightedMoments.effectiveCount(s.weights[k]), dd = Double(d)
            let factor = switch bandwidth {
            case .silverman: pow(4 / ((dd + 2) * n), 1 / (dd + 4))
            case .scott: pow(n, -1 / (dd + 4))
            }
            return (0..<d).map { a in max(moments.covariance[a * d + a].squareRoot() * factor, spacing[a] / 2) }
        }
        return KernelDensityModel(grid: data.grid, samples: s, bandwidths: bandwidths)
    }
}

/// A fitted kernel density estimate: the samples, their weights and the bandwidths of each slice.
public struct KernelDensityModel: CellMassModel {
    public var kind: ApproximatorKind { .kde }
    public var dimension: Int { samples.dimension }
    public let grid: DensityGrid
    public let samples: PopulationSamples
    /// `bandwidths[k][axis]`.
    public let bandwidths: [[Double]]

    /// The images of a kernel centre on an axis: one period either side on a torus.
    private func images(_ axis: Int) -> [Double] {
        guard grid.periodic else { return [0] }
        let length = grid.upper[axis] - grid.lower[axis]
        return [-length, 0, length]
    }

    public func density(at points: [Double], time t: Double) -> [Double]? {
        let k = nearestSlice(samples.times, t), d = dimension, b = bandwidths[k]
        let x = samples.points[k], w = samples.weights[k], shifts = (0..<d).map(images)
        let norm = 1 / b.reduce(pow(2 * Double.pi, Double(d) / 2), *)
        return (0..<points.count / d).map { p in
            var sum = 0.0
            for i in w.indices {
                var product = w[i] * norm
                for a in 0..<d {
                    var axis = 0.0
                    for shift in shifts[a] {
                        let z = (points[p * d + a] - x[i * d + a] - shift) / b[a]
                        axis += exp(-0.5 * z * z)
                    }
                    product *= axis
                }
                sum += product
            }
            return sum
        }
    }

    public func sample(time t: Double, count: Int, generator: inout SeededGenerator) -> [Double] {
        let k = nearestSlice(samples.times, t), d = dimension, b = bandwidths[k]
        let sampler = try! CellSampler(grid: DensityGrid.states(samples.count(k)), masses: samples.weights[k] + (samples.count(k) == 1 ? [0] : []))
        var normals = NormalDraws()
        var out = [Double](repeating: 0, count: count * d)
        for n in 0..<count {
            let i = sampler.cell(&generator)
            for a in 0..<d { out[n * d + a] = grid.wrap(samples.points[k][i * d + a] + b[a] * normals.next(&generator), axis: a) }
        }
        return out
    }

    /// `sum_i w_i prod_a [Phi((c_a + h_a/2 - X_ia) / b_a) - Phi((c_a - h_a/2 - X_ia) / b_a)]`: the exact cell
    /// integrals of the estimate (cells further than 8 bandwidths from a sample get below 1e-15 of it and
    /// are skipped).
    public func cellMasses(on target: DensityGrid, time t: Double) -> [Double] {
        let k = nearestSlice(samples.times, t), d = dimension, b = bandwidths[k]
        let x = samples.points[k], w = samples.weights[k]
        let axes = [target.x] + (target.y.map { [$0] } ?? [])
        var masses = [Double](repeating: 0, count: target.cellCount)
        var buffers = axes.map { [Double](repeating: 0, count: $0.count) }
        var ranges = [(Int, Int)](repeating: (0, 0), count: d)
        let shifts = (0..<d).map(images)
        for i in w.indices where w[i] > 0 {
            for a in 0..<d {
                ranges[a] = AxisIntegrals.gaussian(centre: x[i * d + a], width: b[a], axis: axes[a], shifts: shifts[a], into: &buffers[a])
            }
            if d == 1 {
                for c in ranges[0].0 ..< ranges[0].1 { masses[c] += w[i] * buffers[0][c] }
            } else {
                let ny = target.ny
                for p in ranges[0].0 ..< ranges[0].1 {
                    let wx = w[i] * buffers[0][p]
                    for q in ranges[1].0 ..< ranges[1].1 { masses[p * ny + q] += wx * buffers[1][q] }
                }
            }
        }
        return masses
    }
}

/// Cell integrals of a 1D Gaussian on an axis of cell centres.
enum AxisIntegrals {
    /// `out[c] = sum_shift [Phi((c + h/2 - mu - shift)/s) - Phi((c - h/2 - mu - shift)/s)]` for the cells within
    /// 8 s of a shifted centre (`out` is zeroed over the returned range `lo ..< hi` first; other entries are stale).
    static func gaussian(centre mu: Double, width s: Double, axis: [Double], shifts: [Double], into out: inout [Double]) -> (Int, Int) {
        let n = axis.count, h = axis[1] - axis[0]
        @inline(__always) func span(_ m: Double) -> (Int, Int) {
            (max(0, Int(((m - 8 * s - axis[0]) / h).rounded(.down))), min(n, Int(((m + 8 * s - axis[0]) / h).rounded(.up)) + 1))
        }
        var lo = n, hi = 0
        for shift in shifts {
            let (first, last) = span(mu + shift)
            if first < last { lo = min(lo, first); hi = max(hi, last) }
        }
        guard lo < hi else { return (0, 0) }
        for c in lo..<hi { out[c] = 0 }
        for shift in shifts {
            let m = mu + shift, (first, last) = span(m)
            guard first < last else { continue }
            var below = normalCDF((axis[first] - h / 2 - m) / s)
            for c in first..<last {
                let above = normalCDF((axis[c] + h / 2 - m) / s)
                out[c] += above - below
                below = above
            }
        }
        return (lo, hi)
    }
}
