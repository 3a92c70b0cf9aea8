import PDE
@testable import Problems

extension ProblemFile {
    /// The problem of a 1D file (test helper; fails the test on a 2D file).
    var oneD: MFGProblem {
        guard case let .oneD(p) = model else { preconditionFailure("\(path) is not a 1D problem") }
        return p
    }
}
