import Testing
@testable import PDE

@Suite struct TridiagonalSolverTests {
    /// Dense residual |A x - rhs|_inf of a (cyclic) tridiagonal system.
    func residual(_ sub: [Double], _ diag: [Double], _ sup: [Double], _ x: [Double], _ rhs: [Double], periodic: Bool) -> Double {
        let n = x.count
        var worst = 0.0
        for i in 0..<n {
            var s = diag[i] * x[i]
            if i > 0 { s += sub[i] * x[i - 1] } else if periodic { s += sub[0] * x[n - 1] }
            if i < n - 1 { s += sup[i] * x[i + 1] } else if periodic { s += sup[n - 1] * x[0] }
            worst = max(worst, abs(s - rhs[i]))
        }
        return worst
    }

    @Test(arguments: [false, true], [4, 5, 17, 200])
    func solvesDiagonallyDominantSystems(periodic: Bool, n: Int) {
        var random = SeededRandom(seed: UInt64(n) * 7 + (periodic ? 1 : 0))
        let sub = (0..<n).map { _ in -random.uniform(0, 2) }
        let sup = (0..<n).map { _ in -random.uniform(0, 2) }
        let diag = (0..<n).map { abs(sub[$0]) + abs(sup[$0]) + random.uniform(0.1, 1) }
        let rhs = (0..<n).map { _ in random.uniform(-1, 1) }
        var x = [Double](repeating: 0, count: n)
        let solver = TridiagonalSolver(count: n)
        x.withUnsafeMutableBufferPointer { xp in
            solver.solve(sub: sub, diag: diag, sup: sup, rhs: rhs, x: xp.baseAddress!, periodic: periodic)
        }
        // Condition number is O(1) for these matrices, so the residual is at round-off.
        #expect(residual(sub, diag, sup, x, rhs, periodic: periodic) < 1e-13)
    }
}
