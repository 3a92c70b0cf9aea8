import Foundation
import Testing
@testable import RLBridge

/// True values and exploitability of the uniform policy, against the numbers obtained by simulating
/// OpenSpiel's own game engine (../shared/reference/peer-numbers.md, given to 4-5 digits).
@Suite struct OpenSpielGamesTests {
    @Test func crowdModellingUniformPolicy() throws {
        let g = try OpenSpielGames.make("crowd_modelling", parameters: [:])
        let evaluation = ExactTools(game: g).evaluate(g.uniformPolicy)
        let e = evaluation.exploitability, v = evaluation.expectedReturn
        print("crowd_modelling 10x10 uniform: value \(v), exploitability \(e)")
        #expect(abs(v - 27.426) < 5e-4)
        #expect(abs(e - 2.7867) < 5e-5)
    }

    @Test func linearQuadraticUniformPolicy() throws {
        let g = try OpenSpielGames.make("linear_quadratic", parameters: [:])
        let evaluation = ExactTools(game: g).evaluate(g.uniformPolicy)
        let e = evaluation.exploitability, v = evaluation.expectedReturn
        print("linear_quadratic uniform: value \(v), exploitability \(e)")
        // The references are quoted to two decimals (-38.63, 29.52): half a unit of the last digit.
        #expect(abs(v - -38.63) <= 5e-3 + 1e-12)
        #expect(abs(e - 29.52) <= 5e-3 + 1e-12)
    }

    /// OpenSpiel's nash_conv is exact on crowd_modelling_2d with only_distribution_reward: the uniform
    /// policy of the four-rooms preset has nash_conv 167.6604464714 (OpenSpiel 2.0.2).
    @Test func fourRoomsUniformPolicyMatchesOpenSpiel() throws {
        let g = try OpenSpielGames.make("crowd_modelling_2d_four_rooms", parameters: ["only_distribution_reward": 1])
        let e = ExactTools(game: g).evaluate(g.uniformPolicy).exploitability
        #expect(abs(e - 167.6604464714) <= 1e-9 * 167.66)
    }

    @Test func periodicAversionUniformPolicy() throws {
        let g = try OpenSpielGames.make("periodic_aversion", parameters: [:])
        let evaluation = ExactTools(game: g).evaluate(g.uniformPolicy)
        let e = evaluation.exploitability, v = evaluation.expectedReturn
        print("periodic_aversion uniform: value \(v), exploitability \(e)")
        #expect(abs(v - -89.14) < 5e-3)
        #expect(abs(e - 88.09) < 5e-3)
    }
}
