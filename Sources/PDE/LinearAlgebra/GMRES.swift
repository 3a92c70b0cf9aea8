import Foundation

/// Restarted GMRES (Saad-Schultz 1986) for `J x = b` with `J` given as a product, on contiguous
/// vectors; modified Gram-Schmidt with one reorthogonalisation, Givens rotations. The Krylov
/// basis (`restart + 1` vectors) is allocated once and reused by every solve.
final class GMRES {
    let size: Int
    let restart: Int
    let basis: UnsafeMutablePointer<Double>     // (restart + 1) * size
    let work: UnsafeMutablePointer<Double>
    var hessenberg: [Double]                      // (restart + 1) * restart, column-major
    var cosines: [Double], sines: [Double], rhs: [Double]

    init(size: Int, restart: Int) {
        self.size = size
        self.restart = restart
        basis = .allocate(capacity: (restart + 1) * size)
        work = .allocate(capacity: size)
        hessenberg = [Double](repeating: 0, count: (restart + 1) * restart)
        cosines = [Double](repeating: 0, count: restart)
        sines = cosines
        rhs = [Double](repeating: 0, count: restart + 1)
    }

    deinit {
        basis.deallocate()
        work.deallocate()
    }

    @inline(__always) func dot(_ a: UnsafePointer<Double>, _ b: UnsafePointer<Double>) -> Double {
        var s0 = 0.0, s1 = 0.0
        var k = 0
        while k + 1 < size { s0 += a[k] * b[k]; s1 += a[k + 1] * b[k + 1]; k += 2 }
        if k < size { s0 += a[k] * b[k] }
        return s0 + s1
    }

    struct Outcome { var iterations: Int; var relativeResidual: Double; var converged: Bool }

    /// Solves `J x = b` from `x = 0` until `|b - J x| <= tolerance |b|` or `maxIterations`
    /// products; `x` receives the iterate. `product(v, out, rho)` computes `J v`, told the relative
    /// residual `rho` reached so far: inexact Krylov theory (Simoncini-Szyld 2003, Bouras-Fraysse
    /// 2005) lets the product's error grow like `tolerance / rho` as the iteration converges.
    func solve(
        _ b: UnsafePointer<Double>, into x: UnsafeMutablePointer<Double>, tolerance: Double, maxIterations: Int,
        product: (UnsafePointer<Double>, UnsafeMutablePointer<Double>, Double) -> Void
    ) -> Outcome {
        let n = size
        x.update(repeating: 0, count: n)
        let bNorm = dot(b, b).squareRoot()
        guard bNorm > 0, bNorm.isFinite else { return Outcome(iterations: 0, relativeResidual: 0, converged: bNorm == 0) }
        var total = 0
        var residualNorm = bNorm
        // r0 = b (x = 0 at the first cycle).
        var first = true
        while total < maxIterations {
            let v0 = basis
            if first {
                v0.update(from: b, count: n)
                first = false
            } else {
                product(x, work, 1)
                for k in 0..<n { v0[k] = b[k] - work[k] }
                residualNorm = dot(v0, v0).squareRoot()
            }
            if residualNorm <= tolerance * bNorm { return Outcome(iterations: total, relativeResidual: residualNorm / bNorm, converged: true) }
            let inv = 1 / residualNorm
            for k in 0..<n { v0[k] *= inv }
            for i in 0...restart { rhs[i] = 0 }
            rhs[0] = residualNorm
            var j = 0
            var estimate = residualNorm
            while j < restart && total < maxIterations {
                let vj = basis + j * n, w = basis + (j + 1) * n
                product(vj, w, estimate / bNorm)
                total += 1
                // Modified Gram-Schmidt, twice.
                for i in 0...j { hessenberg[j * (restart + 1) + i] = 0 }
                for _ in 0..<2 {
                    for i in 0...j {
                        let vi = basis + i * n
                        let c = dot(w, vi)
                        hessenberg[j * (restart + 1) + i] += c
                        for k in 0..<n { w[k] -= c * vi[k] }
                    }
                }
                let norm = dot(w, w).squareRoot()
                hessenberg[j * (restart + 1) + j + 1] = norm
                if norm > 0 { let s = 1 / norm; for k in 0..<n { w[k] *= s } }
                // Apply the previous rotations, then a new one.
                let col = j * (restart + 1)
                for i in 0..<j {
                    let a = hessenberg[col + i], c = hessenberg[col + i + 1]
                    hessenberg[col + i] = cosines[i] * a + sines[i] * c
                    hessenberg[col + i + 1] = -sines[i] * a + cosines[i] * c
                }
                let a = hessenberg[col + j], c = hessenberg[col + j + 1]
                let r = (a * a + c * c).squareRoot()
                cosines[j] = r > 0 ? a / r : 1
                sines[j] = r > 0 ? c / r : 0
                hessenberg[col + j] = r
                hessenberg[col + j + 1] = 0
                rhs[j + 1] = -sines[j] * rhs[j]
                rhs[j] = cosines[j] * rhs[j]
                estimate = abs(rhs[j + 1])
                j += 1
                if estimate <= tolerance * bNorm || norm == 0 { break }
            }
            // x += V y, with y from the triangular system.
            var y = [Double](repeating: 0, count: j)
            var i = j - 1
            while i >= 0 {
                var s = rhs[i]
                for l in (i + 1)..<j { s -= hessenberg[l * (restart + 1) + i] * y[l] }
                y[i] = s / hessenberg[i * (restart + 1) + i]
                i -= 1
            }
            for l in 0..<j {
                let vl = basis + l * n, c = y[l]
                for k in 0..<n { x[k] += c * vl[k] }
            }
            residualNorm = estimate
            if estimate <= tolerance * bNorm { return Outcome(iterations: total, relativeResidual: estimate / bNorm, converged: true) }
        }
        return Outcome(iterations: total, relativeResidual: residualNorm / bNorm, converged: false)
    }
}
