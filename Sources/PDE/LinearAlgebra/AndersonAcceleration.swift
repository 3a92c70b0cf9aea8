import Foundation

/// Anderson acceleration (type II, Walker-Ni 2011) of a fixed-point iteration `x <- G(x)` on a
/// large vector: keeps the last `depth` differences of `G(x)` and of `f = G(x) - x`, and returns
/// `G(x_k) - dG gamma` with `gamma` minimising `|f_k - dF gamma|` (normal equations, tiny).
/// Buffers are allocated once.
final class AndersonAcceleration {
    let size: Int, depth: Int
    let dG: [UnsafeMutablePointer<Double>], dF: [UnsafeMutablePointer<Double>]
    let lastG: UnsafeMutablePointer<Double>, lastF: UnsafeMutablePointer<Double>
    var stored = 0, next = 0, hasLast = false
    /// Gram matrix `dF_i . dF_j` of the stored slots, updated one row per step.
    var gram: [Double]

    init(size: Int, depth: Int) {
        self.size = size
        self.depth = depth
        dG = (0..<depth).map { _ in .allocate(capacity: size) }
        dF = (0..<depth).map { _ in .allocate(capacity: size) }
        lastG = .allocate(capacity: size)
        lastF = .allocate(capacity: size)
        gram = [Double](repeating: 0, count: depth * depth)
    }

    deinit {
        for p in dG + dF + [lastG, lastF] { p.deallocate() }
    }

    func reset() { stored = 0; next = 0; hasLast = false }

    /// Given the current iterate `x` and `g = G(x)`, writes the next iterate into `x`.
    func step(x: UnsafeMutablePointer<Double>, g: UnsafePointer<Double>) {
        let n = size
        // f = g - x, stored temporarily in x's place after saving what is needed.
        var replaced = -1
        if hasLast {
            let slot = next
            replaced = slot
            for k in 0..<n {
                let f = g[k] - x[k]
                dF[slot][k] = f - lastF[k]
                dG[slot][k] = g[k] - lastG[k]
                lastF[k] = f
                lastG[k] = g[k]
            }
            next = (next + 1) % depth
            stored = min(stored + 1, depth)
        } else {
            for k in 0..<n { lastF[k] = g[k] - x[k]; lastG[k] = g[k] }
            hasLast = true
        }
        guard stored > 0 else {
            x.update(from: g, count: n)
            return
        }
        // Normal equations (dF^T dF + eps I) gamma = dF^T f; only the replaced row of the Gram
        // matrix is new.
        let m = stored
        if replaced >= 0 {
            for j in 0..<m {
                var s = 0.0
                for k in 0..<n { s += dF[replaced][k] * dF[j][k] }
                gram[replaced * depth + j] = s
                gram[j * depth + replaced] = s
            }
        }
        var a = [Double](repeating: 0, count: m * m), b = [Double](repeating: 0, count: m)
        for i in 0..<m {
            for j in 0..<m { a[i * m + j] = gram[i * depth + j] }
            var s = 0.0
            for k in 0..<n { s += dF[i][k] * lastF[k] }
            b[i] = s
        }
        let scale = (0..<m).map { a[$0 * m + $0] }.max() ?? 1
        for i in 0..<m { a[i * m + i] += 1e-12 * scale }
        // Gaussian elimination with partial pivoting on the tiny system.
        var gamma = b
        for col in 0..<m {
            var pivotRow = col
            for r in (col + 1)..<max(col + 1, m) where abs(a[r * m + col]) > abs(a[pivotRow * m + col]) { pivotRow = r }
            if pivotRow != col {
                for c in 0..<m { a.swapAt(col * m + c, pivotRow * m + c) }
                gamma.swapAt(col, pivotRow)
            }
            let p = a[col * m + col]
            guard p != 0, p.isFinite else { x.update(from: g, count: n); return }
            for r in (col + 1)..<max(col + 1, m) {
                let factor = a[r * m + col] / p
                for c in col..<m { a[r * m + c] -= factor * a[col * m + c] }
                gamma[r] -= factor * gamma[col]
            }
        }
        for col in stride(from: m - 1, through: 0, by: -1) {
            var s = gamma[col]
            for c in (col + 1)..<max(col + 1, m) { s -= a[col * m + c] * gamma[c] }
            gamma[col] = s / a[col * m + col]
        }
        for k in 0..<n {
            var v = g[k]
            for i in 0..<m { v -= gamma[i] * dG[i][k] }
            x[k] = v
        }
    }
}
