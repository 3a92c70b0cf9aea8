import Approximators
import Foundation
import Plots
import Writers

/// The approximators' study written out: `results.csv` and `results.json` (one row per fit),
/// `report.md` (per problem, the median over seeds of each metric divided by its oracle floor, per
/// approximator and N; the floors; fit times) and PNG pictures beside them: each metric against N on
/// log axes with the floor, and the reference density beside each approximation at several times.
public enum ApproximatorReport {
    /// The metrics of the tables, in order: the transport distance of the dimension first.
    static func metrics(dimension: Int) -> [Metric] {
        (dimension == 1 ? [.w1] : [.slicedW1, .slicedW2]) + [.l1, .mmd2, .kl, .meanError, .covarianceError]
    }

    /// The pictures' file names, known before the study runs (for `OutputDirectory`).
    public static func pictureNames(problem: String, dimension: Int) -> [String] {
        metrics(dimension: dimension).map { "\(problem)-\($0.rawValue).png" }
            + (dimension == 1 ? (1...3).map { "\(problem)-density-\($0).png" } : ["\(problem)-densities.png"])
    }

    public static func write(problems: [ApproximatorStudy.Problem], outcomes: [ApproximatorStudy.Outcome],
                             settings: ApproximatorStudy.Settings, command: String, to directory: URL,
                             pictures: Bool = true) throws -> [String] {
        let rows = outcomes.flatMap(\.rows)
        let all = Metric.allCases.map(\.rawValue)
        try CSV.write(
            header: ["problem", "approximator", "source", "samples", "seed", "fit_seconds", "error"]
                + all + all.map { "floor_" + $0 } + all.map { "ratio_" + $0 },
            cells: rows.map { r in
                [r.problem, r.approximator, r.source, "\(r.samples)", "\(r.seed)", "\(r.fitSeconds)", r.error ?? ""]
                    + all.map { r.scores[$0].map { "\($0)" } ?? "" } + all.map { r.floor[$0].map { "\($0)" } ?? "" }
                    + all.map { r.ratios[$0].map { "\($0)" } ?? "" }
            },
            to: directory.appendingPathComponent("results.csv"))
        try JSONFile.write(rows, to: directory.appendingPathComponent("results.json"))
        let images = directory
        var files = ["results.csv", "results.json", "report.md"]
        let names = settings.approximators.keys.sorted()
        var md = "# Population-distribution approximators against the PDE density\n\n"
        md += "Each cell is the median over \(settings.seeds.count) seeds of a metric divided by its **oracle floor**, the same "
        md += "metric for N i.i.d. draws of the reference (averaged over the seeds): 1 is as good as the samples themselves, "
        md += "below 1 is better than the raw samples (a model that smooths well), above 1 worse. Samples: \(settings.source.rawValue), "
        md += "N per time slice at \(settings.fitSlices) slices; scores are averaged over \(settings.scoreSlices) slices "
        md += "(0, T/4, T/2, 3T/4, T). Metrics and floors: `docs/approximators.md`.\n\n"
        for (problem, outcome) in zip(problems, outcomes) {
            // Each problem's own sample counts (1D problems may have more).
            let counts = Set(outcome.rows.map(\.samples)).sorted()
            let dimension = problem.scoreReference.grid.dimension
            let grid = problem.scoreReference.grid
            md += "## \(problem.name)\n\n"
            md += "Reference: \(dimension)D, \(grid.nx)\(dimension == 2 ? " x \(grid.ny)" : "") cells, \(problem.equilibrium.nt) time steps.\n\n"
            for metric in metrics(dimension: dimension) {
                let key = metric.rawValue
                guard outcome.rows.contains(where: { $0.ratios[key] != nil }) else { continue }
                md += "**\(key)** / floor\n\n| approximator | " + counts.map { "N = \($0)" }.joined(separator: " | ") + " |\n"
                md += "|---|" + counts.map { _ in "---:|" }.joined() + "\n"
                for name in names {
                    md += "| \(name) | " + counts.map { n in
                        cell(outcome.rows.filter { $0.approximator == name && $0.samples == n }.compactMap { $0.ratios[key] })
                    }.joined(separator: " | ") + " |\n"
                }
                md += "| *floor* | " + counts.map { n in
                    outcome.rows.first { $0.samples == n }?.floor[key].map(number) ?? "-"
                }.joined(separator: " | ") + " |\n\n"
                if pictures {
                    let name = "\(problem.name)-\(key).png"
                    try metricPicture(outcome.rows, metric: key, names: names, counts: counts,
                                      title: "\(problem.name): \(key) (median over seeds) and the oracle floor",
                                      to: images.appendingPathComponent(name))
                    md += "![\(key)](\(name))\n\n"
                    files.append(name)
                }
            }
            md += "Fit time (median seconds per fit, all slices):\n\n| approximator | " + counts.map { "N = \($0)" }.joined(separator: " | ") + " |\n"
            md += "|---|" + counts.map { _ in "---:|" }.joined() + "\n"
            for name in names {
                md += "| \(name) | " + counts.map { n in
                    cell(outcome.rows.filter { $0.approximator == name && $0.samples == n && $0.error == nil }.map(\.fitSeconds))
                }.joined(separator: " | ") + " |\n"
            }
            let failures = outcome.rows.filter { $0.error != nil }
            if !failures.isEmpty {
                md += "\nFailed fits: " + failures.map { "\($0.approximator) at N = \($0.samples), seed \($0.seed): \($0.error!)" }
                    .joined(separator: "; ") + "\n"
            }
            md += "\n"
            if pictures, !outcome.snapshots.isEmpty {
                for name in try densityPictures(problem, snapshots: outcome.snapshots, names: names, largest: counts.last ?? 0,
                                                directory: images) {
                    md += "![densities](\(name))\n\n"
                    files.append(name)
                }
            }
        }
        md += "## Reproduce\n\n```\n\(command)\n```\n"
        try Data(md.utf8).write(to: directory.appendingPathComponent("report.md"))
        try Data(compactTable(problems: problems, outcomes: outcomes, names: names).utf8)
            .write(to: directory.appendingPathComponent("table.md"))
        files.append("table.md")
        return files
    }

    /// One table for all problems: the median over seeds of the transport metric (W1 in 1D, sliced W1
    /// in 2D) and of L1, each over its floor, per approximator (rows) and problem and N (columns).
    static func compactTable(problems: [ApproximatorStudy.Problem], outcomes: [ApproximatorStudy.Outcome],
                             names: [String]) -> String {
        var md = ""
        for (title, metric) in [("W1 (1D) or sliced W1 (2D)", nil as String?), ("L1", "l1"), ("MMD^2", "mmd2")] {
            md += "**\(title) / oracle floor** (median over seeds)\n\n| approximator |"
            var header = "|---|"
            var columns: [(ApproximatorStudy.Outcome, Int, String)] = []
            for (problem, outcome) in zip(problems, outcomes) {
                let key = metric ?? (problem.scoreReference.grid.dimension == 1 ? "w1" : "sliced-w1")
                for n in Set(outcome.rows.map(\.samples)).sorted() {
                    md += " \(problem.name) N=\(n) |"
                    header += "---:|"
                    columns.append((outcome, n, key))
                }
            }
            md += "\n" + header + "\n"
            for name in names {
                md += "| \(name) |" + columns.map { outcome, n, key in
                    " " + (median(outcome.rows.filter { $0.approximator == name && $0.samples == n }.compactMap { $0.ratios[key] }).map(number) ?? "-") + " |"
                }.joined() + "\n"
            }
            md += "\n"
        }
        return md
    }

    /// `median [min, max]` of the seeds' values, or `-`.
    static func cell(_ values: [Double]) -> String {
        guard let m = median(values) else { return "-" }
        return values.count > 1 ? "\(number(m)) [\(number(values.min()!)), \(number(values.max()!))]" : number(m)
    }

    static func number(_ v: Double) -> String {
        guard v.isFinite else { return "\(v)" }
        return abs(v) >= 1e-3 && abs(v) < 1e4 ? String(format: "%.3g", v) : String(format: "%.2e", v)
    }

    /// The metric (median over seeds) of each approximator against N, log-log, with the floor.
    static func metricPicture(_ rows: [ApproximatorStudy.Row], metric: String, names: [String], counts: [Int],
                              title: String, to url: URL) throws {
        let x = counts.map { log10(Double($0)) }
        var series: [Series] = []
        for (k, name) in names.enumerated() {
            let y = counts.map { n in median(rows.filter { $0.approximator == name && $0.samples == n }.compactMap { $0.scores[metric] }) ?? .nan }
            guard y.contains(where: \.isFinite) else { continue }
            series.append(Series(label: name, x: x, y: y, color: approximatorColor(k)))
        }
        let floor = counts.map { n in rows.first { $0.samples == n }?.floor[metric] ?? .nan }
        series.append(Series(label: "oracle floor", x: x, y: floor, color: (0, 0, 0)))
        try Figures.linePlot(series, title: title, xLabel: "log10 N", yLabel: metric, logY: true, to: url)
    }

    /// The palette without its black, which marks the reference and the floor.
    public static func approximatorColor(_ k: Int) -> (Double, Double, Double) {
        let colours = Figures.palette.filter { $0 != (0, 0, 0) }
        return colours[k % colours.count]
    }

    /// The reference and every approximation at the scoring slices T/4, T/2 and T: in 1D one line
    /// plot per time (`PROBLEM-density-K.png`), in 2D one picture of heat maps (`PROBLEM-densities.png`),
    /// one row per time, the reference first, on the colour scale 0 ... 1.5 x the reference's largest
    /// density (a collapsed model saturates rather than washing the others out). Returns the file names.
    static func densityPictures(_ problem: ApproximatorStudy.Problem, snapshots: [String: [[Double]]], names: [String],
                                largest: Int, directory: URL) throws -> [String] {
        let reference = problem.scoreReference, grid = reference.grid
        let slices = [1, 2, reference.times.count - 1].filter { $0 < reference.times.count }
        let volume = grid.cellVolume
        if grid.dimension == 1 {
            return try slices.enumerated().map { index, k in
                var series = [Series(label: "PDE", x: grid.x, y: reference.masses[k].map { $0 / volume }, color: (0, 0, 0))]
                for (j, name) in names.enumerated() {
                    guard let m = snapshots[name]?[k] else { continue }
                    series.append(Series(label: name, x: grid.x, y: m.map { $0 / volume }, color: approximatorColor(j)))
                }
                let file = "\(problem.name)-density-\(index + 1).png"
                try Figures.linePlot(series, title: String(format: "%@: density at t = %.3g, N = %d (first seed)", problem.name,
                                                           reference.times[k], largest),
                                     xLabel: "x", yLabel: "density", logY: false, to: directory.appendingPathComponent(file))
                return file
            }
        }
        var frames: [[Double]] = [], labels: [String] = []
        for k in slices {
            frames.append(reference.masses[k].map { $0 / volume })
            labels.append(String(format: "PDE, t = %.2g", reference.times[k]))
            for name in names {
                guard let m = snapshots[name]?[k] else { continue }
                frames.append(m.map { $0 / volume })
                labels.append(String(format: "%@, t = %.2g", name, reference.times[k]))
            }
        }
        let active = grid.active ?? [Bool](repeating: true, count: grid.cellCount)
        let file = "\(problem.name)-densities.png"
        try Figures.snapshots2D(frames, labels: labels, x: grid.x, y: grid.y!,
                                extent: (grid.lower[0], grid.upper[0], grid.lower[1], grid.upper[1]), active: active,
                                walls: !grid.periodic, exits: [], title: "\(problem.name): densities, N = \(largest) (one row per time)",
                                colorLabel: "m", columns: frames.count / max(slices.count, 1), panel: 180,
                                range: (0, 1.5 * slices.map { reference.masses[$0].max()! / volume }.max()!),
                                to: directory.appendingPathComponent(file))
        return [file]
    }

    /// The median of the finite values (the benchmark report's rule), nil when there are none.
    static func median(_ values: [Double]) -> Double? { BenchmarkReport.median(values.filter(\.isFinite)) }
}
