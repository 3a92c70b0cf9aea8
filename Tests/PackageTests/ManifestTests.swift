import Foundation
import Testing

/// SwiftPM's native build system recompiles a target only when the `.swiftmodule` of a dependency that
/// the target lists changes (swiftlang/swift-package-manager#10483, #10502). A target that imports a
/// module it does not list (SwiftPM finds it anyway, through another dependency), or that uses through a
/// listed module the types of one it does not list, is then left with object files compiled against
/// that module's former struct layouts when a stored property is added there: the test binary mixes two
/// layouts and corrupts memory. That happened when `MoveThenNoise` gained its row widths: the
/// Approximators tests import RLBridge but listed only Approximators, PDE, Problems and Neural, so an
/// incremental build left `InTheLoopTests.swift.o` with the old layouts of `FiniteMFG` and
/// `DiscretisedProblem` (the time step read as 0, then a crash copying a `FiniteMFG`); a clean build passed.
///
/// These tests read `Package.swift` and the sources and check that every target lists every target of
/// the package that it imports, and every non-system target that its dependencies depend on.
@Suite struct ManifestTests {
    struct Target {
        let name: String
        let kind: String            // target, testTarget, executableTarget, systemLibrary
        let dependencies: Set<String>
        var directory: String { (kind == "testTarget" ? "Tests/" : "Sources/") + name }
    }

    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// The targets of `Package.swift`: each `.target(`, `.testTarget(`, `.executableTarget(` or
    /// `.systemLibrary(` call, its first `name:` and the string literals of its `dependencies: [...]`
    /// (for `.product(name: X, package: Y)`, X).
    static func targets() throws -> [Target] {
        let manifest = try String(contentsOf: root.appendingPathComponent("Package.swift"), encoding: .utf8)
        let kinds = ["target", "testTarget", "executableTarget", "systemLibrary"]
        var starts: [(String.Index, String)] = []
        for kind in kinds {
            var from = manifest.startIndex
            while let r = manifest.range(of: "." + kind + "(", range: from..<manifest.endIndex) {
                starts.append((r.lowerBound, kind))
                from = r.upperBound
            }
        }
        starts.sort { $0.0 < $1.0 }
        var targets: [Target] = []
        for (n, (start, kind)) in starts.enumerated() {
            let end = n + 1 < starts.count ? starts[n + 1].0 : manifest.endIndex
            let call = manifest[start..<end]
            guard let name = literals(in: call).first else { continue }
            var dependencies: Set<String> = []
            if let open = call.range(of: "dependencies: ["), let close = call[open.upperBound...].firstIndex(of: "]") {
                let list = call[open.upperBound..<close]
                let packages = Set(list.ranges(of: "package: ").compactMap { literals(in: list[$0.upperBound...]).first })
                dependencies = Set(literals(in: list)).subtracting(packages)
            }
            targets.append(Target(name: name, kind: kind, dependencies: dependencies))
        }
        return targets
    }

    /// The contents of the string literals of `text`, in order.
    static func literals(in text: Substring) -> [String] {
        text.split(separator: "\"", omittingEmptySubsequences: false).enumerated().filter { $0.offset % 2 == 1 }
            .map { String($0.element) }
    }

    /// The modules imported by the Swift files under `directory` (`@testable import X`, `import struct X.Y`, ...).
    static func imports(under directory: String) -> Set<String> {
        let base = root.appendingPathComponent(directory)
        guard let files = FileManager.default.enumerator(at: base, includingPropertiesForKeys: nil) else { return [] }
        let declarationKinds: Set<Substring> = ["typealias", "struct", "class", "enum", "protocol", "let", "var", "func"]
        var modules: Set<String> = []
        for case let file as URL in files where file.pathExtension == "swift" {
            guard let text = try? String(contentsOf: file, encoding: .utf8) else { continue }
            for line in text.split(separator: "\n") {
                var words = line.split(whereSeparator: { $0 == " " || $0 == "\t" })[...]
                while let first = words.first, first.hasPrefix("@") { words = words.dropFirst() }
                guard words.first == "import", words.count >= 2 else { continue }
                words = words.dropFirst()
                if let first = words.first, declarationKinds.contains(first), words.count >= 2 { words = words.dropFirst() }
                if let module = words.first?.split(separator: ".").first { modules.insert(String(module)) }
            }
        }
        return modules
    }

    @Test func theManifestIsRead() throws {
        let targets = try Self.targets()
        let byName = Dictionary(uniqueKeysWithValues: targets.map { ($0.name, $0) })
        #expect(targets.count >= 20)
        #expect(byName["solve-mfg"]?.kind == "executableTarget")
        #expect(byName["solve-mfg"]?.dependencies.contains("ArgumentParser") == true)
        #expect(byName["solve-mfg"]?.dependencies.contains("swift-argument-parser") == false)
        #expect(byName["RLBridge"]?.dependencies == ["CKernels", "PDE", "Neural"])
        #expect(byName["CHDF5"]?.kind == "systemLibrary")
        #expect(Self.imports(under: "Sources/Datasets").isSuperset(of: ["CHDF5", "RLBridge", "Writers"]))
        #expect(Self.imports(under: "Tests/ApproximatorsTests").contains("RLBridge"))
    }

    @Test func everyTargetListsTheTargetsItImports() throws {
        let targets = try Self.targets()
        let names = Set(targets.map(\.name)).union(targets.map { $0.name.replacingOccurrences(of: "-", with: "_") })
        for target in targets where target.kind != "systemLibrary" {
            let imported = Self.imports(under: target.directory).intersection(names).subtracting([target.name])
            let missing = imported.subtracting(target.dependencies)
            #expect(missing.isEmpty, "\(target.name) imports \(missing.sorted()) without listing them in Package.swift")
        }
    }

    @Test func everyTargetListsWhatItsDependenciesDependOn() throws {
        let targets = try Self.targets()
        let byName = Dictionary(uniqueKeysWithValues: targets.map { ($0.name, $0) })
        for target in targets {
            var reached: Set<String> = [], queue = Array(target.dependencies)
            while let next = queue.popLast() {
                guard let dependency = byName[next], dependency.kind != "systemLibrary", reached.insert(next).inserted else { continue }
                queue.append(contentsOf: dependency.dependencies)
            }
            let missing = reached.subtracting(target.dependencies)
            #expect(missing.isEmpty, "\(target.name) reaches \(missing.sorted()) only through other targets; list them in Package.swift")
        }
    }
}
