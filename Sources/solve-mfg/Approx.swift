import Approximators
import ArgumentParser
import Benchmark
import Datasets
import Foundation
import Neural
import PDE
import Plots
import Problems
import RLBridge
import Writers

struct Approx: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "approx",
        abstract: "Approximators of the population distribution mu_t, fitted to samples and scored against the PDE density.",
        discussion: """
            Approximators: \(ApproximatorKind.allCases.map(\.rawValue).joined(separator: ", ")) (docs/approximators.md). \
            Scores: L1 on the grid, exact W1 (1D) or sliced W1 and W2 over 128 directions (2D), MMD^2 at 0.5, 1 and 2 \
            times the reference's median distance, KL(reference || model) for models with a density, mean and \
            covariance errors, each beside its oracle floor (the same metric for N i.i.d. draws of the reference).
            """,
        subcommands: [ApproxFit.self, ApproxScore.self, ApproxStudy.self, ApproxLoop.self])
}

/// The problem, its grid and the time slices, as every `approx` command takes them.
struct ApproxProblemOptions: ParsableArguments {
    @Argument(help: "A time-dependent continuous problem (file or catalogue name).")
    var problem: String

    @Option(name: .customLong("set"), help: ArgumentHelp("A parameter of the problem file (repeatable).", valueName: "name=value"))
    var parameters: [String] = []

    @Option(help: "Grid points in x of the PDE reference (default: the file's).")
    var nx: Int?

    @Option(help: "Grid points in y (2D; default: the file's).")
    var ny: Int?

    @Option(help: "Time steps of the PDE reference (default: the file's).")
    var nt: Int?

    /// The problem file and its reference grid.
    func load() throws -> (file: ProblemFile, grid: GridSize) {
        let file = try reportingInputErrors { try ProblemLocator.load(problem, overrides: parameters) }
        guard !file.model.isErgodic else {
            throw CommandError.badInput("\(file.name) is ergodic: the approximators are fitted along time; give a time-dependent problem")
        }
        return (file, try gridSize(file.model, nx: nx, ny: ny, nt: nt))
    }
}

/// Which approximator, with its settings.
struct ApproximatorOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The approximator: \(ApproximatorKind.allCases.map(\.rawValue).joined(separator: ", ")).", valueName: "name"))
    var approximator: String = "gmm"

    @Option(name: .customLong("setting"), help: ArgumentHelp("""
        A setting of the approximator (repeatable): kde bandwidth=silverman|scott; gmm components=K, iterations=N; \
        the neural ones width, layers, steps, batch, learning-rate, activation=tanh|relu. Prefix with the name \
        (kde.bandwidth=scott) to address one of several.
        """, valueName: "name=value"))
    var settings: [String] = []

    static func kind(_ name: String) throws -> ApproximatorKind {
        guard let kind = ApproximatorKind(rawValue: name) else {
            throw ValidationError("unknown approximator \(name); the approximators are \(ApproximatorKind.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return kind
    }

    func make(_ name: String? = nil) throws -> any DensityApproximator {
        try makeApproximator(Self.kind(name ?? approximator), settings: settings)
    }
}

/// The approximator of a kind with the `--setting` pairs, a refused setting named as the flag's.
func makeApproximator(_ kind: ApproximatorKind, settings: [String]) throws -> any DensityApproximator {
    do { return try ApproximatorSettings(kind: kind, pairs: settings).make() } catch let e as ApproximatorError {
        throw ValidationError("--setting: \(e)")
    }
}

/// The samples per slice and draws a command accepts: at least 2 (the oracle floor's unbiased MMD
/// needs two draws), at most 2^24 (memory: 16 bytes a 2D point, at 21 slices 2^24 samples are 5.6 GB).
let approxSampleRange = 2 ... (1 << 24)

struct ApproxFit: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fit",
        abstract: "Fit one approximator to N samples of the population and score it against the PDE density.",
        discussion: """
            Samples: --source oracle draws N i.i.d. points from the PDE density at each slice; --source agents \
            simulates N agents with the equilibrium's feedback (Euler-Maruyama on dX = a dt + sqrt(2 nu) dW with the \
            problem's walls, obstacles and exits); --dataset FILE takes the states of a dataset of the problem's \
            discretised game, at its steps nearest to the slices (its episodes are the samples). The fit uses --slices times 0, T/(K-1), ..., T; the scores are \
            averaged over 0, T/4, T/2, 3T/4, T. Writes density.npy ([K, nx] or [K, nx, ny], the model's density on \
            the PDE grid at the fitting slices), t.npy, x.npy (y.npy), density.png and summary.json (settings, \
            scores per slice and averaged, the oracle floor at the same N, the ratios).
            """ + Exit.brief)

    @OptionGroup var problem: ApproxProblemOptions
    @OptionGroup var approximator: ApproximatorOptions

    @Option(help: "Samples per time slice.")
    var samples: Int = 4096

    @Option(help: "Where the samples come from: oracle or agents.")
    var source: ApproximatorStudy.Source = .oracle

    @Option(help: "Instead of --source: the states of a dataset of the problem's discretised game (dataset generate --problem; .npz or Minari), jittered in their cells, at the fitting slices' nearest steps.")
    var dataset: String?

    @Option(help: "Time slices the approximator is fitted at (0 ... T).")
    var slices: Int = 21

    @Option(help: "Draws per slice to score a model that has only samples (the generators).")
    var draws: Int = 16384

    @Option(help: "Seed of the samples and of the fit.")
    var seed: UInt64 = 0

    @Option(help: "Output directory (default: out/approx-<problem>-<approximator>).")
    var out: String?

    @Flag(help: "Do not write the PNG picture.")
    var noPictures = false

    func validate() throws {
        _ = try approximator.make()
        guard approxSampleRange.contains(samples) else { throw ValidationError("--samples must lie in \(approxSampleRange)") }
        guard approxSampleRange.contains(draws) else { throw ValidationError("--draws must lie in \(approxSampleRange)") }
        guard (2 ... 1001).contains(slices) else { throw ValidationError("--slices must lie in 2...1001") }
    }

    func run() throws {
        let (file, grid) = try problem.load()
        let fitter = try approximator.make()
        let dimension = file.model.dimension
        let names = ["density.npy", "t.npy", "x.npy"] + (dimension == 2 ? ["y.npy"] : []) + ["density.png", "summary.json"]
        let output = try OutputDirectory(out ?? "out/approx-\(file.name)-\(fitter.kind.rawValue)", outputs: names,
                                         inputs: dataset.map { [$0] } ?? [])
        let study = try ApproximatorStudy.Problem(file, grid: grid, fitSlices: slices, scoreSlices: 5)
        let data: FitData, samples: Int
        if let dataset {
            (data, samples) = try datasetSamples(dataset, problem: file, study: study)
            print("\(file.name): reference on \(grid) (\(String(format: "%.2f", study.equilibrium.seconds)) s); the states of \(samples) episodes of \(dataset) at \(data.samples.times.count) steps")
        } else {
            samples = self.samples
            print("\(file.name): reference on \(grid) (\(String(format: "%.2f", study.equilibrium.seconds)) s); \(samples) \(source.rawValue) samples at \(study.fitReference.times.count) slices")
            data = try ApproximatorStudy.samples(study, source: source, count: samples, seed: seed)
        }
        let start = ContinuousClock.now
        let model = try fitter.fit(data, seed: seed)
        let fitSeconds = (ContinuousClock.now - start) / .seconds(1)
        let scorer = try DensityScore(reference: study.scoreReference)
        let scores = try scorer.score(model: model, drawCount: draws, seed: seed &+ 0x51ED)
        let floor = try scorer.oracleFloor(sampleCount: samples, seeds: (0 ..< 5).map { seed &+ UInt64($0) })
        let ratios = scores.ratios(to: floor)
        print(String(format: "%@ fitted in %.2f s", fitter.kind.rawValue, fitSeconds))
        printScores(scores, floor: floor, dimension: dimension)

        let directory = try output.stage()
        let reference = study.fitReference, cells = reference.grid.cellCount
        var density: [Double] = []
        for (k, t) in reference.times.enumerated() {
            density += model.masses(on: reference.grid, time: t, draws: draws, seed: seed &+ UInt64(k)).map { $0 / reference.grid.cellVolume }
        }
        try NPY.write(density, shape: [reference.times.count, reference.grid.nx] + (dimension == 2 ? [reference.grid.ny] : []),
                      to: directory.appendingPathComponent("density.npy"))
        try NPY.write(reference.times, shape: [reference.times.count], to: directory.appendingPathComponent("t.npy"))
        try NPY.write(reference.grid.x, shape: [reference.grid.nx], to: directory.appendingPathComponent("x.npy"))
        if let y = reference.grid.y { try NPY.write(y, shape: [y.count], to: directory.appendingPathComponent("y.npy")) }
        if !noPictures {
            try ApproxPictures.comparison(reference: reference, model: Array(density.chunked(cells)), name: fitter.kind.rawValue,
                                          title: "\(file.name): \(fitter.kind.rawValue) (N = \(samples)) against the PDE",
                                          to: directory.appendingPathComponent("density.png"))
        }
        struct Summary: Encodable {
            var problem: String, parameters: [String], grid: String, approximator: String, settings: [String]
            var source: String, samples: Int, slices: [Double], seed: UInt64, fitSeconds: Double
            var scores: SliceScores, floor: SliceScores, ratios: [String: Double]
        }
        try JSONFile.write(Summary(problem: file.name, parameters: problem.parameters, grid: "\(grid)", approximator: fitter.kind.rawValue,
                                   settings: approximator.settings, source: dataset.map { "dataset \($0)" } ?? source.rawValue,
                                   samples: samples, slices: data.samples.times,
                                   seed: seed, fitSeconds: fitSeconds, scores: scores, floor: floor, ratios: ratios),
                           to: directory.appendingPathComponent("summary.json"))
        try output.commit()
        print("results:  \(output.url.path)/{density,t,x\(dimension == 2 ? ",y" : "")}.npy, summary.json\(noPictures ? "" : ", density.png")")
    }
}

extension ApproxFit {
    /// The states of a dataset of `problem`'s discretised game at the steps nearest to the fitting
    /// slices, jittered in the game's cells; the number of episodes.
    func datasetSamples(_ path: String, problem file: ProblemFile, study: ApproximatorStudy.Problem) throws -> (FitData, Int) {
        let values: OfflineDataset
        do { values = try DatasetFile.read(URL(fileURLWithPath: path)) } catch {
            throw CommandError.badInput("\(error)")   // a DatasetError names the file
        }
        guard let problemName = values.gameSpec["problem"] else {
            throw CommandError.badInput("\(path): a dataset of the game \(values.gameName), not of a continuous problem; give a dataset made with dataset generate --problem")
        }
        let own = try? ProblemLocator.load(problemName, overrides: [])
        guard own?.name == file.name else {
            throw CommandError.badInput("\(path): a dataset of \(own?.name ?? problemName), not of \(file.name); give the problem it was made from")
        }
        let resolved = try GameOptions.from(spec: values.gameSpec, source: path).resolve(dataset: path)
        guard let continuous = resolved.continuous, continuous.reference.dimension == file.model.dimension,
              continuous.reference.t?.last.map({ abs($0 - (study.equilibrium.t?.last ?? 0)) < 1e-9 }) == true else {
            throw CommandError.badInput("\(path): its problem (\(values.gameSpec["problem"] ?? "?")) is not \(file.name) as given: give the problem the dataset was made from")
        }
        let grid = DensityGrid(continuous.layout)
        let steps = study.fitReference.times.map { t in min(values.horizon, max(0, Int((t / continuous.dt).rounded()))) }
        let unique = steps.enumerated().filter { $0.offset == 0 || steps[$0.offset - 1] != $0.element }.map(\.element)
        let states = DiscreteStateSamples.states(of: values)
        let samples = try DiscreteStateSamples.jittered(grid: grid, states: unique.map { states[$0] },
                                                        times: unique.map { Double($0) * continuous.dt }, source: "dataset", seed: seed)
        return (FitData(samples: samples, grid: study.fitReference.grid,
                        dynamics: PopulationDynamics(study.equilibrium, viscosity: study.viscosity)), values.episodes)
    }
}

struct ApproxScore: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "score",
        abstract: "Score any approximation of mu_t (a density on the grid, or samples) against the PDE density.",
        discussion: """
            --density FILE: an .npz with 'm' ([K, nx] or [K, nx, ny], densities on the problem's grid at --nx/--ny) \
            and 't' ([K] times), or an .npy of that shape with t.npy beside it (approx fit's density.npy). \
            --samples FILE: an .npz with 'samples' ([K, N, d], the positions of N agents at each of K times) and \
            't', or an .npy of that shape with t.npy beside it. Each time \
            must be a time level of the reference grid (within dt/2). The oracle floor is taken at N (samples) or \
            --floor-samples (densities). Writes scores.json; prints the averages, the floors and the ratios.
            """ + Exit.brief)

    @OptionGroup var problem: ApproxProblemOptions

    @Option(help: "Densities on the grid: .npz with m and t, or an .npy with t.npy beside it.")
    var density: String?

    @Option(name: .customLong("samples"), help: "Samples: .npz with samples and t, or an .npy with t.npy beside it.")
    var sampleFile: String?

    @Option(help: "With --density: the N of the oracle floor.")
    var floorSamples: Int = 4096

    @Option(help: "Seed of the oracle floor's draws (five seeds from it).")
    var seed: UInt64 = 0

    @Option(help: "Output directory (default: out/approx-score-<problem>).")
    var out: String?

    func validate() throws {
        guard (density == nil) != (sampleFile == nil) else { throw ValidationError("give either --density or --samples") }
        guard approxSampleRange.contains(floorSamples) else { throw ValidationError("--floor-samples must lie in \(approxSampleRange)") }
    }

    func run() throws {
        let (file, grid) = try problem.load()
        let input = density ?? sampleFile!
        let output = try OutputDirectory(out ?? "out/approx-score-\(file.name)", outputs: ["scores.json"], inputs: [input])
        let main = density != nil ? "m" : "samples", flag = density != nil ? "--density" : "--samples"
        let arrays = try ArrayFileSet.load(input, flag: flag, names: [main, "t"])
        func fail(_ message: String) -> CommandError { .badInput("\(input): \(message)") }
        // An .npz names its arrays; an .npy is the array itself, whatever its name.
        let npz = URL(fileURLWithPath: input).pathExtension == "npz"
        guard let values = npz ? arrays[main] : arrays[URL(fileURLWithPath: input).deletingPathExtension().lastPathComponent] else {
            throw fail("no array '\(main)' (the .npz holds \(arrays.keys.sorted().joined(separator: ", ")))")
        }
        guard let times = arrays["t"]?.values else { throw fail("no times 't'\(input.hasSuffix(".npz") ? "" : " (t.npy beside it)")") }
        let equilibrium = try MFGSolver.solve(file.model, grid: grid, options: SolverOptions().silent)
        guard equilibrium.converged else {
            throw ReferenceNotConverged(problem: file.name, grid: "\(grid)", residual: equilibrium.final?.residual ?? .nan,
                                        reason: equilibrium.stopReason ?? "no reason given")
        }
        let levels = try times.map { t -> Int in
            let n = equilibrium.level(nearest: t), dt = equilibrium.t![1] - equilibrium.t![0]
            guard t.isFinite, abs(equilibrium.t![n] - t) <= dt / 2 + 1e-12 else {
                throw fail("time \(t) is not on the reference's time grid (0 ... \(equilibrium.t!.last!), dt = \(dt)); give times of its levels")
            }
            return n
        }
        let reference = GridDensity.reference(equilibrium, times: levels.map { equilibrium.t![$0] }, model: file.model)
        let g = reference.grid, K = times.count, d = g.dimension
        let model: any PopulationModel, count: Int
        if density != nil {
            let expected = [K, g.nx] + (d == 2 ? [g.ny] : [])
            guard values.shape == expected else { throw fail("m has shape \(values.shape); on this grid with \(K) times it must be \(expected)") }
            guard values.values.allSatisfy({ $0.isFinite && $0 >= 0 }) else { throw fail("m must be finite and non-negative") }
            do { model = try HistogramModel(grid: g, times: reference.times, masses: Array(values.values.chunked(g.cellCount))) } catch {
                throw fail("\(error)")
            }
            count = floorSamples
        } else {
            guard values.shape.count == 3, values.shape[0] == K, values.shape[2] == d, values.shape[1] >= 2 else {
                throw fail("samples has shape \(values.shape); it must be [\(K), N, \(d)] (K times, N >= 2 agents, \(d) coordinates)")
            }
            guard values.values.allSatisfy(\.isFinite) else { throw fail("every sample coordinate must be finite") }
            count = values.shape[1]
            model = SampleSetModel(dimension: d, times: reference.times, points: Array(values.values.chunked(count * d)))
        }
        let scorer = try DensityScore(reference: reference)
        let scores = try scorer.score(model: model, drawCount: count, seed: seed)
        let floor = try scorer.oracleFloor(sampleCount: count, seeds: (0 ..< 5).map { seed &+ UInt64($0) })
        printScores(scores, floor: floor, dimension: d)
        struct Summary: Encodable {
            var problem: String, grid: String, input: String, floorSamples: Int, scores: SliceScores, floor: SliceScores, ratios: [String: Double]
        }
        try JSONFile.write(Summary(problem: file.name, grid: "\(grid)", input: input, floorSamples: count, scores: scores, floor: floor,
                                   ratios: scores.ratios(to: floor)),
                           to: try output.file("scores.json"))
        try output.commit(last: "scores.json")
        print("scores:   \(output.url.path)/scores.json")
    }
}

/// Stored samples as a model: draws at time t are the stored points of the nearest slice, in order
/// (cycling when more are asked for than were stored). Scored as draws, as the oracle is (its
/// `kind` names no approximator and is not shown).
struct SampleSetModel: PopulationModel {
    let dimension: Int
    let times: [Double]
    let points: [[Double]]
    var kind: ApproximatorKind { .histogram }
    func density(at points: [Double], time t: Double) -> [Double]? { nil }
    func sample(time t: Double, count: Int, generator: inout SeededGenerator) -> [Double] {
        let k = times.indices.min { abs(times[$0] - t) < abs(times[$1] - t) }!
        let stored = points[k], n = stored.count / dimension
        return (0 ..< count * dimension).map { stored[(($0 / dimension) % n) * dimension + $0 % dimension] }
    }
}

/// The metrics, floors and ratios as a table on standard output.
func printScores(_ scores: SliceScores, floor: SliceScores, dimension: Int) {
    print("metric              model         floor         ratio")
    for metric in Metric.allCases {
        guard let value = scores.average[metric.rawValue] else { continue }
        let f = floor.average[metric.rawValue]
        print(metric.rawValue.padding(toLength: 18, withPad: " ", startingAt: 0)
              + String(format: "  %.4e    %@    %@", value, f.map { String(format: "%.4e", $0) } ?? "     -    ",
                       f.map { $0 > 0 ? String(format: "%.3g", value / $0) : "-" } ?? "-"))
    }
}

extension Array {
    /// Consecutive runs of `size` elements.
    func chunked(_ size: Int) -> [[Element]] {
        stride(from: 0, to: count, by: size).map { Array(self[$0 ..< Swift.min($0 + size, count)]) }
    }
}

/// The pictures of `approx fit`.
enum ApproxPictures {
    /// The model's density beside the reference at T/4, T/2 and T (1D: lines; 2D: heat maps, the
    /// reference above the model).
    static func comparison(reference: GridDensity, model: [[Double]], name: String, title: String, to url: URL) throws {
        let g = reference.grid, K = reference.times.count
        let slices = [K / 4, K / 2, K - 1]
        if g.dimension == 1 {
            var series: [Series] = []
            for (j, k) in slices.enumerated() {
                let label = String(format: "t=%.2g", reference.times[k])
                series.append(Series(label: "PDE " + label, x: g.x, y: reference.masses[k].map { $0 / g.cellVolume },
                                     color: Figures.palette[2 * j % Figures.palette.count]))
                series.append(Series(label: "\(name) " + label, x: g.x, y: model[k], color: Figures.palette[(2 * j + 1) % Figures.palette.count]))
            }
            try Figures.linePlot(series, title: title, xLabel: "x", yLabel: "density", logY: false, to: url)
            return
        }
        let frames = slices.map { reference.masses[$0].map { $0 / g.cellVolume } } + slices.map { model[$0] }
        let labels = slices.map { String(format: "PDE, t = %.2g", reference.times[$0]) } + slices.map { String(format: "\(name), t = %.2g", reference.times[$0]) }
        try Figures.snapshots2D(frames, labels: labels, x: g.x, y: g.y!, extent: (g.lower[0], g.upper[0], g.lower[1], g.upper[1]),
                                active: g.active ?? [Bool](repeating: true, count: g.cellCount), walls: !g.periodic, exits: [],
                                title: title, colorLabel: "m", columns: 3, panel: 260, to: url)
    }
}

extension ApproximatorStudy.Source: ExpressibleByArgument {}
