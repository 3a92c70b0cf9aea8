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
