import Foundation
import Neural

/// Squared maximum mean discrepancy with Gaussian kernels `k(x, y) = exp(-|x - y|^2 / (2 s^2))` between
/// measures on a grid's cells (point masses at the centres): `MMD^2 = (p - r)^T K (p - r)`.
///
/// On a tensor grid the kernel factorises, `K = K_x ⊗ K_y`, so `u^T K v = sum_ij u_ij (K_x V K_y)_ij` costs
/// `O(nx ny (nx + ny))` instead of `O((nx ny)^2)`. On a torus each axis kernel is wrapped (images within
/// two periods), which keeps it positive definite.
///
/// Bandwidths: `s = f * median`, `f` in `factors` ({0.5, 1, 2}), `median` the median pairwise distance
/// of 512 draws from the reference slice (cell centres, a fixed seed), so the scale follows the slice.
struct KernelDiscrepancy: Sendable {
    static let factors = [0.5, 1.0, 2.0]
    static let subsample = 512
    let grid: DensityGrid
    /// One kernel per bandwidth: the axis matrices `[K_x, K_y]` (row-major) and the diagonal value `k(x, x)`.
    let kernels: [(axes: [[Double]], diagonal: Double)]
    let bandwidths: [Double]

    init(grid: DensityGrid, reference masses: [Double]) {
        self.grid = grid
        let median = Self.medianDistance(grid: grid, masses: masses)
        bandwidths = Self.factors.map { $0 * max(median, grid.spacing.min()!) }
        let axes = [grid.x] + (grid.y.map { [$0] } ?? [])
        kernels = bandwidths.map { s in
            let matrices = axes.enumerated().map { a, values in
                let n = values.count, length = grid.upper[a] - grid.lower[a]
                var k = [Double](repeating: 0, count: n * n)
                for i in 0..<n {
                    for j in 0..<n {
                        let d = values[i] - values[j]
                        var sum = 0.0
                        for image in grid.periodic ? -2...2 : 0...0 {
                            let z = (d + Double(image) * length) / s
                            sum += exp(-0.5 * z * z)
                        }
                        k[i * n + j] = sum
                    }
                }
                return k
            }
            return (matrices, matrices.enumerated().reduce(1.0) { $0 * $1.element[0] })
        }
    }

    /// The median of the pairwise distances (minimum image on a torus) of `subsample` draws of the slice.
    static func medianDistance(grid: DensityGrid, masses: [Double]) -> Double {
        guard let sampler = try? CellSampler(grid: grid, masses: masses) else { return 1 }
        var generator = SeededGenerator(seed: 0x4D4D_4432)
        let cells = (0..<subsample).map { _ in grid.centre(sampler.cell(&generator)) }
        var distances: [Double] = []
        distances.reserveCapacity(subsample * (subsample - 1) / 2)
        for i in 0..<subsample {
            for j in 0..<i {
                var sum = 0.0
                for a in 0..<grid.dimension {
                    var d = abs(cells[i][a] - cells[j][a])
                    if grid.periodic { d = min(d, grid.upper[a] - grid.lower[a] - d) }
                    sum += d * d
                }
                distances.append(sum.squareRoot())
            }
        }
        distances.sort()
        return distances[distances.count / 2]
    }

    /// `u^T K v` for kernel `b` (`scratch`: `nx ny` doubles).
    func bilinear(_ u: [Double], _ v: [Double], kernel b: Int, scratch: inout [Double]) -> Double {
        let kx = kernels[b].axes[0], nx = grid.nx
        guard grid.dimension == 2 else {
            var sum = 0.0
            for i in 0..<nx where u[i] != 0 {
                var row = 0.0
                for j in 0..<nx { row += kx[i * nx + j] * v[j] }
                sum += u[i] * row
            }
            return sum
        }
        let ky = kernels[b].axes[1], ny = grid.ny
        // T = K_x V (nx x ny), then sum_ij u_ij (T K_y)_ij.
        for i in 0..<nx {
            for j in 0..<ny { scratch[i * ny + j] = 0 }
            for l in 0..<nx {
                let k = kx[i * nx + l]
                guard k > 1e-300 else { continue }
                for j in 0..<ny { scratch[i * ny + j] += k * v[l * ny + j] }
            }
        }
        var sum = 0.0
        for i in 0..<nx {
            for j in 0..<ny where u[i * ny + j] != 0 {
                var t = 0.0
                for l in 0..<ny { t += scratch[i * ny + l] * ky[l * ny + j] }
                sum += u[i * ny + j] * t
            }
        }
        return sum
    }

    /// `(p - r)^T K (p - r)` per bandwidth: the MMD^2 of two grid measures (a V-statistic for an empirical one).
    func squared(_ p: [Double], _ r: [Double], scratch: inout [Double]) -> [Double] {
        let d = zip(p, r).map { $0 - $1 }
        return kernels.indices.map { bilinear(d, d, kernel: $0, scratch: &scratch) }
    }

    /// The unbiased estimate from `M` draws with cell counts `n` against the grid measure `r`:
    /// `(n^T K n - M k(x,x)) / (M (M-1)) - 2 n^T K r / M + r^T K r` (the U-statistic in the draws).
    func unbiased(counts n: [Double], draws M: Int, _ r: [Double], scratch: inout [Double]) -> [Double] {
        let m = Double(M)
        return kernels.indices.map { b in
            let nn = bilinear(n, n, kernel: b, scratch: &scratch), nr = bilinear(n, r, kernel: b, scratch: &scratch)
            let rr = bilinear(r, r, kernel: b, scratch: &scratch)
            return (nn - m * kernels[b].diagonal) / (m * (m - 1)) - 2 * nr / m + rr
        }
    }
}
