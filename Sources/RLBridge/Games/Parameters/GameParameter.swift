/// One parameter of a game, declared as OpenSpiel declares it: its name, its type, its default (written
/// as OpenSpiel writes it in a game string) and what it does. `GameParameters` parses values against
/// these declarations, and `--help` and every error list them.
public struct GameParameter: Sendable {
    /// The type of a value, with OpenSpiel's syntax for each.
    public enum Kind: Sendable, Equatable {
        /// `7` (an integral real such as `7.0` is accepted too).
        case integer
        /// `0.5`, `1e-3` or `1` (OpenSpiel itself refuses an integer for a real; solve-mfg takes it).
        case real
        /// `true` / `false` (also `True`, `False`, `1`, `0`).
        case boolean
        /// A list of grid cells `[x|y;x|y;...]`, `[]` for none (OpenSpiel's ProcessStringParam).
        case cells
        /// A list of reals `[v;v;...]`, `[]` for none, each read as OpenSpiel reads it: as a 32-bit float.
        case floats
        /// One of the given words (or its position in the list, from 0).
        case choice([String])

        /// How the type is written in help and errors.
        public var syntax: String {
            switch self {
            case .integer: return "integer"
            case .real: return "real"
            case .boolean: return "true|false"
            case .cells: return "[x|y;...]"
            case .floats: return "[v;...]"
            case let .choice(words): return words.joined(separator: "|")
            }
        }
    }

    public let name: String
    public let kind: Kind
    /// The default value, in the syntax of `kind`.
    public let defaultText: String
    /// What the parameter does, one line.
    public let doc: String

    public init(_ name: String, _ kind: Kind, default defaultText: String, _ doc: String) {
        self.name = name
        self.kind = kind
        self.defaultText = defaultText
        self.doc = doc
    }

    /// `name=default (type)`, as help and errors list the parameters.
    public var summary: String { "\(name)=\(shownDefault) (\(kind.syntax))" }

    /// The default as help shows it: a list longer than 24 characters is shortened to its first two
    /// entries and its length (`[0|0;1|0;...] (48 entries)`).
    public var shownDefault: String {
        guard defaultText.count > 24, defaultText.hasPrefix("[") else { return defaultText }
        let entries = defaultText.split(separator: ";")
        return entries.prefix(2).joined(separator: ";") + ";...] (\(entries.count) entries)"
    }
}

/// A grid cell `x|y` of a 2D game, as OpenSpiel's lists write it.
public struct GridCell: Sendable, Hashable, CustomStringConvertible {
    public let x: Int, y: Int
    public init(_ x: Int, _ y: Int) { self.x = x; self.y = y }
    public var description: String { "\(x)|\(y)" }
}

/// A parsed parameter value.
public enum GameParameterValue: Sendable, Equatable {
    case integer(Int)
    case real(Double)
    case boolean(Bool)
    case cells([GridCell])
    case floats([Double])
    case choice(String)
}
