import Foundation
import PDE
import Problems
import Reports
import Testing
import Writers

@Suite struct OutputTests {
    @Test func outputDirectoryHasArraysPicturesAndSummary() throws {
        let f = try load("hopf-cole-1d.toml")
        let s = try MFGSolver.solve(.oneD(f.oneD), grid: GridSize(nx: 40, nt: 20), options: SolverOptions(tolerance: 1e-11))
        var run = RunDescription(file: f, grid: GridSize(nx: 40, nt: 20), options: SolverOptions(tolerance: 1e-11))
        run.exactErrors = ExactErrors(s, exact: f.exact)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("out-\(UUID())")
        try AtomicFile.makeDirectory(dir)
        defer { try? FileManager.default.removeItem(at: dir) }
        let pictures = try OutputWriter.write(s, run, model: f.model, pictures: true, to: dir)
        // Arrays: shapes and mass.
        for (name, shape) in [("x", [40]), ("t", [21]), ("m", [21, 40]), ("u", [21, 40]), ("alpha", [21, 40])] {
            let (_, read) = try NPY.read(dir.appendingPathComponent("\(name).npy"))
            #expect(read == shape, "\(name).npy")
        }
        let (m, _) = try NPY.read(dir.appendingPathComponent("m.npy"))
        for n in 0...20 {
            let row: ArraySlice<Double> = m[(n * 40)..<((n + 1) * 40)]
            let mass: Double = row.reduce(0, +) / 40
            #expect(abs(mass - 1) < 1e-12)
        }
        // Pictures are PNG files.
        #expect(pictures == ["density.png", "value.png", "snapshots.png", "convergence.png"])
        for p in pictures {
            let bytes = try Data(contentsOf: dir.appendingPathComponent(p))
            #expect(bytes.prefix(8) == Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]), "\(p)")
        }
        // summary.json keys.
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("summary.json"))) as! [String: Any]
        for key in ["run", "converged", "iterations", "residual", "hjb_residual", "fp_residual", "mass", "min_density",
                    "wall_seconds", "history", "exact_errors", "arrays", "pictures", "phases"] {
            #expect(json[key] != nil, "summary.json lacks \(key)")
        }
        let runJSON = json["run"] as! [String: Any]
        for key in ["problem", "parameters", "nx", "nt", "solver", "tolerance", "expressions"] {
            #expect(runJSON[key] != nil, "summary.json run lacks \(key)")
        }
        #expect((json["exact_errors"] as! [String: Any])["density_l1"] != nil)
        // convergence.csv: a header and one row per iteration.
        let csv = try String(contentsOf: dir.appendingPathComponent("convergence.csv"), encoding: .utf8)
        #expect(csv.split(separator: "\n").count == s.iterations + 1)
        #expect(csv.hasPrefix("iteration,hjb_residual,fp_residual,mass,mass_drift,min_density,seconds,phase,krylov_products,step_length\n"))
    }
}
