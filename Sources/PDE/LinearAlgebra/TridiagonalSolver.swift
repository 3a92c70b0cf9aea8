/// Solves tridiagonal systems, plain or cyclic (periodic), in place and without allocation.
///
/// Row `i` reads `sub[i] x[i-1] + diag[i] x[i] + sup[i] x[i+1] = rhs[i]`. In the cyclic case
/// `sub[0]` multiplies `x[n-1]` and `sup[n-1]` multiplies `x[0]`; otherwise they are ignored.
/// No pivoting: meant for the diagonally dominant M-matrices of the upwind scheme.
/// The cyclic case is solved by bordering: `x_i = y_i + z_i x_{n-1}` on the leading block, then
/// the last row gives `x_{n-1}`.
public final class TridiagonalSolver {
    public let count: Int
    private let scratch: UnsafeMutablePointer<Double>  // modified super-diagonal
    private let border: UnsafeMutablePointer<Double>   // z, the response to x_{n-1}

    public init(count: Int) {
        precondition(count >= 3, "TridiagonalSolver needs at least 3 unknowns")
        self.count = count
        scratch = .allocate(capacity: count)
        border = .allocate(capacity: count)
    }

    deinit {
        scratch.deallocate()
        border.deallocate()
    }

    /// Solves the system; `x` may alias `rhs`.
    public func solve(
        sub: UnsafePointer<Double>, diag: UnsafePointer<Double>, sup: UnsafePointer<Double>,
        rhs: UnsafePointer<Double>, x: UnsafeMutablePointer<Double>, periodic: Bool
    ) {
        let n = count
        let cp = scratch
        if !periodic {
            var r = 1 / diag[0]
            cp[0] = sup[0] * r
            x[0] = rhs[0] * r
            for i in 1..<n {
                r = 1 / (diag[i] - sub[i] * cp[i - 1])
                cp[i] = sup[i] * r
                x[i] = (rhs[i] - sub[i] * x[i - 1]) * r
            }
            var i = n - 2
            while i >= 0 {
                x[i] -= cp[i] * x[i + 1]
                i -= 1
            }
            return
        }
        // Leading (n-1) block: solve T y = rhs[0..<n-1] and T z = -e, where e carries the
        // couplings to x[n-1]: e_0 = sub[0], e_{n-2} = sup[n-2].
        let z = border
        let m = n - 1
        var r = 1 / diag[0]
        cp[0] = sup[0] * r
        x[0] = rhs[0] * r
        z[0] = -sub[0] * r
        for i in 1..<m {
            r = 1 / (diag[i] - sub[i] * cp[i - 1])
            cp[i] = sup[i] * r
            x[i] = (rhs[i] - sub[i] * x[i - 1]) * r
            z[i] = -sub[i] * z[i - 1] * r
        }
        z[m - 1] -= sup[m - 1] * r
        var i = m - 2
        while i >= 0 {
            x[i] -= cp[i] * x[i + 1]
            z[i] -= cp[i] * z[i + 1]
            i -= 1
        }
        let last = (rhs[n - 1] - sub[n - 1] * x[n - 2] - sup[n - 1] * x[0])
            / (diag[n - 1] + sub[n - 1] * z[n - 2] + sup[n - 1] * z[0])
        x[n - 1] = last
        for i in 0..<m { x[i] += z[i] * last }
    }
}

/// LU factors of many tridiagonal (or cyclic tridiagonal) matrices of the same size, stored side
/// by side, for repeated solves without divisions: row `i` of matrix `k` at `k * count + i`.
/// The elimination is that of `TridiagonalSolver` (Thomas; the cyclic case bordered by the last
/// unknown), so a factored solve gives the same result to round-off.
final class TridiagonalFactors {
    let count: Int, matrices: Int
    let periodic: Bool
    /// `lower[i] = sub[i]`; `pivot[i]` the inverse pivot; `upper[i] = sup[i] * pivot[i]`; cyclic:
    /// `border` the response to the last unknown, and row `n-1` keeps `sub`, `sup` and `1/denominator`.
    let lower, pivot, upper: UnsafeMutablePointer<Double>
    let border: UnsafeMutablePointer<Double>?

    init(count: Int, matrices: Int, periodic: Bool) {
        self.count = count
        self.matrices = matrices
        self.periodic = periodic
        let size = count * matrices
        func make() -> UnsafeMutablePointer<Double> {
            let p = UnsafeMutablePointer<Double>.allocate(capacity: size)
            p.initialize(repeating: 0, count: size)
            return p
        }
        lower = make(); pivot = make(); upper = make()
        border = periodic ? make() : nil
    }

    deinit {
        for p in [lower, pivot, upper] { p.deallocate() }
        border?.deallocate()
    }

    /// Factors matrix `k` from its diagonals.
    func factor(_ k: Int, sub: UnsafePointer<Double>, diag: UnsafePointer<Double>, sup: UnsafePointer<Double>) {
        let n = count, o = k * n
        let l = lower + o, p = pivot + o, u = upper + o
        let rows = periodic ? n - 1 : n
        p[0] = 1 / diag[0]
        u[0] = sup[0] * p[0]
        l[0] = 0
        for i in 1..<rows {
            l[i] = sub[i]
            p[i] = 1 / (diag[i] - sub[i] * u[i - 1])
            u[i] = sup[i] * p[i]
        }
        guard periodic, let b = border.map({ $0 + o }) else { return }
        let m = n - 1
        b[0] = -sub[0] * p[0]
        for i in 1..<m { b[i] = -sub[i] * b[i - 1] * p[i] }
        b[m - 1] -= sup[m - 1] * p[m - 1]
        var i = m - 2
        while i >= 0 { b[i] -= u[i] * b[i + 1]; i -= 1 }
        l[n - 1] = sub[n - 1]
        u[n - 1] = sup[n - 1]
        p[n - 1] = 1 / (diag[n - 1] + sub[n - 1] * b[n - 2] + sup[n - 1] * b[0])
    }

    /// Solves with matrix `k`; `x` may alias `rhs`.
    @inline(__always)
    func solve(_ k: Int, rhs: UnsafePointer<Double>, x: UnsafeMutablePointer<Double>) {
        let n = count, o = k * n
        let l = lower + o, p = pivot + o, u = upper + o
        let rows = periodic ? n - 1 : n
        x[0] = rhs[0] * p[0]
        for i in 1..<rows { x[i] = (rhs[i] - l[i] * x[i - 1]) * p[i] }
        var i = rows - 2
        while i >= 0 { x[i] -= u[i] * x[i + 1]; i -= 1 }
        guard periodic, let b = border.map({ $0 + o }) else { return }
        let last = (rhs[n - 1] - l[n - 1] * x[n - 2] - u[n - 1] * x[0]) * p[n - 1]
        x[n - 1] = last
        for j in 0..<(n - 1) { x[j] += b[j] * last }
    }
}
