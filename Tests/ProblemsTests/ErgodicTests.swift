import Foundation
import PDE
import Testing
@testable import Problems

/// Ergodic problems: lambda, m, u and the feedback converge to the closed forms.
@Suite struct ErgodicTests {
    @Test(arguments: ["ergodic-periodic-1d.toml", "ergodic-gaussian-1d.toml"])
    func ergodicSolutionsConverge(file: String) throws {
        let f = try load(file)
        #expect(f.oneD.isErgodic)
        var rows: [[(String, Double)]] = []
        for k in 0..<4 {
            // The residual's round-off floor grows like nu/h^2: about 2.5e-10 at nx = 800.
            let options = SolverOptions(tolerance: 1e-9, maxIterations: 200)
            let s = try MFGSolver.solve(.oneD(f.oneD), grid: GridSize(nx: 100 << k), options: options)
            let converged = s.converged, residual = s.final!.residual
            #expect(converged, "\(file) nx \(100 << k): residual \(residual)")
            let mass = s.m.reduce(0, +) * (s.x[1] - s.x[0]), minimum = s.m.min()!
            #expect(abs(mass - 1) < 1e-12)
            #expect(minimum > 0)
            rows.append(ExactErrors(s, exact: f.exact).named)
        }
        print("\(file): " + rows.map { $0.map { "\($0.0)=\(String(format: "%.3e", $0.1))" }.joined(separator: " ") }.joined(separator: " | "))
        for j in rows[0].indices {
            for k in 1..<rows.count {
                let order = log2(rows[k - 1][j].1 / rows[k][j].1)
                #expect(order >= 0.8, "\(file) \(rows[0][j].0) level \(k): order \(order)")
            }
        }
    }
}
