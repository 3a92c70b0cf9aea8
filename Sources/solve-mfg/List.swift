import ArgumentParser
import Foundation
import Problems

struct List: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List the catalogue problems (problems/*.toml) with one-line descriptions.")

    func run() throws {
        let files = ProblemLocator.catalogue()
        guard !files.isEmpty else {
            printError("error: no catalogue directory found; run from the repository root or set SOLVE_MFG_PROBLEMS")
            throw Exit.badData
        }
        var rows: [(String, String)] = []
        for url in files {
            do {
                let f = try ProblemFile.load(path: url.path)
                rows.append((f.name, ProblemLocator.summary(f) + (f.exact.isEmpty ? "" : " [exact]")))
            } catch {
                rows.append((url.deletingPathExtension().lastPathComponent, "INVALID: \(error)"))
            }
        }
        let width = rows.map(\.0.count).max() ?? 0
        for (name, text) in rows { print(name.padding(toLength: width + 2, withPad: " ", startingAt: 0) + text) }
    }
}
