import Approximators
import Foundation
import Neural
import PDE
import Problems

/// The repository's problems/ directory.
let catalogueDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("problems")

/// A catalogue problem and its equilibrium on a given grid.
func solved(_ name: String, grid: GridSize) throws -> (model: MFGModel, equilibrium: Equilibrium) {
    let file = try ProblemFile.load(path: catalogueDirectory.appendingPathComponent(name).path, overrides: [:])
    return (file.model, try MFGSolver.solve(file.model, grid: grid, options: SolverOptions()))
}

/// lq-1d on a modest grid (200 cells on [-5, 5], 40 steps), solved once for every test that needs it.
let linearQuadratic: (model: MFGModel, equilibrium: Equilibrium) = try! solved("lq-1d.toml", grid: GridSize(nx: 200, nt: 40))

/// Normalised cell masses of a 1D Gaussian on a grid: `Phi((x + h/2 - m)/s) - Phi((x - h/2 - m)/s)`.
func gaussianMasses(_ grid: DensityGrid, mean m: Double, sd s: Double) -> [Double] {
    let h = grid.spacing[0]
    func cdf(_ z: Double) -> Double { 0.5 * erfc(-z / 2.0.squareRoot()) }
    let raw = grid.x.map { cdf(($0 + h / 2 - m) / s) - cdf(($0 - h / 2 - m) / s) }
    let total = raw.reduce(0, +)
    return raw.map { $0 / total }
}

/// Normalised cell masses of a 2D product Gaussian.
func gaussianMasses2D(_ grid: DensityGrid, mean: (Double, Double), sd: (Double, Double)) -> [Double] {
    let gx = gaussianMasses(DensityGrid(x: grid.x, lower: [grid.lower[0]], upper: [grid.upper[0]]), mean: mean.0, sd: sd.0)
    let gy = gaussianMasses(DensityGrid(x: grid.y!, lower: [grid.lower[1]], upper: [grid.upper[1]]), mean: mean.1, sd: sd.1)
    return gx.flatMap { a in gy.map { a * $0 } }
}

/// A uniform grid of `n` cells on `[lower, upper]`.
func uniformGrid(_ lower: Double, _ upper: Double, _ n: Int) -> DensityGrid {
    let h = (upper - lower) / Double(n)
    return DensityGrid(x: (0..<n).map { lower + (Double($0) + 0.5) * h }, lower: [lower], upper: [upper])
}

/// A model with samples only: draws of a grid measure (cell by mass, uniform within).
struct DrawsOnly: PopulationModel {
    let reference: GridDensity
    var kind: ApproximatorKind { .generativeMMD }
    var dimension: Int { reference.grid.dimension }
    func density(at points: [Double], time t: Double) -> [Double]? { nil }
    func sample(time t: Double, count: Int, generator: inout SeededGenerator) -> [Double] {
        let k = reference.times.firstIndex(of: t) ?? 0
        return try! CellSampler(grid: reference.grid, masses: reference.masses[k]).sample(count: count, generator: &generator)
    }
}
