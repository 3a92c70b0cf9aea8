import Foundation
import PDE
import Problems

/// Finds problem files: a path as given, or a catalogue name looked up in the catalogue directory
/// (`$SOLVE_MFG_PROBLEMS`, else `./problems`, else the `problems/` of the checkout this binary was
/// built from).
enum ProblemLocator {
    static var catalogueDirectory: URL? {
        var candidates: [String] = []
        if let env = ProcessInfo.processInfo.environment["SOLVE_MFG_PROBLEMS"] { candidates.append(env) }
        candidates.append(FileManager.default.currentDirectoryPath + "/problems")
        candidates.append(URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("problems").path)
        for c in candidates {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: c, isDirectory: &isDirectory), isDirectory.boolValue {
                return URL(fileURLWithPath: c)
            }
        }
        return nil
    }

    static func catalogue() -> [URL] {
        guard let dir = catalogueDirectory,
              let names = try? FileManager.default.contentsOfDirectory(atPath: dir.path) else { return [] }
        return names.filter { $0.hasSuffix(".toml") }.sorted().map { dir.appendingPathComponent($0) }
    }

    /// The path of `nameOrPath`, or an error that lists the catalogue.
    static func locate(_ nameOrPath: String) throws -> String {
        if FileManager.default.fileExists(atPath: nameOrPath) { return nameOrPath }
        if let dir = catalogueDirectory {
            let candidate = dir.appendingPathComponent(nameOrPath.hasSuffix(".toml") ? nameOrPath : nameOrPath + ".toml")
            if FileManager.default.fileExists(atPath: candidate.path) { return candidate.path }
        }
        let names = catalogue().map { $0.deletingPathExtension().lastPathComponent }
        let hint = closest(nameOrPath, among: names).map { " (did you mean '\($0)'?)" } ?? ""
        throw CommandError.badInput("no problem file '\(nameOrPath)'\(hint); give a path to a .toml file or one of: "
                                    + names.joined(separator: ", "))
    }

    /// Loads and checks a problem (the initial density is sampled on the default grid).
    static func load(_ nameOrPath: String, overrides: [String]) throws -> ProblemFile {
        var values: [String: Double] = [:]
        for item in overrides {
            let parts = item.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2, !parts[0].isEmpty, let v = Double(parts[1]), v.isFinite else {
                throw CommandError.badInput("--set expects NAME=NUMBER, got '\(item)'")
            }
            values[parts[0]] = v
        }
        let path = try locate(nameOrPath)
        do {
            return try ProblemFile.load(path: path, overrides: values)
        } catch let e as ProblemFileError {
            throw CommandError.badInput("\(e)")
        }
    }

    /// One line about a problem: the first sentence of its description.
    static func summary(_ file: ProblemFile) -> String {
        let text = file.description.replacingOccurrences(of: "\n", with: " ")
        if let end = text.range(of: ". ") { return String(text[..<end.lowerBound]) + "." }
        return text
    }
}

/// Errors the commands report with exit code 65 (bad problem data) and a one-line message.
enum CommandError: Error {
    case badInput(String)
}
