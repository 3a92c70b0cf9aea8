import Foundation
import Testing
@testable import RLBridge

/// True values and exploitability of the uniform policy, against the numbers obtained by simulating
/// OpenSpiel's own game engine (../shared/reference/peer-numbers.md, given to 4-5 digits).
@Suite struct OpenSpielGamesTests {
    @Test func crowdModellingUniformPolicy() throws {
        let g = try OpenSpielGames.make("crowd_modelling", parameters: [:])
        let tools = ExactTools(game: g)
        var mu: [Double] = []
        let e = tools.exploitability(of: g.uniformPolicy, distribution: &mu)
        let v = tools.expectedReturn(of: g.uniformPolicy)
        print("crowd_modelling 10x10 uniform: value \(v), exploitability \(e)")
        #expect(abs(v - 27.426) < 5e-4)
        #expect(abs(e - 2.7867) < 5e-5)
    }

    @Test func periodicAversionUniformPolicy() throws {
        let g = try OpenSpielGames.make("periodic_aversion", parameters: [:])
        let tools = ExactTools(game: g)
        var mu: [Double] = []
        let e = tools.exploitability(of: g.uniformPolicy, distribution: &mu)
        let v = tools.expectedReturn(of: g.uniformPolicy)
        print("periodic_aversion uniform: value \(v), exploitability \(e)")
        #expect(abs(v - -89.14) < 5e-3)
        #expect(abs(e - 88.09) < 5e-3)
    }
}
