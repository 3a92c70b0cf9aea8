import Foundation
import Testing
@testable import RLBridge

/// No setting traps: sizes are refused with what they imply before any allocation, counts are checked
/// in Double before they become Int, and a non-finite policy stops a run before it is evaluated.
@Suite struct LimitsTests {
    static func message(_ body: () throws -> Void) -> String? {
        do { try body(); return nil } catch { return "\(error)" }
    }

    @Test func emptyBehavioursAreRefused() {
        for text in ["=", ",", "expert,", "=0.5", ""] {
            #expect(throws: RLError.self, "\(text)") { try ReferencePolicies.parseMixture(text) }
        }
        #expect(Self.message { _ = try ReferencePolicies.parseMixture("=") }?.contains("unknown behaviour ''") == true)
    }

    @Test func gamesTooLargeForMemoryAreRefusedWithTheLargestAccepted() {
        let m = Self.message { _ = try OpenSpielGames.make("crowd_modelling", parameters: ["size": 1e6, "horizon": 1e6]) }
        #expect(m?.contains("3e+12 policy entries would take 24 TB per array") == true)
        #expect(m?.contains("the largest accepted is 1e+08") == true)
    }

    @Test func linearQuadraticCountsAreCheckedBeforeConversion() {
        for (key, value, text) in [("dt", 1e-20, "policy entries"), ("dt", 1e308, "at most 1e15"), ("volatility", 1e19, "at most 1e15")] {
            let m = Self.message { _ = try OpenSpielGames.make("linear_quadratic", parameters: [key: value]) }
            #expect(m?.contains(text) == true, "\(key) = \(value): \(m ?? "accepted")")
        }
    }

    @Test func periodicAversionRefusesRewardsThatAreNotFinite() {
        let m = Self.message { _ = try OpenSpielGames.make("periodic_aversion", parameters: ["dt": .leastNonzeroMagnitude]) }
        #expect(m?.contains("rewards are not finite") == true)
    }

    @Test func aNonFinitePolicyStopsTheRunBeforeItIsEvaluated() throws {
        // linear_quadratic evaluates moves from the population's mean: a NaN policy would reach an Int conversion.
        let game = try OpenSpielGames.make("linear_quadratic", parameters: [:])
        var run = TabularRun(game: game, algorithm: try MirrorDescent(game: game, learningRate: 1e308))
        let log = run.run(iterations: 10)
        #expect(log.count == 1)
        #expect(run.failure?.quantity == "the policy")
        #expect(run.failure?.iteration == 1)
        #expect(log[0].exploitability.isNaN)
    }

    @Test func expertOverflowIsNonFinite() throws {
        let game = try OpenSpielGames.make("crowd_modelling", parameters: [:])
        #expect(throws: NonFiniteResult.self) { _ = try ReferencePolicies.mirrorDescentExpert(game: game, iterations: 3, learningRate: 1e308) }
        #expect(throws: RLError.self) { _ = try ReferencePolicies.mirrorDescentExpert(game: game, iterations: Int.max, learningRate: 0.1) }
    }

    @Test func networksAndBatchesAreCheckedWithoutOverflow() {
        var s = OfflineSettings()
        s.hidden = [Int.max]
        #expect(Self.message { try s.check(for: .offMMD) }?.contains("largest accepted is 5e+07") == true)
        s.hidden = [65536, 65536]
        #expect(Self.message { try s.check(for: .offMMD) }?.contains("85.9 GB") == true)
        s.hidden = [128]
        s.batchSize = Int.max
        #expect(Self.message { try s.check(for: .offMMD) }?.contains("the largest accepted batch here is 781250") == true)
        s.batchSize = 512
        s.iterations = Int.max
        do {
            try s.check(for: .offMMD)
            Issue.record("accepted 2^63 iterations")
        } catch let RLError.usage(m) {   // a setting out of its range: exit code 64
            #expect(m.contains("--iterations"))
        } catch {
            Issue.record("not a usage error: \(error)")
        }
    }

    @Test func datasetsWithValuesThatAreNotProbabilitiesOrFiniteAreRefused() throws {
        let good = OfflineDataset(
            gameSpec: ["game": "crowd_modelling"], gameName: "crowd_modelling", states: 3, actions: 2, horizon: 2, episodes: 1,
            behaviors: [BehaviorComponent(name: "expert", proportion: 1)], seed: 0, statesVisited: [0, 1, 2], actionsTaken: [0, 1],
            rewards: [1, 2], logProbabilities: [-1, -1], meanField: [0.5, 0.5], components: [0])
        try good.validate()
        var bad = good
        bad.rewards[1] = .nan
        #expect(Self.message { try bad.validate() }?.contains("rewards: the reward nan at episode 0, step 1 is not finite") == true)
        bad = good
        bad.meanField[0] = -0.5
        #expect(Self.message { try bad.validate() }?.contains("mean_field") == true)
        bad = good
        bad.behaviors[0].proportion = 0.5
        #expect(Self.message { try bad.validate() }?.contains("sum to 0.5") == true)
    }
}
