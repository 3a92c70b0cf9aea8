import Foundation
import Plots
import Writers

/// The report of a results directory (`benchmark report DIR`): `results.csv` and `results.json`
/// (one row per cell), `report.md` and a self-contained `report.html` (pictures embedded), and the
/// pictures in `img/`. Methods are ranked per problem and level by the median over seeds of their
/// final exploitability, and by their L1 distance to the PDE density.
public enum BenchmarkReport {
    /// One method at one (problem, level), its seeds aggregated.
    struct Row {
        var method: String
        var seeds: Int
        var failed: Int
        var exploitability: [Double]
        var l1: [Double], w1: [Double], policyDistance: [Double], meanActionDistance: [Double], seconds: [Double]
        var iterations: [Int]
    }

    static func median(_ v: [Double]) -> Double? {
        guard !v.isEmpty else { return nil }
        let s = v.sorted(), n = s.count
        return n % 2 == 1 ? s[n / 2] : 0.5 * (s[n / 2 - 1] + s[n / 2])
    }

    /// A method's label short enough for a picture's legend: the key, the dataset when the key does
    /// not already name it, and only the settings in which the group's methods of this key differ
    /// (`md(lr=1)`, `offmmd_cql(cql_weight=0)`).
    static func legendLabels(_ methods: [String]) -> [String] {
        func parts(_ label: String) -> (name: String, settings: [String]) {
            guard let open = label.firstIndex(of: "(") else { return (label, []) }
            let inside = label[label.index(after: open)..<label.index(before: label.endIndex)]
            return (String(label[..<open]), inside.split(separator: ";").map(String.init))
        }
        let split = methods.map(parts)
        return split.map { name, settings in
            // The dataset only when two methods of one key use different ones.
            var shown = name
            if let at = name.firstIndex(of: "@") {
                let key = String(name[..<at])
                let datasets = Set(split.map(\.name).filter { $0.hasPrefix(key + "@") })
                shown = datasets.count > 1 ? name : key
            }
            let siblings = split.filter { $0.name == name }.map(\.settings)
            let differing = settings.filter { s in siblings.contains { !$0.contains(s) } }
            let text = differing.map {
                $0.replacingOccurrences(of: "learning_rate=", with: "lr=").replacingOccurrences(of: "temperature=", with: "temp=")
                    .replacingOccurrences(of: "alpha=", with: "a=").replacingOccurrences(of: "cql_weight=", with: "cql=")
                    .replacingOccurrences(of: "batch_size=", with: "batch=").replacingOccurrences(of: "updates=", with: "upd=")
            }
            return text.isEmpty ? shown : shown + "(" + text.joined(separator: ";") + ")"
        }
    }

    static func number(_ v: Double?) -> String { v.map { String(format: "%.3e", $0) } ?? "-" }

    /// `median [min, max]` (the median alone for one seed).
    static func spread(_ v: [Double], _ format: (Double?) -> String = number) -> String {
        guard let m = median(v) else { return "-" }
        return v.count == 1 || v.min() == v.max() ? format(m) : "\(format(m)) [\(format(v.min()))–\(format(v.max()))]"
    }

    static func seconds(_ v: Double?) -> String { v.map { String(format: "%.2f", $0) } ?? "-" }

    /// Writes the report files; returns their names.
    @discardableResult
    public static func write(_ directory: URL) throws -> [String] {
        let manifest = try BenchmarkRun.readManifest(directory)
        let results = try BenchmarkRun.results(directory)
        guard !results.isEmpty else { throw BenchmarkError("\(directory.path) has no finished cell yet") }
        let truths = BenchmarkRun.truths(directory)
        let suiteText = (try? String(contentsOf: directory.appendingPathComponent("suite.toml"), encoding: .utf8)) ?? ""
        let images = directory.appendingPathComponent("img")
        try AtomicFile.makeDirectory(images)
        // The pictures of an earlier report (their number depends on the methods) are replaced.
        for name in (try? FileManager.default.contentsOfDirectory(atPath: images.path)) ?? []
        where name.hasSuffix(".png") && (name.hasPrefix("convergence-") || name.hasPrefix("density-")) {
            try? FileManager.default.removeItem(at: images.appendingPathComponent(name))
        }

        // Tables for pandas.
        try JSONFile.write(results, to: directory.appendingPathComponent("results.json"))
        try CSV.write(
            header: ["id", "problem", "level", "method", "algorithm", "seed", "status", "final_exploitability", "l1", "w1",
                     "policy_distance", "mean_action_distance", "reference_error", "ground_truth_exploitability", "iterations", "seconds", "stopped_by_budget", "error"],
            cells: results.map { r in
                [r.id, r.problem, r.level.map(String.init) ?? "", r.method, r.algorithm, "\(r.seed)", r.status,
                 r.finalExploitability.map { "\($0)" } ?? "", r.l1.map { "\($0)" } ?? "", r.w1.map { "\($0)" } ?? "",
                 r.policyDistance.map { "\($0)" } ?? "", r.meanActionDistance.map { "\($0)" } ?? "", r.referenceError.map { "\($0)" } ?? "",
                 r.groundTruthExploitability.map { "\($0)" } ?? "", "\(r.iterations)", "\(r.seconds)", "\(r.stoppedByBudget)",
                 (r.error ?? "").replacingOccurrences(of: "\n", with: " ")]
            },
            to: directory.appendingPathComponent("results.csv"))

        // Groups: (problem, level) in the order of the results, methods within.
        var groups: [(key: String, problem: String, level: Int?, rows: [Row])] = []
        for r in results {
            let key = "\(r.problem)/\(r.level.map(String.init) ?? "game")"
            if !groups.contains(where: { $0.key == key }) { groups.append((key, r.problem, r.level, [])) }
            let g = groups.firstIndex { $0.key == key }!
            if !groups[g].rows.contains(where: { $0.method == r.method }) {
                groups[g].rows.append(Row(method: r.method, seeds: 0, failed: 0, exploitability: [], l1: [], w1: [], policyDistance: [], meanActionDistance: [], seconds: [], iterations: []))
            }
            let k = groups[g].rows.firstIndex { $0.method == r.method }!
            groups[g].rows[k].seeds += 1
            guard r.status == "ok", let e = r.finalExploitability else { groups[g].rows[k].failed += 1; continue }
            groups[g].rows[k].exploitability.append(e)
            if let v = r.l1 { groups[g].rows[k].l1.append(v) }
            if let v = r.w1 { groups[g].rows[k].w1.append(v) }
            if let v = r.policyDistance { groups[g].rows[k].policyDistance.append(v) }
            if let v = r.meanActionDistance { groups[g].rows[k].meanActionDistance.append(v) }
            groups[g].rows[k].seconds.append(r.seconds)
            groups[g].rows[k].iterations.append(r.iterations)
        }

        var md = "# Benchmark: \(manifest.suite)\n\n"
        var html = ""
        let failures = results.filter { $0.status != "ok" }
        if let empty = manifest.emptyShards, !empty.isEmpty {
            md += "**Incomplete:** no results from \(empty.map { "`\($0)`" }.joined(separator: ", ")) (the shard never started or ended before its first cell); its cells are missing below. Run the shard again (`benchmark run SUITE --shard i/n`) and merge once more.\n\n"
        }
        md += "\(results.count) cells (\(failures.count) failed) from `\(directory.path)`. Exploitability: the exact exploitability of the method's final policy in the discretised game; L1, W1: the distance of its distribution to the PDE density (max over T/2 and T); policy distance: the distribution-weighted total variation to the PDE equilibrium's feedback projected to the game; mean-action distance: the distribution-weighted distance of the policy's mean velocity to the PDE control (clamped to the game's velocity range), in velocity units; medians over seeds with [min–max]. The PDE reference's own L1 error bar and the exploitability of its projected feedback are given beside each problem.\n\n"
        var pictureFiles: [String] = []
        for group in groups {
            let slug = group.key.replacingOccurrences(of: "/", with: "-")
            let truth = truths[group.key]
            md += "## \(group.problem)\(group.level.map { " at \($0) cells per axis" } ?? " (finite game)")\n\n"
            if let t = truth {
                var facts: [String] = []
                if let e = t.referenceError { facts.append("PDE reference L1 error bar \(number(e))") }
                if let g = t.groundTruthExploitability { facts.append("exploitability of the PDE feedback in this game \(number(g))") }
                facts.append(String(format: "ground truth built in %.2f s", t.seconds))
                md += facts.joined(separator: "; ") + ".\n\n"
            }
            let ranked = group.rows.sorted { (median($0.exploitability) ?? .infinity) < (median($1.exploitability) ?? .infinity) }
            md += "| rank | method | final exploitability | L1 | W1 | policy distance | mean-action distance | iterations | seconds | seeds (failed) |\n|---|---|---|---|---|---|---|---|---|---|\n"
            for (k, row) in ranked.enumerated() {
                md += "| \(k + 1) | \(row.method) | \(spread(row.exploitability)) | \(spread(row.l1)) | \(spread(row.w1)) | \(spread(row.policyDistance)) | \(spread(row.meanActionDistance)) | \(row.iterations.max().map(String.init) ?? "-") | \(spread(row.seconds, seconds)) | \(row.seeds) (\(row.failed)) |\n"
            }
            if ranked.contains(where: { !$0.l1.isEmpty }) {
                let byDistance = group.rows.filter { !$0.l1.isEmpty }.sorted { median($0.l1)! < median($1.l1)! }
                md += "\nBy distance to the PDE density (median L1): " + byDistance.enumerated().map { "\($0.offset + 1). \($0.element.method) (\(number(median($0.element.l1))))" }.joined(separator: ", ") + ".\n"
            }
            md += "\n"
            // Convergence curves: the median over seeds per iteration, at most as many methods as the
            // palette has colours per picture.
            let labels = legendLabels(group.rows.map(\.method))
            var series: [Series] = []
            for (k, row) in group.rows.enumerated() {
                let runs = results.filter { "\($0.problem)/\($0.level.map(String.init) ?? "game")" == group.key && $0.method == row.method && $0.status == "ok" }
                guard let length = runs.map(\.exploitability.count).min(), length > 0 else { continue }
                let curve = (0..<length).map { i in median(runs.map { $0.exploitability[i] })! }
                series.append(Series(label: labels[k], x: (0..<length).map(Double.init), y: curve, color: Figures.palette[series.count % Figures.palette.count]))
            }
            let chunks = stride(from: 0, to: series.count, by: Figures.palette.count).map { Array(series[$0..<min($0 + Figures.palette.count, series.count)]) }
            for (c, chunk) in chunks.enumerated() {
                let name = "convergence-\(slug)\(chunks.count > 1 ? "-\(c + 1)" : "").png"
                let part = chunks.count > 1 ? " (\(c + 1)/\(chunks.count))" : ""
                try Figures.linePlot(chunk, title: "\(group.problem)\(group.level.map { " (\($0) cells)" } ?? ""): exploitability (median over seeds)\(part)",
                                     xLabel: "iteration", yLabel: "exploitability", logY: true, to: images.appendingPathComponent(name))
                md += "![convergence](img/\(name))\n\n"
                pictureFiles.append(name)
            }
            // Density overlay at T (1D continuous problems): each method's first seed against the PDE
            // (black, a colour no method gets), in pictures of at most as many methods as colours.
            if let t = truth, t.dimension == 1, let density = t.referenceDensity, let size = t.cellSize {
                let x = (0..<density[1].count).map { (Double($0) + 0.5) * size }
                let pde = Series(label: "PDE", x: x, y: density[1], color: (0, 0, 0))
                let colors = Figures.palette.filter { $0 != pde.color }
                var curves: [(label: String, y: [Double])] = []
                for (k, row) in group.rows.enumerated() {
                    guard let r = results.first(where: { "\($0.problem)/\($0.level.map(String.init) ?? "game")" == group.key && $0.method == row.method && $0.status == "ok" }),
                          let (values, shape) = try? NPY.read(BenchmarkRun.cellsDirectory(directory).appendingPathComponent(
                            Cell.fileName(of: r.id) + ".distribution.npy")), shape.count == 2 else { continue }
                    let S = shape[1], last = shape[0] - 1
                    curves.append((labels[k], (0..<min(S, x.count)).map { values[last * S + $0] / size }))
                }
                let chunks = stride(from: 0, to: curves.count, by: colors.count).map { Array(curves[$0..<min($0 + colors.count, curves.count)]) }
                for (c, chunk) in chunks.enumerated() {
                    let name = "density-\(slug)\(chunks.count > 1 ? "-\(c + 1)" : "").png"
                    let part = chunks.count > 1 ? " (\(c + 1)/\(chunks.count))" : ""
                    let overlay = [pde] + chunk.enumerated().map { Series(label: $1.label, x: x, y: $1.y, color: colors[$0]) }
                    try Figures.linePlot(overlay, title: "\(group.problem): density at T, methods (seed of the first cell) against the PDE\(part)",
                                         xLabel: "x - lower", yLabel: "density", logY: false, to: images.appendingPathComponent(name))
                    md += "![density](img/\(name))\n\n"
                    pictureFiles.append(name)
                }
            }
        }
        if !failures.isEmpty {
            md += "## Failed cells\n\n" + failures.map { "- `\($0.id)`: \($0.error ?? "")" }.joined(separator: "\n") + "\n\n"
        }
        md += "## Wall time\n\n| problem | method | median seconds per cell | cells |\n|---|---|---|---|\n"
        for group in groups { for row in group.rows { md += "| \(group.key) | \(row.method) | \(seconds(median(row.seconds))) | \(row.seeds) |\n" } }
        md += "\nTotal: \(String(format: "%.1f", results.map(\.seconds).reduce(0, +))) s of cell time, plus \(String(format: "%.1f", truths.values.map(\.seconds).reduce(0, +))) s for the ground truths.\n\n"
        md += "## Reproducibility\n\n- solve-mfg \(manifest.version), commit \(manifest.commit)\n- machine: \(manifest.machine)\n- suite '\(manifest.suite)', fingerprint \(manifest.fingerprint)\(manifest.mergedFrom.map { ", merged from \($0.joined(separator: ", "))" } ?? "")\n- commands:\n" + manifest.commands.map { "  - `\($0)`" }.joined(separator: "\n") + "\n\nThe suite file as run:\n\n```toml\n\(suiteText)\n```\n"
        try AtomicFile.write(Data(md.utf8), to: directory.appendingPathComponent("report.md"))

        // The HTML: the same content, pictures inlined.
        html = "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>Benchmark: \(escape(manifest.suite))</title>\n<style>body{font-family:sans-serif;max-width:1000px;margin:2em auto;line-height:1.4}table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:3px 8px;text-align:left;font-size:90%}td{overflow-wrap:anywhere}table{width:100%}th{background:#f3f3f3}img{max-width:100%}pre{background:#f6f6f6;padding:1em;overflow-x:auto}code{background:#f6f6f6}</style></head><body>\n"
        html += markdownToHTML(md) { name in
            guard let data = try? Data(contentsOf: directory.appendingPathComponent(name)) else { return nil }
            return "data:image/png;base64," + data.base64EncodedString()
        }
        html += "</body></html>\n"
        try AtomicFile.write(Data(html.utf8), to: directory.appendingPathComponent("report.html"))
        return ["report.md", "report.html", "results.csv", "results.json"] + pictureFiles.map { "img/\($0)" }
    }

    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }

    /// The Markdown subset the report writes (headers, paragraphs, tables, images, lists, code) as HTML.
    static func markdownToHTML(_ md: String, image: (String) -> String?) -> String {
        var out = "", inTable = false, inCode = false, inList = false
        func inline(_ s: String) -> String {
            var t = escape(s), result = "", code = false
            for ch in t { if ch == "`" { result += code ? "</code>" : "<code>"; code.toggle() } else { result.append(ch) } }
            t = result
            return t
        }
        for line in md.components(separatedBy: "\n") {
            if line.hasPrefix("```") { out += inCode ? "</pre>\n" : "<pre>"; inCode.toggle(); continue }
            if inCode { out += escape(line) + "\n"; continue }
            if inTable && !line.hasPrefix("|") { out += "</table>\n"; inTable = false }
            if inList && !line.hasPrefix("- ") && !line.hasPrefix("  - ") { out += "</ul>\n"; inList = false }
            if line.hasPrefix("|") {
                let cells = line.split(separator: "|", omittingEmptySubsequences: false).dropFirst().dropLast().map { $0.trimmingCharacters(in: .whitespaces) }
                if cells.allSatisfy({ $0.allSatisfy { $0 == "-" } }) { continue }
                let tag = inTable ? "td" : "th"
                if !inTable { out += "<table>\n"; inTable = true }
                out += "<tr>" + cells.map { "<\(tag)>\(inline($0))</\(tag)>" }.joined() + "</tr>\n"
            } else if line.hasPrefix("#") {
                let level = line.prefix { $0 == "#" }.count
                out += "<h\(level)>\(inline(String(line.dropFirst(level)).trimmingCharacters(in: .whitespaces)))</h\(level)>\n"
            } else if line.hasPrefix("!["), let open = line.firstIndex(of: "("), let close = line.lastIndex(of: ")") {
                let name = String(line[line.index(after: open)..<close])
                out += "<p><img alt=\"\(escape(name))\" src=\"\(image(name) ?? name)\"></p>\n"
            } else if line.hasPrefix("- ") || line.hasPrefix("  - ") {
                if !inList { out += "<ul>\n"; inList = true }
                out += "<li>\(inline(line.trimmingCharacters(in: .whitespaces).dropFirst(2).description))</li>\n"
            } else if !line.isEmpty {
                out += "<p>\(inline(line))</p>\n"
            }
        }
        if inTable { out += "</table>\n" }
        if inList { out += "</ul>\n" }
        return out
    }
}

extension Cell {
    /// The file name of a cell id.
    static func fileName(of id: String) -> String {
        id.replacingOccurrences(of: "/", with: "__").replacingOccurrences(of: "(", with: "[").replacingOccurrences(of: ")", with: "]")
            .replacingOccurrences(of: ",", with: ";")
    }
}
