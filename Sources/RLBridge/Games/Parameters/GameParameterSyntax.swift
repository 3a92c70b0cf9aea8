import Foundation

extension GameParameter {
    /// Reads `text` in this parameter's syntax. Lists follow OpenSpiel's `ProcessStringParam`: surrounding
    /// spaces dropped, `[` and `]` required, entries separated by `;`, a cell written `x|y`, each number
    /// an integer (cells) or a real read as a 32-bit float (OpenSpiel's `StringListToFloats`, so that
    /// `0.4` is 0.4000000059604645 there and here). Throws a message naming what is wrong, without the
    /// parameter's name (the caller adds it).
    public func parse(_ text: String) throws -> GameParameterValue {
        let t = text.trimmingCharacters(in: .whitespaces)
        switch kind {
        case .integer:
            if let v = Int(t) { return .integer(v) }
            if let v = Double(t), v.isFinite, v == v.rounded(), abs(v) < 1e15 { return .integer(Int(v)) }
            throw RLError.invalid("'\(text)' is not an integer")
        case .real:
            guard let v = Double(t), v.isFinite else { throw RLError.invalid("'\(text)' is not a finite real number") }
            return .real(v)
        case .boolean:
            switch t.lowercased() {
            case "true", "1": return .boolean(true)
            case "false", "0": return .boolean(false)
            default: throw RLError.invalid("'\(text)' is not a boolean (true or false)")
            }
        case .cells:
            return .cells(try Self.entries(of: t, example: "[2|2;6|5]").map { entry in
                let xy = entry.split(separator: "|", omittingEmptySubsequences: false)
                    .map { $0.trimmingCharacters(in: .whitespaces) }
                guard xy.count == 2, let x = Int(xy[0]), let y = Int(xy[1]) else {
                    throw RLError.invalid("'\(entry)' in '\(text)' is not a cell x|y of two integers (e.g. [2|2;6|5])")
                }
                return GridCell(x, y)
            })
        case .floats:
            return .floats(try Self.entries(of: t, example: "[0.4;0.6]").map { entry in
                guard let v = Float(entry.trimmingCharacters(in: .whitespaces)), v.isFinite else {
                    throw RLError.invalid("'\(entry)' in '\(text)' is not a number (e.g. [0.4;0.6])")
                }
                return Double(v)
            })
        case let .choice(words):
            if let word = words.first(where: { $0 == t }) { return .choice(word) }
            if let i = Int(t) ?? Double(t).flatMap({ $0 == $0.rounded() && abs($0) < 1e9 ? Int($0) : nil }), words.indices.contains(i) {
                return .choice(words[i])
            }
            throw RLError.invalid("'\(text)' is not one of \(words.joined(separator: ", "))")
        }
    }

    /// The entries of a list `[a;b;...]` (none for `[]`).
    private static func entries(of text: String, example: String) throws -> [String] {
        guard text.hasPrefix("["), text.hasSuffix("]"), text.count >= 2 else {
            throw RLError.invalid("'\(text)' is not a list in brackets (e.g. \(example), or [] for none)")
        }
        let inner = text.dropFirst().dropLast()
        if inner.trimmingCharacters(in: .whitespaces).isEmpty { return [] }
        return inner.split(separator: ";", omittingEmptySubsequences: false).map(String.init)
    }
}
