import ArgumentParser
import PDE

struct List: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List the built-in benchmark problems with one-line descriptions.")

    func run() throws {
        let width = Catalogue.entries.map(\.name.count).max() ?? 0
        for entry in Catalogue.entries {
            print(entry.name.padding(toLength: width + 2, withPad: " ", startingAt: 0) + entry.summary)
        }
    }
}
