/// The PDE reference of a discretised problem did not converge: the run stops (exit code 3, as a
/// `solve` that does not converge) with the residual reached and what to change.
public struct ReferenceNotConverged: Error, CustomStringConvertible, Sendable {
    public let problem: String
    public let grid: String
    public let residual: Double
    public let reason: String

    public init(problem: String, grid: String, residual: Double, reason: String) {
        self.problem = problem
        self.grid = grid
        self.residual = residual
        self.reason = reason
    }

    public var description: String {
        "\(problem): the PDE reference on \(grid) did not converge (\(reason), residual \(residual)); "
            + "try `solve-mfg solve \(problem)` on that grid to see why, or choose another --reference"
    }
}
