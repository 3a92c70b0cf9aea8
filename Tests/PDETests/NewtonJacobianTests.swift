import Foundation
import Testing
@testable import PDE

/// The Newton Jacobian equals the derivative of the full residual vector (central differences),
/// for a congestion problem and for the mean-field (linear-quadratic) couplings.
@Suite struct NewtonJacobianTests {
    static let cases: [(String, MFGProblem)] = [
        ("congestion periodic", smallCongestionProblem()),
        ("congestion reflecting", smallCongestionProblem(boundary: .reflecting)),
        ("linear-quadratic", try! Catalogue.linearQuadratic(halfWidth: 2)),
        ("nonlocal", { var p = smallCongestionProblem(); p.nonlocalKernel = { d in exp(-d * d * 4) * (1 + d) }; return p }()),
    ]

    @Test(arguments: 0..<4)
    func jacobianMatchesDifferences(index: Int) throws {
        let (name, problem) = Self.cases[index]
        let nx = 7, nt = 3
        let s = try DiscreteMFG(problem: problem, nx: nx, nt: nt)
        var random = SeededRandom(seed: UInt64(11 + index))
        for k in nx..<((nt + 1) * nx) { s.m[k] = random.uniform(0.2, 1.5) }
        for k in 0..<(nt * nx) { s.u[k] = random.uniform(-1, 1) }
        let shape = s.jacobianShape
        let J = try BandedMatrix(order: shape.order, lower: shape.lower, upper: shape.upper)
        _ = s.residuals()
        s.assembleJacobian(into: J)
        let count = shape.order
        let z = UnsafeMutablePointer<Double>.allocate(capacity: count)
        let plus = UnsafeMutablePointer<Double>.allocate(capacity: count)
        let minus = UnsafeMutablePointer<Double>.allocate(capacity: count)
        defer { z.deallocate(); plus.deallocate(); minus.deallocate() }
        s.gather(into: z)
        var worst = 0.0, scale = 0.0
        for j in 0..<count {
            let saved = z[j], step = 1e-6
            z[j] = saved + step; s.scatter(from: z); _ = s.residuals(vector: plus)
            z[j] = saved - step; s.scatter(from: z); _ = s.residuals(vector: minus)
            z[j] = saved; s.scatter(from: z)
            for i in 0..<count {
                let fd = (plus[i] - minus[i]) / (2 * step)
                worst = max(worst, abs(fd - J.entry(i, j)))
                scale = max(scale, abs(fd))
            }
        }
        // Central differences: error O(step^2 * third derivative) relative to entries of size `scale`.
        #expect(worst <= 1e-6 * scale, "\(name): max |J - dR/dz| = \(worst), entries up to \(scale)")
    }
}
