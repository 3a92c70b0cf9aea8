import Foundation

/// The parameters of one game: the values given (`--set name=value`, or inside a game string
/// `name(size=7,horizon=6)`), checked against the game's declarations, with the declared defaults for
/// the others. Unknown, repeated and malformed parameters are refused with a message that names the
/// parameter and lists the valid ones.
public struct GameParameters: Sendable {
    /// The game's name, as solve-mfg writes it (`crowd_modelling_2d`).
    public let game: String
    /// Every parameter the game has, in the order of its documentation.
    public let declared: [GameParameter]
    /// The values given, by name; the others take their defaults.
    public let given: [String: GameParameterValue]
    /// The text of each given value, by name (for `gameString`).
    private let givenText: [String: String]

    /// Parses `items` (name, value text) against `declared`; a name may appear once.
    public init(game: String, declared: [GameParameter], items: [(name: String, value: String)]) throws {
        self.game = game
        self.declared = declared
        var values: [String: GameParameterValue] = [:], texts: [String: String] = [:]
        let list = "parameters of \(game): " + (declared.isEmpty ? "none" : declared.map(\.summary).joined(separator: ", "))
        for (name, text) in items {
            guard let parameter = declared.first(where: { $0.name == name }) else {
                let close = declared.map(\.name).first { Self.distance($0, name) <= 2 }
                throw RLError.invalid("unknown parameter '\(name)' of \(game)\(close.map { " (did you mean '\($0)'?)" } ?? ""); \(list)")
            }
            guard values[name] == nil else { throw RLError.invalid("\(game): parameter '\(name)' is given twice") }
            do { values[name] = try parameter.parse(text) } catch let RLError.invalid(reason) {
                throw RLError.invalid("\(game): \(name): \(reason); \(list)")
            }
            texts[name] = text.trimmingCharacters(in: .whitespaces)
        }
        given = values
        givenText = texts
    }

    /// Splits `name=value` items (`--set`); the value may contain `=`.
    public static func items(_ settings: [String]) throws -> [(name: String, value: String)] {
        try settings.map { item in
            let parts = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                .map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2, !parts[0].isEmpty else { throw RLError.invalid("--set expects NAME=VALUE, got '\(item)'") }
            return (parts[0], parts[1])
        }
    }

    /// Whether the parameter was given (rather than left at its default).
    public func isGiven(_ name: String) -> Bool { given[name] != nil }

    /// The value of a declared parameter: given, or its default.
    public func value(_ name: String) -> GameParameterValue {
        if let v = given[name] { return v }
        guard let parameter = declared.first(where: { $0.name == name }) else {
            preconditionFailure("\(game) declares no parameter '\(name)'")
        }
        do { return try parameter.parse(parameter.defaultText) } catch {
            preconditionFailure("\(game): the default of \(name) does not parse: \(error)")
        }
    }

    public func integer(_ name: String) -> Int {
        guard case let .integer(v) = value(name) else { preconditionFailure("\(name) is not an integer") }
        return v
    }

    /// An integer parameter checked to lie in `minimum ... 1_000_000`.
    public func integer(_ name: String, atLeast minimum: Int) throws -> Int {
        let v = integer(name)
        guard v >= minimum, v <= 1_000_000 else {
            throw RLError.invalid("\(game): \(name) must be an integer in \(minimum)...1000000, got \(v)")
        }
        return v
    }

    public func real(_ name: String) -> Double {
        guard case let .real(v) = value(name) else { preconditionFailure("\(name) is not a real") }
        return v
    }

    public func boolean(_ name: String) -> Bool {
        guard case let .boolean(v) = value(name) else { preconditionFailure("\(name) is not a boolean") }
        return v
    }

    public func cells(_ name: String) -> [GridCell] {
        guard case let .cells(v) = value(name) else { preconditionFailure("\(name) is not a list of cells") }
        return v
    }

    public func floats(_ name: String) -> [Double] {
        guard case let .floats(v) = value(name) else { preconditionFailure("\(name) is not a list of numbers") }
        return v
    }

    public func choice(_ name: String) -> String {
        guard case let .choice(v) = value(name) else { preconditionFailure("\(name) is not a choice") }
        return v
    }

    /// The game as OpenSpiel writes a loaded game: `name(a=1,b=[0|1])`, the given parameters sorted by name
    /// (`name()` when none is given). `OpenSpielGames.make(gameString:)` reads it back.
    public var gameString: String {
        "\(game)(" + givenText.keys.sorted().map { "\($0)=\(givenText[$0]!)" }.joined(separator: ",") + ")"
    }

    /// Edit distance, for "did you mean".
    static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        guard !a.isEmpty, !b.isEmpty else { return max(a.count, b.count) }
        var row = Array(0...b.count)
        for i in 1...a.count {
            var previous = row[0]
            row[0] = i
            for j in 1...b.count {
                let current = row[j]
                row[j] = min(row[j] + 1, row[j - 1] + 1, previous + (a[i - 1] == b[j - 1] ? 0 : 1))
                previous = current
            }
        }
        return row[b.count]
    }
}
