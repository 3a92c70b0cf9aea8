import Approximators
import ArgumentParser
import Foundation
import Neural
import PDE
import Problems
import RLBridge

struct Bench: ParsableCommand {
    /// 2D: one step solve two ways, the monotone 2D example at its grid, and crowd-aversion-2d on
    /// n x n x 100 grids with the default solver, once each (with `--baseline`, the same solves by
    /// that binary in the same run).
    func benchTwoD() throws {
        for n in [50, 100] {
            let r = try LinearSolverComparison.measure(n: n)
            print(String(format: "one 2D step solve %3d x %3d: banded LU (dgbsv) %8.2f ms   ILU-BiCGSTAB %6.2f ms (%d iterations, from zero)   ratio %.0fx   max difference %.1e",
                         n, n, r.banded * 1e3, r.krylov * 1e3, r.krylovIterations, r.banded / r.krylov, r.difference))
        }
        try timeOnce("bench/problems/monotone-example-2d.toml", grid: nil)
        var previous: (cells: Int, seconds: Double)? = nil
        for n in [50, 100, 200] {
            let seconds = try timeOnce("crowd-aversion-2d", grid: (n, n, 100))
            if let (cells, before) = previous {
                print(String(format: "    growth per 4x unknowns: %.2fx (%d -> %d cells per level)", seconds / before, cells, n * n))
            }
            previous = (n * n, seconds)
        }
    }

    /// Solves a problem `--repeats` times with the default solver and prints the best and median
    /// (with `--baseline`, that binary's time in the same run); returns the best seconds.
    @discardableResult
    func timeRepeated(_ name: String, grid: GridSize?, tolerance: Double) throws -> Double {
        let file = try reportingInputErrors { try ProblemLocator.load(name, overrides: []) }
        let size = grid ?? file.model.defaultGrid
        var times: [Double] = []
        var last: Equilibrium?
        for _ in 0..<repeats {
            let s = try reportingInputErrors {
                try MFGSolver.solve(file.model, grid: size, options: SolverOptions(tolerance: tolerance))
            }
            times.append(s.seconds)
            last = s
        }
        times.sort()
        let s = last!
        let methods = s.phases.map(\.method).joined(separator: " > ")
        var line = String(format: "%@ %@  %@: %2d iterations to %.2e  best %8.2f ms  median %8.2f ms  converged %@",
                          file.name, size.description, methods, s.iterations, s.final!.residual, times[0] * 1e3,
                          times[times.count / 2] * 1e3, s.converged ? "yes" : "NO")
        if let baseline {
            var best = Double.infinity, status = ""
            for _ in 0..<repeats {
                let (output, _) = try runProcess(baseline, ["solve", file.path, "--quiet", "--no-pictures", "--tolerance", "\(tolerance)",
                                                           "--out", NSTemporaryDirectory() + "solve-mfg-bench-baseline",
                                                           "--nx", "\(size.nx)", "--nt", "\(size.nt ?? 1)"])
                if let summary = output.split(separator: "\n").first(where: { $0.hasPrefix(file.name + ":") }),
                   let seconds = Double(summary.split(separator: ",").last?.trimmingCharacters(in: .whitespaces).dropLast(2) ?? "") {
                    best = min(best, seconds)
                    status = summary.contains("did NOT converge") ? "did NOT converge" : "converged"
                }
            }
            line += best.isFinite ? String(format: "   baseline: %@, best %.2f ms (%.1fx)", status, best * 1e3, best / times[0])
                : "   baseline: no summary line"
        }
        print(line)
        fflush(nil)
        return times[0]
    }

    /// Solves a problem once with the default solver (and with `--baseline`, that binary's default)
    /// and prints both; returns this binary's seconds.
    @discardableResult
    func timeOnce(_ name: String, grid: (nx: Int, ny: Int, nt: Int)?) throws -> Double {
        let file = try reportingInputErrors { try ProblemLocator.load(name, overrides: []) }
        let size = grid.map { GridSize(nx: $0.nx, ny: $0.ny, nt: $0.nt) } ?? file.model.defaultGrid
        let s = try reportingInputErrors { try MFGSolver.solve(file.model, grid: size, options: SolverOptions()) }
        let methods = s.phases.filter { $0.method != "coarse-grid" }.map(\.method).joined(separator: " > ")
        var line = String(format: "%@ %@  %@: %3d iterations to %.2e  %8.3f s  converged %@  peak memory so far %.0f MB",
                          file.name, size.description, methods, s.iterations, s.final!.residual, s.seconds,
                          s.converged ? "yes" : "NO", peakMemoryMB())
        if let baseline {
            var arguments = ["solve", file.path, "--quiet", "--no-pictures", "--out", NSTemporaryDirectory() + "solve-mfg-bench-baseline",
                             "--nx", "\(size.nx)"]
            if let ny = size.ny { arguments += ["--ny", "\(ny)"] }
            if let nt = size.nt { arguments += ["--nt", "\(nt)"] }
            let (output, _) = try runProcess(baseline, arguments)
            if let summary = output.split(separator: "\n").first(where: { $0.hasPrefix(file.name + ":") }),
               let seconds = Double(summary.split(separator: ",").last?.trimmingCharacters(in: .whitespaces).dropLast(2) ?? "") {
                let status = summary.contains("did NOT converge") ? "did NOT converge" : "converged"
                line += String(format: "   baseline: %@ in %.3f s (%.1fx)", status, seconds, seconds / s.seconds)
            } else {
                line += "   baseline: no summary line"
            }
        }
        print(line)
        fflush(nil)
        return s.seconds
    }

    /// The cost of `--error-estimate` in 1D: the wall time of the solve with the estimate (grids h,
    /// 2h, 4h, the coarse ones beside the requested one) over the solve alone, best of `--repeats`.
    func benchErrorEstimate() throws {
        let clock = ContinuousClock()
        for (name, grid) in [("hopf-cole-1d", GridSize(nx: 200, nt: 100)), ("lq-1d", GridSize(nx: 400, nt: 80)),
                             ("congestion-lst-1d", GridSize(nx: 200, nt: 200)), ("congestion-lst-1d", GridSize(nx: 1000, nt: 1000)),
                             ("ergodic-periodic-1d", GridSize(nx: 400))] {
            let file = try reportingInputErrors { try ProblemLocator.load(name, overrides: []) }
            var best = [Double.infinity, .infinity]
            for _ in 0..<repeats {
                for (k, estimate) in [false, true].enumerated() {
                    var options = SolverOptions()
                    options.errorEstimate = estimate
                    let start = clock.now
                    _ = try reportingInputErrors { try MFGSolver.solve(file.model, grid: grid, options: options) }
                    best[k] = min(best[k], (clock.now - start) / .seconds(1))
                }
            }
            print(String(format: "error estimate %@ %@: solve %8.2f ms, with the estimate %8.2f ms (%.2fx)",
                         name, grid.description, best[0] * 1e3, best[1] * 1e3, best[1] / best[0]))
            fflush(nil)
        }
    }

    /// Runs a program and returns its standard output and exit status.
    func runProcess(_ path: String, _ arguments: [String]) throws -> (String, Int32) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (String(decoding: data, as: UTF8.self), process.terminationStatus)
    }

    /// Offline learning on four rooms: dataset generation and one Off-MMD outer iteration (one BLAS thread).
    func benchOffline() throws {
        let game = try FourRooms.make(task: .exploration)
        let expert = try ReferencePolicies.mirrorDescentExpert(game: game, iterations: 2000, learningRate: 0.03)
        let clock = ContinuousClock()
        var generation = Duration.seconds(1000), dataset: OfflineDataset?
        for seed in 0..<UInt64(repeats) {
            let start = clock.now
            dataset = try DatasetGenerator.generate(game: game, components: [.init(name: "expert", policy: expert, proportion: 1)],
                                                    episodes: 10_000, seed: seed, gameSpec: [:])
            generation = min(generation, clock.now - start)
        }
        print("four_rooms: dataset generation, 10,000 trajectories x 40 steps: \(generation) (best of \(repeats))")
        // As `rl offline` runs it (threads chosen by the training itself, bfloat16 products), on one
        // thread, and both with float32 products (OpenBLAS's sgemm) for the ratio.
        for precision in [MatmulPrecision.bfloat16, .float32] {
            for threads in [nil, 1] as [Int?] {
                var settings = OfflineSettings()
                settings.iterations = 1
                settings.threads = threads
                settings.matmulPrecision = precision
                var best = Double.infinity
                for _ in 0..<min(repeats, 3) {
                    let learner = try OfflineTraining(game: game, dataset: dataset, algorithm: .offMMD, settings: settings)
                    let logs = try learner.run()
                    best = min(best, logs[1].seconds - logs[0].seconds)
                }
                print(String(format: "four_rooms: one Off-MMD outer iteration (2000 minibatches of 512, 27-128-128-128-5 MLP, MIS estimate, relabelling, exact evaluation), %@ products, %@: %.2f s (best of %d)",
                             precision == .bfloat16 ? "bfloat16 (\(MatmulPrecision.bfloat16Kernel.name))" : "float32 (sgemm)", threads == nil ? "up to \(settings.workers) threads as rl offline" : "one thread", best, min(repeats, 3)))
                fflush(nil)
            }
        }
    }

    /// The whole `dataset generate --game four_rooms --behavior random --episodes 10000` command
    /// (start-up, the expert for the statistics, sampling, the .npz, the statistics), run twice as a
    /// process of this binary with an empty expert cache of its own: the first run computes the
    /// expert, the second reads it (`ExpertCache`), as a user's second run does.
    func benchDatasetCommand() throws {
        guard let binary = Bundle.main.executableURL else { return }
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("solve-mfg-bench-\(getpid())")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        var environment = ProcessInfo.processInfo.environment
        environment["XDG_CACHE_HOME"] = scratch.appendingPathComponent("cache").path
        var times: [Double] = []
        for _ in 0..<2 {
            let process = Process()
            process.executableURL = binary
            process.arguments = ["dataset", "generate", "--game", "four_rooms", "--behavior", "random", "--episodes", "10000",
                                 "--out", scratch.appendingPathComponent("random.npz").path]
            process.environment = environment
            process.standardOutput = FileHandle.nullDevice
            let start = ContinuousClock.now
            try process.run()
            process.waitUntilExit()
            guard process.terminationStatus == 0 else {
                printError("error: dataset generate exited with \(process.terminationStatus) in the benchmark")
                throw ExitCode.failure
            }
            times.append((ContinuousClock.now - start) / .seconds(1))
        }
        print(String(format: "four_rooms: the dataset generate command (10,000 random episodes, statistics included): %.2f s first run (expert computed), %.2f s second run (expert cached)",
                     times[0], times[1]))
        fflush(nil)
    }

    /// One fit of each approximator to 4096 samples at 21 slices (`ApproximatorBenchmark`), 1D and 2D.
    func benchApproximators() throws {
        for dimension in [1, 2] {
            for timing in try ApproximatorBenchmark.run(dimension: dimension, kinds: ApproximatorKind.allCases) {
                print(String(format: "approximator %@ (%dD, %d samples x %d slices, %d BLAS thread%@): fit %.2f s", timing.kind.rawValue,
                             dimension, timing.samples, timing.slices, timing.blasThreads ?? 0, timing.blasThreads == 1 ? "" : "s",
                             timing.seconds))
                fflush(nil)
            }
        }
    }

    /// One mirror-descent iteration on OpenSpiel's games, best of --repeats runs of 500 iterations.
    func benchRL() throws {
        let cases: [(String, [String: Double], [String])] = [
            ("crowd_modelling", ["size": 100, "horizon": 100], ["crowd_modelling", "100", "100", "2"]),
            ("periodic_aversion", [:], ["periodic_aversion", "2"]),
        ]
        for (name, parameters, script) in cases {
            let game = try OpenSpielGames.make(name, parameters: parameters)
            var best = Double.infinity
            // Phases, each timed on its own over the same iterations: update (mirror-descent sum and
            // softmax), distribution, rewards, backward sweep (evaluation and best response together).
            var phases = [Double](repeating: .infinity, count: 4)
            let clock = ContinuousClock()
            func seconds(_ d: Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18 }
            for _ in 0..<repeats {
                var solver = TabularRun(game: game, algorithm: try MirrorDescent(game: game, learningRate: 1))
                let log = solver.run(iterations: 500)
                best = min(best, log.last!.seconds / 500)
                var spent = [Double](repeating: 0, count: 4)
                // The phases of 100 more iterations, `ExactTools.evaluate` in its three steps, after one
                // untimed iteration (the copies then own their arrays).
                let tools = solver.tools
                var algorithm = solver.algorithm, evaluation = solver.evaluation
                algorithm.update(from: evaluation, tools: tools)
                tools.evaluate(algorithm.policy, into: &evaluation)
                for _ in 0..<100 {
                    var start = clock.now
                    algorithm.update(from: evaluation, tools: tools)
                    spent[0] += seconds(clock.now - start); start = clock.now
                    tools.distribution(of: algorithm.policy, into: &evaluation.distribution)
                    spent[1] += seconds(clock.now - start); start = clock.now
                    tools.rewards(along: evaluation.distribution, into: &evaluation.rewards)
                    spent[2] += seconds(clock.now - start); start = clock.now
                    tools.sweep(algorithm.policy, into: &evaluation)
                    spent[3] += seconds(clock.now - start)
                }
                for k in 0..<4 { phases[k] = min(phases[k], spent[k] / 100) }
            }
            var line = String(format: "%@ %@  mirror descent: %.3f ms per iteration (update %.3f, distribution %.3f, rewards %.3f, backward sweep %.3f)", name,
                              parameters.isEmpty ? "(defaults)" : "(size 100, horizon 100)", best * 1e3,
                              phases[0] * 1e3, phases[1] * 1e3, phases[2] * 1e3, phases[3] * 1e3)
            if let python = openspielPython {
                let process = Process()
                process.executableURL = URL(fileURLWithPath: python)
                process.arguments = ["bench/openspiel_timing.py"] + script
                let pipe = Pipe()
                process.standardOutput = pipe
                try process.run()
                let data = pipe.fileHandleForReading.readDataToEndOfFile()
                process.waitUntilExit()
                let text = String(decoding: data, as: UTF8.self)
                if process.terminationStatus == 0, let last = text.split(separator: "\n").last(where: { $0.hasPrefix("seconds ") }),
                   let seconds = Double(last.dropFirst("seconds ".count)) {
                    line += String(format: "   OpenSpiel %.3f s per iteration   ratio %.0fx", seconds, seconds / best)
                } else {
                    line += "   (OpenSpiel timing failed)"
                }
            }
            print(line)
            if name == "crowd_modelling" {
                // Munchausen mirror descent keeps log pi_k instead of a chain of policies: the same cost at
                // every iteration. Best of --repeats for the first and the last 100 of 500 iterations.
                var first = Double.infinity, last = Double.infinity
                for _ in 0..<repeats {
                    var solver = TabularRun(game: game, algorithm: try MunchausenMirrorDescent(game: game, learningRate: 1, alpha: 0.9))
                    let log = solver.run(iterations: 500)
                    first = min(first, log[99].seconds / 100)
                    last = min(last, (log[499].seconds - log[399].seconds) / 100)
                }
                print(String(format: "%@ (size 100, horizon 100)  Munchausen mirror descent (alpha 0.9): %.3f ms per iteration over iterations 1-100, %.3f ms over 401-500",
                             name, first * 1e3, last * 1e3))
            }
            fflush(nil)
        }
    }

    /// Peak resident memory of this process (Linux /proc), in MB.
    func peakMemoryMB() -> Double {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
              let kb = Double(line.split(separator: " ").dropFirst().first ?? "") else { return .nan }
        return kb / 1024
    }

    /// Times the same problem written as a file (compiled expressions) and in Swift (closures).
    func compareFilesWithSwift() throws {
        let pairs: [(String, MFGProblem, Int, Int)] = [
            ("congestion-lst-1d", try Catalogue.congestionLST(), 200, 200),
            ("lq-1d", try Catalogue.linearQuadratic(), 400, 100),
        ]
        for (name, swift, nx, nt) in pairs {
            let file = try reportingInputErrors { try ProblemLocator.load(name, overrides: []) }
            var best = [Double.infinity, Double.infinity]
            var iterations = [0, 0]
            // Interleaved runs, so that machine noise hits both alike.
            for _ in 0..<repeats {
                for (k, model) in [file.model, .oneD(swift)].enumerated() {
                    let s = try MFGSolver.solve(model, grid: GridSize(nx: nx, nt: nt), options: SolverOptions(tolerance: 1e-10))
                    best[k] = min(best[k], s.seconds)
                    iterations[k] = s.iterations
                }
            }
            print(String(format: "%-18@ %4d x %4d  from the file %8.2f ms (%d it)  in Swift %8.2f ms (%d it)  file/Swift %.2f",
                         name, nx, nt, best[0] * 1e3, iterations[0], best[1] * 1e3, iterations[1], best[0] / best[1]))
        }
    }

    static let configuration = CommandConfiguration(
        abstract: "Release-mode speed benchmark of the solvers, optionally against the Python reference and an earlier build.",
        discussion: """
            Times the default solver (no settings) on the monotone 1D example \
            (bench/problems/monotone-example-1d.toml, 200 x 100, to 1e-10) and on the \
            Lauriere-Song-Tang congestion problem (congestion-lst-1d) until both the HJB and the FP \
            residual are at most 1e-12 at 200 x 200, and 1e-10 at 1000 x 1000 (there the round-off \
            floor of the residual is about 2e-11); reports the best and median of --repeats runs. \
            --2d adds the monotone 2D example (40 x 40 x 50) and crowd-aversion-2d on 50^2, 100^2 \
            and 200^2 cells with 100 steps, with the growth per 4x unknowns. With --baseline, an \
            earlier solve-mfg binary solves the same problems in the same run and the ratios are \
            printed. With --python, also runs bench/lst_reference.py (PyPI mfgsolver 0.4.4, 15 policy \
            iterations at 200 x 200) and prints the speed ratio. Also compares problems read from files \
            (compiled expressions) with the same problems written in Swift. No environment variable is \
            needed: the program sets its BLAS threads itself. Build with `swift build -c release` first.
            """ + Exit.brief)

    @Option(help: "Runs per size; best and median are reported.")
    var repeats: Int = 7

    @Option(help: "Python interpreter with mfgsolver 0.4.4 installed (e.g. bench/.venv/bin/python).")
    var python: String?

    @Flag(name: .customLong("2d"), help: "Also time the monotone 2D example (40 x 40 x 50) and crowd-aversion-2d on 50^2, 100^2 and 200^2 grids with 100 time steps, to residual 1e-10, once each (about 2 minutes).")
    var twoD = false

    @Flag(name: .customLong("rl"), help: "Also time one mirror-descent iteration (distribution, evaluation, best response, update, exploitability) on crowd_modelling 100 x 100 and periodic_aversion.")
    var rlGames = false

    @Flag(name: .customLong("offline"), help: "Also time dataset generation (10,000 four-rooms trajectories of length 40; the sampling, then the whole dataset generate command twice, the expert computed then cached) and one Off-MMD outer iteration (2000 minibatches of 512, 3 x 128 MLP) on four rooms, as rl offline runs it and on one thread.")
    var offline = false

    @Flag(name: .customLong("approx"), help: "Also time one fit of each approximator (default settings) to 4096 samples at 21 time slices, in 1D (200 cells) and 2D (80 x 80 cells), on one core.")
    var approximators = false

    @Option(help: "With --rl: Python interpreter with open_spiel 2.0.2 (e.g. bench/.venv-openspiel/bin/python), to time OpenSpiel in the same run.")
    var openspielPython: String?

    @Flag(name: .customLong("skip-1d"), help: "Skip the 1D timings and the file/Swift comparison (to time only --rl, --offline, --approx or --2d).")
    var skip1D = false

    @Option(help: "Path of the reference script.")
    var script: String = "bench/lst_reference.py"

    @Option(help: "Another solve-mfg binary (e.g. a build of an earlier commit) to time on the same problems in the same run, for ratios.")
    var baseline: String?

    func validate() throws {
        guard repeats >= 1, repeats <= 1000 else { throw ValidationError("--repeats must be between 1 and 1000") }
        guard !(skip1D && python != nil) else { throw ValidationError("--python compares the 1D timings; it cannot be used with --skip-1d") }
        if let baseline {
            guard FileManager.default.isExecutableFile(atPath: baseline) else {
                throw ValidationError("--baseline: no executable at '\(baseline)'; give the path of an earlier solve-mfg build")
            }
            guard !(skip1D && !twoD) else {
                throw ValidationError("--baseline times the 1D and 2D solves; with --skip-1d add --2d")
            }
        }
    }

    func run() throws {
        #if DEBUG
        printError("warning: this is a debug build; timings are not representative (use swift build -c release)")
        #endif
        var best200 = 0.0
        if !skip1D {
            // The monotone 1D example (the former default failed on it), best and median of --repeats.
            try timeRepeated("bench/problems/monotone-example-1d.toml", grid: nil, tolerance: 1e-10)
            for (size, tolerance) in [(200, 1e-12), (1000, 1e-10)] {
                let best = try timeRepeated("congestion-lst-1d", grid: GridSize(nx: size, nt: size), tolerance: tolerance)
                if size == 200 { best200 = best }
            }
        }
        if !skip1D {
            try compareFilesWithSwift()
            try benchErrorEstimate()
        }
        if twoD { try benchTwoD() }
        if rlGames { try benchRL() }
        if offline { try benchOffline(); try benchDatasetCommand() }
        if approximators { try benchApproximators() }
        guard let python else { return }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [script, "--time-only"]
        let pipe = Pipe()
        process.standardOutput = pipe
        do { try process.run() } catch {
            printError("error: cannot run \(python) \(script): \(error.localizedDescription)")
            throw ExitCode.failure
        }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
        guard process.terminationStatus == 0,
              let line = text.split(separator: "\n").last(where: { $0.hasPrefix("seconds ") }),
              let seconds = Double(line.dropFirst("seconds ".count))
        else {
            printError("error: the reference script failed or printed no 'seconds' line:\n\(text)")
            throw ExitCode.failure
        }
        print(String(format: "python mfgsolver 0.4.4  200 x  200  policy iteration: 15 iterations          %8.2f ms", seconds * 1e3))
        print(String(format: "speed-up at 200 x 200 (best solve-mfg run vs the Python reference): %.0fx", seconds / best200))
    }
}
