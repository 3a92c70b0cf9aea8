import Foundation
import PDE
import Testing
@testable import Problems

/// An `[exact]` field that is NaN on part of the grid: `checkExact` refuses it, naming the field and
/// its line, and `ExactErrors` reports NaN, not the error over the other points.
@Suite struct ExactNaNTests {
    @Test func aNaNExactDensityIsRefusedAndItsErrorsAreNaN() throws {
        let url = catalogueDirectory.appendingPathComponent("lq-1d.toml")
        let text = try String(contentsOf: url, encoding: .utf8)
        let lines = text.components(separatedBy: "\n")
        let k = try #require(lines.firstIndex { $0.hasPrefix("density = \"exp(-(x - mbar)") })
        var edited = lines
        edited[k] = "density = \"sqrt(x)\""   // NaN for x < 0: half of lq-1d's domain
        let file = try ProblemFile.parse(edited.joined(separator: "\n"), path: "nan-exact.toml")
        let s = try MFGSolver.solve(file.model, grid: GridSize(nx: 40, nt: 10))
        #expect(throws: ProblemFileError.self) { try file.checkExact(on: s) }
        do { try file.checkExact(on: s) } catch let e as ProblemFileError {
            #expect(e.line == k + 1 && e.field == "[exact] density", "\(e)")
        }
        let errors = ExactErrors(s, exact: file.exact)
        #expect(errors.densityL1!.isNaN && errors.densityMax!.isNaN)
    }
}
