import Foundation
import Testing
@testable import RLBridge

/// OpenSpiel's parameter syntax: values, lists, game strings, and the errors that list the valid names.
@Suite struct GameParametersTests {
    func message(_ body: () throws -> Any) -> String {
        do { _ = try body(); return "" } catch { return "\(error)" }
    }

    @Test func valuesInOpenSpielSyntax() throws {
        let p = try OpenSpielGames.parameters("crowd_modelling_2d", settings: [
            "size=9", "horizon = 5", "only_distribution_reward=True", "with_congestion=0", "noise_intensity=1",
            "forbidden_states=[4|1;4|2;4|3]", "initial_distribution=[2|2;6|5]", "initial_distribution_value=[0.4;0.6]",
            "positional_reward=[]",
        ])
        #expect(p.integer("size") == 9 && p.integer("horizon") == 5)
        #expect(p.boolean("only_distribution_reward") && !p.boolean("with_congestion"))
        #expect(p.real("noise_intensity") == 1)
        #expect(p.cells("forbidden_states") == [GridCell(4, 1), GridCell(4, 2), GridCell(4, 3)])
        #expect(p.cells("initial_distribution") == [GridCell(2, 2), GridCell(6, 5)])
        // Read as 32-bit floats, as OpenSpiel's StringListToFloats does.
        #expect(p.floats("initial_distribution_value") == [0.4000000059604645, 0.6000000238418579])
        #expect(p.cells("positional_reward").isEmpty)
        // Defaults of what is not given.
        #expect(p.real("crowd_aversion_coef") == 1 && p.floats("positional_reward_value").isEmpty)
        #expect(!p.isGiven("crowd_aversion_coef") && p.isGiven("size"))
    }

    @Test func everyDefaultParses() throws {
        for d in OpenSpielGames.definitions {
            let p = try GameParameters(game: d.name, declared: d.parameters, items: [])
            for parameter in d.parameters { _ = p.value(parameter.name) }
            #expect(OpenSpielGames.parameterHelp.contains(d.helpLine))
        }
    }

    @Test func malformedValuesAreRefusedWithTheList() throws {
        let cases: [(String, String)] = [
            ("forbidden_states=[4|1", "is not a list in brackets"),
            ("forbidden_states=[4|x]", "'4|x' in '[4|x]' is not a cell"),
            ("forbidden_states=[4|1;]", "'' in '[4|1;]' is not a cell"),
            ("forbidden_states=[1|2|3]", "is not a cell x|y"),
            ("initial_distribution_value=[0.4;abc]", "'abc' in '[0.4;abc]' is not a number"),
            ("size=7.5", "'7.5' is not an integer"),
            ("noise_intensity=high", "'high' is not a finite real number"),
            ("with_congestion=yes", "'yes' is not a boolean"),
        ]
        for (item, reason) in cases {
            let m = message { try OpenSpielGames.parameters("crowd_modelling_2d", settings: [item]) }
            #expect(m.contains(reason), "\(item): \(m)")
            #expect(m.contains("parameters of crowd_modelling_2d: size=10 (integer), horizon=10 (integer)"), "\(item): \(m)")
            #expect(m.contains("forbidden_states=[] ([x|y;...])") && m.contains("crowd_aversion_coef=1.0 (real)"), "\(item): \(m)")
        }
        let unknown = message { try OpenSpielGames.parameters("crowd_modelling", settings: ["sizes=3"]) }
        #expect(unknown.contains("unknown parameter 'sizes' of crowd_modelling (did you mean 'size'?)"), "\(unknown)")
        #expect(unknown.contains("parameters of crowd_modelling: size=10 (integer), horizon=10 (integer)"), "\(unknown)")
        #expect(message { try OpenSpielGames.parameters("crowd_modelling", settings: ["size=3", "size=4"]) }
            .contains("parameter 'size' is given twice"))
        #expect(message { try OpenSpielGames.parameters("crowd_modelling", settings: ["size"]) }.contains("--set expects NAME=VALUE"))
        #expect(message { try OpenSpielGames.parameters("four_rooms", settings: ["task=explore"]) }
            .contains("'explore' is not one of exploration, navigation"))
        #expect(try OpenSpielGames.parameters("four_rooms", settings: ["task=1"]).choice("task") == "navigation")
        #expect(message { try OpenSpielGames.parameters("crowd_modeling", settings: []) }.contains("unknown game 'crowd_modeling' (did you mean 'crowd_modelling'?)"))
    }

    /// The string OpenSpiel 2.0.2 prints for the loaded game (`str(pyspiel.load_game(...))`).
    static let openSpielString = "mfg_crowd_modelling_2d(forbidden_states=[4|1;4|2;4|3],horizon=5,initial_distribution=[2|2;6|5],initial_distribution_value=[0.4;0.6],only_distribution_reward=True,size=9)"
    static let acceptanceSettings = ["size=9", "horizon=5", "only_distribution_reward=true", "initial_distribution=[2|2;6|5]",
                                     "initial_distribution_value=[0.4;0.6]", "forbidden_states=[4|1;4|2;4|3]"]

    @Test func gameStrings() throws {
        let (name, items) = try GameString.parse(Self.openSpielString)
        #expect(name == "mfg_crowd_modelling_2d")
        #expect(items.map(\.name) == ["forbidden_states", "horizon", "initial_distribution", "initial_distribution_value", "only_distribution_reward", "size"])
        #expect(items.first?.value == "[4|1;4|2;4|3]")
        #expect(try GameString.parse("crowd_modelling").name == "crowd_modelling")
        #expect(try GameString.parse("mfg_crowd_modelling()").items.isEmpty)
        #expect(try GameString.parse("g(a=f(b=1,c=2),d=3)").items.map(\.value) == ["f(b=1,c=2)", "3"])
        #expect(message { try GameString.parse("mfg_crowd_modelling_2d(size=7") }.contains("does not end with ')'"))
        #expect(message { try GameString.parse("mfg_crowd_modelling_2d(size)") }.contains("'size' is not key=value"))
        #expect(message { try GameString.parse("g(a=(1)") }.contains("missing ')'"))

        // The pasted string gives the game of the --set items; its own game string reads back the same.
        let pasted = try OpenSpielGames.parameters(Self.openSpielString)
        let set = try OpenSpielGames.parameters("crowd_modelling_2d", settings: Self.acceptanceSettings)
        #expect(pasted.given == set.given && pasted.game == "crowd_modelling_2d")
        #expect(set.gameString == "crowd_modelling_2d(forbidden_states=[4|1;4|2;4|3],horizon=5,initial_distribution=[2|2;6|5],initial_distribution_value=[0.4;0.6],only_distribution_reward=true,size=9)")
        #expect(try OpenSpielGames.parameters(set.gameString).given == set.given)
        // --set overrides the string's value.
        #expect(try OpenSpielGames.parameters("mfg_crowd_modelling_2d(size=7,horizon=6)", settings: ["size=8"]).integer("size") == 8)
        #expect(message { try OpenSpielGames.parameters("mfg_crowd_modelling_2d(size=7,size=8)") }.contains("given twice"))
        let a = try OpenSpielGames.make(Self.openSpielString, settings: [])
        let b = try OpenSpielGames.make("crowd_modelling_2d", settings: Self.acceptanceSettings)
        #expect(a.initialDistribution == b.initialDistribution && a.legal == b.legal && a.probability == b.probability)
        // OpenSpiel's other names for the same games.
        #expect(try OpenSpielGames.parameters("mean_field_lin_quad(mean_revert=0.7)").game == "linear_quadratic")
        #expect(try OpenSpielGames.parameters("python_mfg_periodic_aversion").game == "periodic_aversion")
        #expect(OpenSpielGames.runDefaults(for: "wardrop(slope_b=1.0)").iterations == Wardrop.iterations)
    }
}
