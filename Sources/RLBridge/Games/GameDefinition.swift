/// A game that `OpenSpielGames` builds: the name solve-mfg gives it, the names OpenSpiel gives it
/// (its short names, e.g. `mfg_crowd_modelling_2d`, accepted in game strings and `--game`), its
/// parameters with their defaults, and how to build it from a checked parameter set.
public struct GameDefinition: Sendable {
    public let name: String
    public let aliases: [String]
    /// One line: what the game is.
    public let summary: String
    public let parameters: [GameParameter]
    let build: @Sendable (GameParameters) throws -> FiniteMFG

    init(_ name: String, aliases: [String] = [], _ summary: String, parameters: [GameParameter],
         build: @escaping @Sendable (GameParameters) throws -> FiniteMFG) {
        self.name = name
        self.aliases = aliases
        self.summary = summary
        self.parameters = parameters
        self.build = build
    }

    /// Whether `name` names this game.
    public func answers(to name: String) -> Bool { name == self.name || aliases.contains(name) }

    /// `name: a=1 b=[] ...`, one line for help texts (long list defaults shortened).
    public var helpLine: String {
        "\(name): " + (parameters.isEmpty ? "no parameters" : parameters.map { "\($0.name)=\($0.shownDefault)" }.joined(separator: " "))
    }
}
