/// OpenSpiel's game strings, `mfg_crowd_modelling_2d(size=7,horizon=6,forbidden_states=[4|1;4|2])`, as
/// `str(game)` writes a loaded game and `pyspiel.load_game` reads one (`GameParametersFromString`):
/// the name up to the first `(`, then `key=value` items separated by commas outside nested
/// parentheses, up to the matching `)`. A string without `(` is a bare name.
public enum GameString {
    /// The name and the items of a game string, in order.
    public static func parse(_ text: String) throws -> (name: String, items: [(name: String, value: String)]) {
        let s = text.trimmingCharacters(in: .whitespaces)
        guard let open = s.firstIndex(of: "(") else { return (s, []) }
        let name = String(s[..<open]).trimmingCharacters(in: .whitespaces)
        guard !name.isEmpty else { throw RLError.invalid("game string '\(text)' has no game name before '('") }
        guard s.hasSuffix(")") else { throw RLError.invalid("game string '\(text)' does not end with ')'") }
        var items: [(name: String, value: String)] = []
        var depth = 0, current = ""
        func flush() throws {
            let item = current.trimmingCharacters(in: .whitespaces)
            current = ""
            guard !item.isEmpty else { return }
            guard let equals = item.firstIndex(of: "="), equals != item.startIndex else {
                throw RLError.invalid("game string '\(text)': '\(item)' is not key=value")
            }
            items.append((String(item[..<equals]).trimmingCharacters(in: .whitespaces),
                          String(item[item.index(after: equals)...]).trimmingCharacters(in: .whitespaces)))
        }
        for c in s[s.index(after: open)..<s.index(before: s.endIndex)] {
            switch c {
            case "(": depth += 1; current.append(c)
            case ")":
                depth -= 1
                guard depth >= 0 else { throw RLError.invalid("game string '\(text)': unbalanced ')'") }
                current.append(c)
            case "," where depth == 0: try flush()
            default: current.append(c)
            }
        }
        guard depth == 0 else { throw RLError.invalid("game string '\(text)': missing ')'") }
        try flush()
        return (name, items)
    }
}
