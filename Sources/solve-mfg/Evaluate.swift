import ArgumentParser
import Foundation
import PDE
import Problems
import Reports
import Writers

struct Evaluate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "The exploitability of a feedback control a(t, x) in the continuous game: its population, cost, best response and distance to the equilibrium.",
        discussion: """
            Every agent follows the control: their density m^a solves the Fokker-Planck equation with that drift. \
            Each pays J(a; m^a); one agent who deviates optimally (the HJB equation against m^a) pays J(BR; m^a); \
            the exploitability J(a; m^a) - J(BR; m^a) is >= 0 and 0 at a Nash equilibrium. Also the distance \
            max_t sum_x h |m^a - m*| to the equilibrium density m* on the same grid. With --error-estimate, every \
            number with its discretisation-error bound (grids h, 2h, 4h).

            --control takes an .npz with the control, alpha (2D: alpha_x and alpha_y), of shape [Nt, Nx] \
            ([Nt, Nx, Ny]) and its axes t, x (y), any rectangular grid, interpolated linearly to the solver's \
            (leave t out for a stationary control a(x), the only kind an ergodic problem takes); or an .npy of \
            the control whose axes are the files t.npy, x.npy (y.npy) beside it, so a solve's output directory \
            works as it is (for 2D give alpha_x.npy; alpha_y.npy is read beside it). Writes m.npy (m^a), \
            alpha.npy (the control on the grid), u.npy and alpha_br.npy (the best response's value and \
            feedback), m_equilibrium.npy, population.png and summary.json (docs/output.md).
            """)

    @OptionGroup var input: ProblemOptions

    @Option(help: "The control: an .npz with alpha (alpha_x, alpha_y) and its axes t, x (y), or an .npy with t.npy, x.npy (y.npy) beside it.")
    var control: String

    @OptionGroup var grid: GridFlags

    @OptionGroup var settings: SolverFlags

    @Option(help: "Output directory (default: out/<problem name>-evaluate).")
    var out: String?

    @Flag(help: "Do not write the PNG pictures.")
    var noPictures = false

    @Flag(help: "Do not print progress.")
    var quiet = false

    func run() throws {
        let file = try input.load()
        let model = file.model
        let grid = try self.grid.size(model)
        let feedback = try reportingInputErrors { try ControlFile.load(control, dimension: model.dimension) }
        let options = settings.options(file)
        // Checked before the work: the directory, the outputs it may replace, the inputs.
        let output = try OutputDirectory(out ?? "out/\(file.name)-evaluate", outputs: EvaluationWriter.outputNames,
                                         inputs: [file.path, control])
        if !quiet { printError("evaluating \(control) in \(file.name) on \(grid)\(options.errorEstimate ? " (and 2h, 4h)" : "")") }
        let e = try reportingInputErrors { try ControlEvaluation.evaluate(model, control: feedback, grid: grid, options: options) }
        let run = RunDescription(file: file, grid: grid, options: options)
        let pictures = try EvaluationWriter.write(e, run, control: control, model: model, pictures: !noPictures, to: output.stage())
        try output.commit()
        let directory = output.url
        print("\(file.name): the control \(control) on \(grid)")
        if let estimates = e.errorEstimate {
            for line in errorEstimateLines(estimates) { print("  " + line) }
        } else {
            for (name, value) in e.named { print("  \(name.padding(toLength: 18, withPad: " ", startingAt: 0)) = \(String(format: "%.10g", value))") }
        }
        if !e.equilibrium.converged {
            printError("warning: the equilibrium solve for the distance did not converge: \(e.equilibrium.stopReason ?? "")")
        }
        print("arrays:   \(directory.path)/{m,alpha,u,alpha_br,m_equilibrium}.npy")
        if !pictures.isEmpty { print("pictures: " + pictures.map { "\(directory.path)/\($0)" }.joined(separator: " ")) }
        print("summary:  \(directory.path)/summary.json")
    }
}

/// Reading named arrays from one `.npz`, or from a `.npy` and the `.npy` files of the other names
/// beside it (`x.npy`, `t.npy`, ...): the inputs of `evaluate --control`, `nplayer --control` and
/// `approx score`. Errors name the flag and the file.
enum ArrayFileSet {
    static func load(_ path: String, flag: String, names: [String]) throws -> [String: (values: [Double], shape: [Int])] {
        let url = URL(fileURLWithPath: path)
        var arrays: [String: (values: [Double], shape: [Int])] = [:]
        guard !path.isEmpty else { throw CommandError.badInput("\(flag): an empty path; give an .npz or .npy file") }
        func reading<T>(_ file: URL, _ body: () throws -> T) throws -> T {
            if let kind = FileProblem.kind(of: file.path), kind != "a regular file", kind != "a symbolic link" {
                throw CommandError.badInput("\(file.path): is \(kind); \(flag) takes an .npz or .npy file")
            }
            guard FileManager.default.isReadableFile(atPath: file.path) else {
                throw CommandError.badInput("\(file.path): cannot read it (no such file, or not readable)")
            }
            do { return try body() } catch {
                throw CommandError.badInput("\(file.path): not a readable .\(file.pathExtension.isEmpty ? "npy" : file.pathExtension) file: \(FileProblem.reason(error))")
            }
        }
        if url.pathExtension == "npz" {
            for (key, array) in try reading(url, { try NPZ.read(url) }) {
                guard let values = array.doubles() ?? array.integers()?.map(Double.init) else { continue }
                arrays[key] = (values, array.shape)
            }
        } else {
            arrays[url.deletingPathExtension().lastPathComponent] = try reading(url) { try NPY.read(url) }
            let directory = url.deletingLastPathComponent()
            for name in names where arrays[name] == nil {
                let sibling = directory.appendingPathComponent("\(name).npy")
                if FileManager.default.fileExists(atPath: sibling.path) { arrays[name] = try reading(sibling) { try NPY.read(sibling) } }
            }
        }
        return arrays
    }
}

/// Reading a feedback control from `.npz` or `.npy` files (the format of `evaluate --control`).
enum ControlFile {
    static func load(_ path: String, dimension: Int) throws -> FeedbackControl {
        let url = URL(fileURLWithPath: path)
        let names = dimension == 1 ? ["alpha"] : ["alpha_x", "alpha_y"]
        func fail(_ message: String) -> CommandError { .badInput("\(path): \(message)") }
        if url.pathExtension != "npz" {
            let own = url.deletingPathExtension().lastPathComponent
            guard dimension == 1 || own == "alpha_x" else {
                throw fail("a 2D control given as .npy must be alpha_x.npy, with alpha_y.npy beside it (or give an .npz)")
            }
        }
        var arrays = try ArrayFileSet.load(path, flag: "--control", names: names + ["t", "x", "y"])
        if url.pathExtension != "npz", dimension == 1 {   // a 1D control's .npy may have any name
            arrays[names[0]] = arrays[url.deletingPathExtension().lastPathComponent]
        }
        for name in names where arrays[name] == nil {
            throw fail("no array '\(name)' (a \(dimension)D control needs \(names.joined(separator: " and ")) and the axes \(dimension == 1 ? "x" : "x, y") (and t))")
        }
        guard let x = arrays["x"]?.values else { throw fail("no axis 'x'\(url.pathExtension == "npz" ? "" : " (x.npy beside it)")") }
        let y = dimension == 2 ? arrays["y"]?.values : nil
        if dimension == 2 && y == nil { throw fail("no axis 'y'\(url.pathExtension == "npz" ? "" : " (y.npy beside it)")") }
        let t = arrays["t"]?.values
        let expected = [t?.count, x.count, y?.count].compactMap { $0 }
        for name in names where arrays[name]!.shape != expected {
            throw fail("\(name) has shape \(arrays[name]!.shape), but its axes make \(expected) (\(t == nil ? "" : "t, ")x\(dimension == 2 ? ", y" : ""))")
        }
        do {
            return try FeedbackControl(t: t, x: x, y: y, components: names.map { arrays[$0]!.values })
        } catch let error as MFGError {
            throw fail("\(error)")
        }
    }
}
