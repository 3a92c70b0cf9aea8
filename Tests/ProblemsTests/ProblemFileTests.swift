import Foundation
import PDE
import Testing
@testable import Problems

/// The repository's problems/ directory.
let catalogueDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("problems")

func catalogueFiles() -> [String] {
    ((try? FileManager.default.contentsOfDirectory(atPath: catalogueDirectory.path)) ?? [])
        .filter { $0.hasSuffix(".toml") }.sorted()
}

func load(_ name: String, overrides: [String: Double] = [:]) throws -> ProblemFile {
    try ProblemFile.load(path: catalogueDirectory.appendingPathComponent(name).path, overrides: overrides)
}

func maxAbsDifference(_ a: [Double], _ b: [Double]) -> Double {
    zip(a, b).reduce(0) { max($0, abs($1.0 - $1.1)) }
}

@Suite struct CatalogueTests {
    @Test func theCatalogueHasTheRequiredProblems() {
        let names = Set(catalogueFiles())
        for required in ["lq-1d.toml", "hopf-cole-1d.toml", "congestion-lst-1d.toml", "crowd-aversion-1d.toml",
                         "beach-bar-1d.toml", "evacuation-1d.toml"] {
            #expect(names.contains(required), "missing \(required)")
        }
    }

    /// Every catalogue problem loads, names its source, has no solver settings (the default solver
    /// needs none), and solves with the default on a coarse grid to 1e-10; the mass is conserved (or
    /// accounted for through exits) and m >= 0.
    @Test(arguments: catalogueFiles())
    func everyProblemSolves(file: String) throws {
        let f = try load(file)
        #expect(f.name + ".toml" == file)
        #expect(!f.description.isEmpty && !f.source.isEmpty)
        #expect(f.solver.method == nil && f.solver.relaxation == nil && f.solver.tolerance == nil, "\(file) sets the solver")
        let grid = f.model.dimension == 2 ? f.model.grid(nx: 16, ny: 16, nt: 10) : f.model.grid(nx: 60, nt: 30)
        let s = try MFGSolver.solve(f.model, grid: grid, options: SolverOptions(tolerance: 1e-10, maxIterations: 200))
        let converged = s.converged, residual = s.final!.residual, drift = s.final!.massDrift, minimum = s.m.min()!
        #expect(converged, "\(file): residual \(residual)")
        #expect(minimum >= 0)
        #expect(drift <= 1e-12 || f.model.hasExit, "\(file): mass drift \(drift)")
    }

    /// The file versions and the Swift versions of the same problems give the same discrete solution.
    @Test func filesMatchTheSwiftDefinitions() throws {
        let pairs: [(String, MFGProblem)] = [
            ("congestion-lst-1d.toml", try Catalogue.congestionLST()), ("lq-1d.toml", try Catalogue.linearQuadratic()),
        ]
        for (file, swift) in pairs {
            let f = try load(file)
            let options = SolverOptions(tolerance: 1e-11)
            let a = try MFGSolver.solve(.oneD(f.oneD), grid: GridSize(nx: 100, nt: 50), options: options)
            let b = try MFGSolver.solve(.oneD(swift), grid: GridSize(nx: 100, nt: 50), options: options)
            #expect(maxAbsDifference(a.u, b.u) <= 1e-11 && maxAbsDifference(a.m, b.m) <= 1e-11, "\(file)")
        }
    }

    /// `[exact]` fields and first-order convergence of the file problems with closed forms.
    @Test(arguments: ["hopf-cole-1d.toml", "lq-1d.toml"])
    func exactSolutionsConvergeAtFirstOrder(file: String) throws {
        let f = try load(file)
        var rows: [[(String, Double)]] = []
        for k in 0..<4 {
            let s = try MFGSolver.solve(.oneD(f.oneD), grid: GridSize(nx: 100 << k, nt: 20 << k), options: SolverOptions(tolerance: 1e-11))
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

    @Test func overridesChangeParameters() throws {
        let f = try load("lq-1d.toml", overrides: ["nu": 0.3, "L": 6])
        #expect(f.oneD.viscosity == 0.3)
        #expect(f.oneD.upper == 6)
        #expect(f.parameters.first { $0.name == "nu" }?.value == 0.3)
    }
}

@Suite struct ProblemFileErrorTests {
    static let valid = """
        name = "test"
        description = "a test"
        source = "here"

        [parameters]
        nu = 0.1

        [domain]
        x = [0, 1]
        boundary = "periodic"

        [time]
        horizon = 1

        [dynamics]
        viscosity = "nu"

        [costs]
        running = "log(m)"

        [initial]
        density = "1 + x"
        """

    func message(_ text: String, overrides: [String: Double] = [:]) -> String? {
        do { _ = try ProblemFile.parse(text, path: "p.toml", overrides: overrides); return nil } catch { return "\(error)" }
    }

    func replacing(_ old: String, _ new: String) -> String {
        Self.valid.replacingOccurrences(of: old, with: new)
    }

    @Test func theValidFileLoads() throws {
        let f = try ProblemFile.parse(Self.valid, path: "p.toml")
        #expect(f.oneD.viscosity == 0.1)
        #expect(f.oneD.coupling.usesDensity)
    }

    @Test func errorsNameFileLineAndField() {
        #expect(message(replacing("viscosity = \"nu\"", "viscocity = \"nu\"")) ==
                "p.toml:16: [dynamics] viscocity: unknown key (did you mean 'viscosity'?); valid keys in [dynamics]: viscosity, hamiltonian, exponent, kappa, alpha")
        #expect(message(replacing("[costs]", "[cost]"))?.hasPrefix("p.toml:18: [cost]: unknown table (did you mean [costs]?)") == true)
        #expect(message(replacing("running = \"log(m)\"", "running = \"log(mm)\"")) ==
                "p.toml:19: [costs] running: in \"log(mm)\", column 5: unknown name 'mm' (did you mean 'm'?)")
        #expect(message(replacing("density = \"1 + x\"", "density = \"1 + m\""))?.contains("p.toml:22: [initial] density") == true)
        #expect(message(replacing("nu = 0.1", "nu = -0.1"))?.contains("p.toml:16: [dynamics] viscosity: the viscosity nu = sigma^2/2 must be >= 0, got -0.1") == true)
        #expect(message(replacing("x = [0, 1]", "x = [1, 1]"))?.contains("p.toml:9: [domain] x: the interval [1.0, 1.0] is empty") == true)
        #expect(message(replacing("boundary = \"periodic\"", "boundary = \"round\""))?.contains("use \"periodic\" or \"reflecting\"") == true)
        #expect(message(replacing("horizon = 1", "horizon = \"T\""))?.contains("p.toml:13: [time] horizon: in \"T\", column 1: unknown name 'T'") == true)
        #expect(message(replacing("density = \"1 + x\"", ""))?.contains("[initial] density: missing") == true)
        #expect(message(replacing("nu = 0.1", "x = 0.1"))?.contains("'x' is reserved") == true)
        #expect(message(replacing("nu = 0.1", "nu = \"0.1\""))?.contains("expected a number") == true)
        #expect(message(Self.valid, overrides: ["mu": 1]) == "p.toml: --set mu: the file has no parameter 'mu' (did you mean 'nu'?); parameters: nu")
        #expect(message(Self.valid + "\n[solver]\nmethod = \"magic\"")?.contains("unknown method 'magic'") == true)
        #expect(message(replacing("name = \"test\"", "name = test"))?.contains("p.toml:1: 'test' is not a value") == true)
    }

    /// A density that is zero everywhere is refused when the grid is built, naming m0.
    @Test func zeroInitialDensityIsRefused() throws {
        let f = try ProblemFile.parse(replacing("density = \"1 + x\"", "density = \"0*x\""), path: "p.toml")
        #expect(throws: MFGError.self) { _ = try MFGSolver.solve(.oneD(f.oneD), grid: GridSize(nx: 20, nt: 10)) }
    }
}
