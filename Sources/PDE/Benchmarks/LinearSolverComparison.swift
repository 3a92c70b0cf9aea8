import Foundation

/// Measures one 2D time-step solve two ways, for the choice of linear solver: LAPACK's banded LU
/// (`dgbsv`, band = ny on a walled grid) and the ILU-preconditioned BiCGSTAB used by the 2D solver,
/// on the same linearised HJB matrix (crowd-aversion data with walls, the policy of one sweep).
public enum LinearSolverComparison {
    public struct Result: Sendable {
        public let banded: Double, krylov: Double, krylovIterations: Int, difference: Double
    }

    public static func measure(n: Int) throws -> Result {
        var p = Catalogue.crowdAversion2D()
        p.boundary = .reflecting
        let s = try DiscreteMFG2D(problem: p, nx: n, ny: n, nt: 2)
        s.solveFokkerPlanck(into: s.m + s.count)
        s.solveLinearHJBAndUpdatePolicy()
        s.assemble(step: 0)
        let count = s.count
        let rhs = (0..<count).map { Double($0 % 7) - 3 }
        // Banded LU.
        let start = ContinuousClock.now
        let band = try BandedMatrix(order: count, lower: n, upper: n)
        for q in 0..<count {
            band.add(q, q, s.system.centre[q])
            let i = q / n, j = q % n
            if i > 0 { band.add(q, q - n, s.system.west[q]) }
            if i < n - 1 { band.add(q, q + n, s.system.east[q]) }
            if j > 0 { band.add(q, q - 1, s.system.south[q]) }
            if j < n - 1 { band.add(q, q + 1, s.system.north[q]) }
        }
        var direct = rhs
        try direct.withUnsafeMutableBufferPointer { try band.solve($0.baseAddress!) }
        let banded = SolveLog.seconds(since: start)
        // ILU-BiCGSTAB from zero, to 1e-13.
        let start2 = ContinuousClock.now
        s.system.factor(0)
        var x = [Double](repeating: 0, count: count)
        x.withUnsafeMutableBufferPointer { xp in _ = s.system.solve(0, rhs, xp.baseAddress!, tolerance: 1e-13) }
        let krylov = SolveLog.seconds(since: start2)
        let difference = zip(x, direct).reduce(0.0) { max($0, abs($1.0 - $1.1)) }
        return Result(banded: banded, krylov: krylov, krylovIterations: s.system.lastIterations, difference: difference)
    }
}
