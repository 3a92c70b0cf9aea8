import ArgumentParser
import Benchmark
import Foundation
import RLBridge
import Writers

struct BenchmarkCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "benchmark",
        abstract: "Rank MFG learning methods against the ground truth: a suite file in, a ranked, reproducible report out.",
        discussion: "Suite files: docs/benchmark.md (benchmarks/quick.toml is the smoke test). `benchmark run` is resumable and can run a shard; `benchmark merge` combines shards; `benchmark slurm` writes a Slurm job array.",
        subcommands: [BenchmarkRunCommand.self, BenchmarkReportCommand.self, BenchmarkMergeCommand.self, BenchmarkSlurmCommand.self])
}

/// The command line's loaders, so that names in a suite mean what they mean to `solve` and `rl run`.
let benchmarkResolvers = Resolvers(
    problem: { source, parameters in try ProblemLocator.load(source, overrides: parameters) },
    game: { name, parameters in
        var options = GameOptions()
        options.game = name
        options.parameters = parameters
        return try options.make()
    })

/// The version, commit and machine recorded with every result. The commit is `SOLVE_MFG_COMMIT` when
/// set (the Slurm scripts set it to the commit where `benchmark slurm` was called), else that of the
/// checkout holding the binary (`.build/release/solve-mfg`), else the working directory's.
func provenance(_ arguments: [String]) -> (version: String, commit: String, machine: String, command: String) {
    let version = SolveMFG.configuration.version
    let info = ProcessInfo.processInfo
    let machine = "\(info.hostName), \(info.operatingSystemVersionString), \(info.activeProcessorCount) cores, \(info.physicalMemory >> 30) GiB"
    let command = (["solve-mfg"] + arguments).joined(separator: " ")
    if let given = info.environment["SOLVE_MFG_COMMIT"], !given.isEmpty { return (version, given, machine, command) }
    let binary = Bundle.main.executableURL?.resolvingSymlinksInPath().deletingLastPathComponent().path
    for directory in [binary, FileManager.default.currentDirectoryPath].compactMap({ $0 }) {
        let git = Process()
        git.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        git.arguments = ["git", "-C", directory, "rev-parse", "--short=12", "HEAD"]
        let pipe = Pipe()
        git.standardOutput = pipe
        git.standardError = FileHandle.nullDevice
        guard (try? git.run()) != nil else { continue }
        let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        git.waitUntilExit()
        if git.terminationStatus == 0, !text.isEmpty { return (version, text, machine, command) }
    }
    return (version, "unknown", machine, command)
}

struct BenchmarkRunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run every cell of a suite (problem x level x method x setting x seed), resumably.",
        discussion: "Each ground truth (the discretised game and its PDE reference, with the reference's error bar) is built once and shared by the cells that need it. A finished cell is written atomically to OUT/cells/; a run started again on the same OUT computes only the cells without a result (failed cells are tried again). A failing cell is recorded with its error and does not stop the others. Exit code 0 when every cell succeeded, 3 when some failed.")

    @Argument(help: "The suite file (.toml; docs/benchmark.md).")
    var suite: String

    @Option(help: "Results directory (default: out/benchmark-<suite name>).")
    var out: String?

    @Option(help: "Run only the share i/n of the cells (1 <= i <= n), e.g. 2/3, into its own --out; combine shards with `benchmark merge`.")
    var shard: String?

    @Flag(help: "Then write the report (benchmark report).")
    var report = false

    func run() throws {
        let s = try reportingInputErrors { try Suite.load(path: suite) }
        let part = try shard.map { text in
            do { return try BenchmarkRun.Shard(text) } catch { throw ValidationError("\(error)") }
        }
        let directory = URL(fileURLWithPath: out ?? "out/benchmark-\(s.name)")
        printError("benchmark '\(s.name)': \(s.cells.count) cells\(part.map { ", shard \($0)" } ?? "") -> \(directory.path)")
        let outcome: (computed: Int, failed: Int, skipped: Int)
        do {
            outcome = try BenchmarkRun.run(s, into: directory, shard: part, resolvers: benchmarkResolvers,
                                           provenance: provenance(Array(CommandLine.arguments.dropFirst()))) { printError($0) }
        } catch let e as BenchmarkError {
            printError("error: \(e)")
            throw Exit.badData
        }
        print("\(outcome.computed) cells computed (\(outcome.failed) failed), \(outcome.skipped) already done: \(directory.path)")
        if report {
            let files = try BenchmarkReport.write(directory)
            print("report:   \(directory.path)/\(files[0]), \(directory.path)/\(files[1])")
        }
        if outcome.failed > 0 { throw Exit.notConverged }
    }
}

struct BenchmarkReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write report.md, a self-contained report.html, results.csv and results.json from a results directory.")

    @Argument(help: "A results directory of `benchmark run` or `benchmark merge`.")
    var directory: String

    func run() throws {
        do {
            let files = try BenchmarkReport.write(URL(fileURLWithPath: directory))
            print("report:   " + files.prefix(4).map { "\(directory)/\($0)" }.joined(separator: " "))
        } catch let e as BenchmarkError {
            printError("error: \(e)")
            throw Exit.badData
        }
    }
}

struct BenchmarkMergeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Combine the results directories of shards of one suite (refusing different suites and duplicate cells).",
        discussion: "A directory with no results (a shard that never started or died before its first cell) is left out with a warning, and the merged manifest and the report name it; the other shards are merged.")

    @Option(help: "The merged results directory.")
    var out: String

    @Argument(help: "The shards' results directories.")
    var directories: [String]

    func run() throws {
        do {
            let merged = try BenchmarkRun.merge(directories.map { URL(fileURLWithPath: $0) }, into: URL(fileURLWithPath: out))
            for path in merged.emptyShards {
                printError("warning: \(path) holds no results (no manifest.json: the shard never started or ended before its first cell); its cells are missing")
            }
            print("merged \(merged.cells) cells from \(directories.count - merged.emptyShards.count) of \(directories.count) directories into \(out)")
        } catch let e as BenchmarkError {
            printError("error: \(e)")
            throw Exit.badData
        }
    }
}

struct BenchmarkSlurmCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "slurm",
        abstract: "Write a Slurm job array for a suite: array.sbatch (one task per shard), merge.sbatch (merge and report), submit.sh.")

    @Argument(help: "The suite file.")
    var suite: String

    @Option(help: "Number of shards (array tasks).")
    var shards: Int = 4

    @Option(help: "Directory for the scripts and, under it, the results (shard-i/, merged/, logs/).")
    var out: String

    @Option(help: "The solve-mfg binary the jobs run (default: this one, by its absolute path). A path is made absolute; a bare name is looked up in the jobs' PATH.")
    var binary: String?

    @Option(help: "Slurm partition (default: the cluster's).")
    var partition: String?

    @Option(help: "Time limit per task (Slurm syntax).")
    var time: String = "02:00:00"

    @Option(help: "CPUs per task.")
    var cpus: Int = 1

    @Option(help: "Memory per task (Slurm syntax), or none to leave out --mem (clusters that do not manage memory refuse it).")
    var memory: String = "4G"

    func validate() throws {
        guard (1...10_000).contains(shards) else { throw ValidationError("--shards must lie between 1 and 10000") }
        guard (1...1024).contains(cpus) else { throw ValidationError("--cpus must lie between 1 and 1024") }
        guard !memory.trimmingCharacters(in: .whitespaces).isEmpty, !memory.contains(where: \.isNewline) else {
            throw ValidationError("--memory takes a Slurm size such as 4G, or none to leave --mem out; got '\(memory)'")
        }
    }

    func run() throws {
        _ = try reportingInputErrors { try Suite.load(path: suite) }
        let directory = URL(fileURLWithPath: out).standardizedFileURL
        let exe: String
        if let binary {
            exe = binary.contains("/") ? URL(fileURLWithPath: binary).standardizedFileURL.path : binary
        } else {
            exe = Self.thisExecutable()
        }
        let commit = provenance([]).commit
        let settings = SlurmScript.Settings(
            suite: URL(fileURLWithPath: suite).standardizedFileURL.path, shards: shards, out: directory.path,
            binary: exe, partition: partition, timeLimit: time, cpus: cpus, memory: memory == "none" ? nil : memory,
            commit: commit == "unknown" ? nil : commit)
        try AtomicFile.makeDirectory(directory)
        // The jobs' --output directory must exist when a task starts (submit.sh makes it too).
        try AtomicFile.makeDirectory(directory.appendingPathComponent("logs"))
        for (name, text) in SlurmScript.scripts(settings) {
            let url = directory.appendingPathComponent(name)
            try AtomicFile.write(Data(text.utf8), to: url)
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: url.path)
        }
        print("wrote \(directory.path)/{array.sbatch,merge.sbatch,submit.sh}; run \(directory.path)/submit.sh on the cluster")
    }

    /// The absolute path of the running binary: argv[0] is a bare name when it was found in PATH.
    static func thisExecutable() -> String {
        if let path = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"), path.hasPrefix("/") { return path }
        let arg0 = CommandLine.arguments[0]
        if arg0.contains("/") { return URL(fileURLWithPath: arg0).standardizedFileURL.path }
        for folder in (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":") {
            let candidate = "\(folder)/\(arg0)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return URL(fileURLWithPath: candidate).standardizedFileURL.path }
        }
        return arg0
    }
}
