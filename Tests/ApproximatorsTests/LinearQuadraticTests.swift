import Approximators
import Foundation
import Neural
import PDE
import Testing

/// The baselines and the agents' simulation on lq-1d, whose equilibrium density is Gaussian.
@Suite struct LinearQuadraticTests {
    static let (model, equilibrium) = linearQuadratic
    static let reference = GridDensity.reference(equilibrium, times: GridDensity.sliceTimes(equilibrium, count: 5))

    /// A one-component mixture is the right model: fitted to N = 4096 oracle draws, its time-averaged W1 is
    /// within 1.5 times the oracle floor at the same N (both averaged over 5 seeds).
    @Test func oneComponentMixtureReachesTheOracleFloor() throws {
        let score = try DensityScore(reference: Self.reference)
        let seeds: [UInt64] = [1, 2, 3, 4, 5]
        var w1 = 0.0
        for seed in seeds {
            let samples = try OracleSamples.draw(Self.reference, count: 4096, seed: seed)
            let model = try GaussianMixture(components: 1).fit(FitData(samples: samples, grid: Self.reference.grid), seed: seed)
            w1 += try score.score(model: model, drawCount: 0, seed: seed).average["w1"]! / Double(seeds.count)
        }
        let floor = try score.oracleFloor(sampleCount: 4096, seeds: seeds.map { $0 + 100 }).average["w1"]!
        print("lq-1d, N = 4096: GMM(1) W1 \(w1), oracle floor \(floor), ratio \(w1 / floor)")
        #expect(w1 < 1.5 * floor, "W1 \(w1), floor \(floor)")
    }

    /// The histogram, the kernel estimates and the 3-component mixture on the same draws: masses normalised,
    /// the kernel estimate and the mixture better than the histogram in L1 and KL at N = 4096, the mixture in
    /// W1 too (the kernel estimate's variance is the sample's plus b^2, so its W1 is not below the histogram's).
    @Test func baselinesOnTheSameDraws() throws {
        let score = try DensityScore(reference: Self.reference)
        let samples = try OracleSamples.draw(Self.reference, count: 4096, seed: 7)
        let data = FitData(samples: samples, grid: Self.reference.grid)
        var results: [String: SliceScores] = [:]
        for approximator in [Histogram(), KernelDensity(), KernelDensity(bandwidth: .scott), GaussianMixture()] as [any DensityApproximator] {
            let model = try approximator.fit(data, seed: 7)
            let masses = model.gridMasses(on: Self.reference.grid, time: 0.5)!
            #expect(abs(masses.reduce(0, +) - 1) < 1e-12)
            results["\(approximator)"] = try score.score(model: model, drawCount: 0, seed: 7)
        }
        for (name, s) in results { print("lq-1d, N = 4096, \(name): \(s.average)") }
        let histogram = results["\(Histogram())"]!, kde = results["\(KernelDensity())"]!, gmm = results["\(GaussianMixture())"]!
        for metric in ["kl", "l1"] { #expect(kde.average[metric]! < histogram.average[metric]!, "\(metric)") }
        for metric in ["w1", "kl", "l1"] { #expect(gmm.average[metric]! < histogram.average[metric]!, "\(metric)") }
    }

    /// The simulated agents follow the PDE density: W1 at most 2e-2 at N = 65536, time-averaged over the
    /// slices 0, T/4, ..., T (the agents are binned to the cells, `DensityScore`).
    @Test func agentsMatchThePDEDensity() throws {
        let simulation = try AgentSimulation(model: Self.model, equilibrium: Self.equilibrium)
        let run = try simulation.run(agents: 65536, times: Self.reference.times, seed: 3)
        #expect(run.remaining.allSatisfy { $0 == 1 })
        let model = try Histogram().fit(FitData(samples: run.samples, grid: Self.reference.grid), seed: 0)
        let scores = try DensityScore.score(model: model, reference: Self.reference, drawCount: 0, seed: 0)
        print("lq-1d agents, N = 65536: W1 per slice \(scores[.w1]!), average \(scores.average["w1"]!)")
        #expect(scores.average["w1"]! <= 2e-2)
    }

    /// The same seed gives the same samples, fits and scores, bit for bit; another seed different ones.
    @Test func reproducible() throws {
        let simulation = try AgentSimulation(model: Self.model, equilibrium: Self.equilibrium, substeps: 2)
        let a = try simulation.run(agents: 500, times: [0, 0.5, 1], seed: 11), b = try simulation.run(agents: 500, times: [0, 0.5, 1], seed: 11)
        #expect(a.samples.points == b.samples.points)
        #expect(try simulation.run(agents: 500, times: [1], seed: 12).samples.points[0] != a.samples.points[2])
        let o1 = try OracleSamples.draw(Self.reference, count: 300, seed: 5), o2 = try OracleSamples.draw(Self.reference, count: 300, seed: 5)
        #expect(o1.points == o2.points)
        let data = FitData(samples: o1, grid: Self.reference.grid)
        let g1 = try GaussianMixture().fit(data, seed: 9) as! GaussianMixtureModel, g2 = try GaussianMixture().fit(data, seed: 9) as! GaussianMixtureModel
        #expect(g1.mixtures == g2.mixtures)
        var r1 = SeededGenerator(seed: 4), r2 = SeededGenerator(seed: 4)
        let kde = try KernelDensity().fit(data, seed: 0)
        #expect(kde.sample(time: 0.5, count: 50, generator: &r1) == kde.sample(time: 0.5, count: 50, generator: &r2))
        let states = [[0, 5, 199, 200], [3]]
        let j1 = try DiscreteStateSamples.jittered(grid: Self.reference.grid, states: states, times: [0, 1], source: "policy", seed: 2)
        let j2 = try DiscreteStateSamples.jittered(grid: Self.reference.grid, states: states, times: [0, 1], source: "policy", seed: 2)
        #expect(j1.points == j2.points)
        #expect(j1.count(0) == 3)   // state 200 is the exited state of a 200-cell game: dropped
        for (i, s) in [0, 5, 199].enumerated() { #expect(abs(j1.points[0][i] - Self.reference.grid.x[s]) <= Self.reference.grid.spacing[0] / 2) }
    }
}
