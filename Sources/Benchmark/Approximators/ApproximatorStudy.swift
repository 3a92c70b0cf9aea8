import Approximators
import Foundation
import PDE
import Problems
import RLBridge

/// The approximators' table: problems x approximators x sample counts x seeds, each approximation
/// scored against the PDE density beside the oracle floor (the same metrics for N i.i.d. draws of
/// the reference, averaged over the seeds).
///
/// Per problem the equilibrium is solved once; the approximators are fitted to N samples at each of
/// `fitSlices` times `0, T/(K-1), ..., T` and scored at the `scoreSlices` times (by default
/// `0, T/4, T/2, 3T/4, T`, the protocol of `../shared/reference/neural-approximators.md`); every
/// score is the time average over those.
public struct ApproximatorStudy: Sendable {
    /// Where the samples come from.
    public enum Source: String, Sendable, Codable, CaseIterable {
        /// i.i.d. draws of the PDE density (`OracleSamples`).
        case oracle
        /// Agents following the equilibrium's feedback (`AgentSimulation`): their scores include the
        /// discretisation error of the PDE reference.
        case agents
    }

    public struct Settings: Sendable {
        public var approximators: [String: any DensityApproximator]
        public var sampleCounts: [Int]
        public var seeds: [UInt64]
        public var source: Source = .oracle
        public var fitSlices = 21
        public var scoreSlices = 5
        /// Draws per slice of the models that have only samples.
        public var drawCount = 16384
        public init(approximators: [String: any DensityApproximator], sampleCounts: [Int], seeds: [UInt64]) {
            self.approximators = approximators
            self.sampleCounts = sampleCounts
            self.seeds = seeds
        }
    }

    /// One fitted approximation's scores (time averages), with the floor at its N.
    public struct Row: Sendable, Codable {
        public var problem: String
        public var approximator: String
        public var source: String
        public var samples: Int
        public var seed: UInt64
        public var scores: [String: Double]
        public var floor: [String: Double]
        public var ratios: [String: Double]
        public var fitSeconds: Double
        /// Set when the fit or the score failed: the error, and no scores.
        public var error: String?
    }

    /// A problem's reference, and what the pictures need.
    public struct Problem: Sendable {
        public let name: String
        public let model: MFGModel
        public let equilibrium: Equilibrium
        /// The fitting slices' reference, and the scoring subset's.
        public let fitReference: GridDensity
        public let scoreReference: GridDensity
        public let viscosity: Double

        /// Solves `file` on its own grid (or `grid`) and prepares both references.
        public init(_ file: ProblemFile, grid: GridSize? = nil, fitSlices: Int, scoreSlices: Int) throws {
            let equilibrium = try MFGSolver.solve(file.model, grid: grid ?? file.model.defaultGrid, options: SolverOptions().silent)
            guard equilibrium.converged else {
                throw ReferenceNotConverged(problem: file.name, grid: "\(grid ?? file.model.defaultGrid)",
                                            residual: equilibrium.final?.residual ?? .nan, reason: equilibrium.stopReason ?? "no reason given")
            }
            guard !equilibrium.isErgodic else { throw ApproximatorError("\(file.name): the study needs a time-dependent problem") }
            name = file.name
            model = file.model
            self.equilibrium = equilibrium
            let fitTimes = GridDensity.sliceTimes(equilibrium, count: fitSlices)
            fitReference = GridDensity.reference(equilibrium, times: fitTimes, model: file.model)
            let scoreTimes = GridDensity.sliceTimes(equilibrium, count: scoreSlices)
            scoreReference = GridDensity.reference(equilibrium, times: scoreTimes, model: file.model)
            viscosity = file.model.viscosity
        }
    }

    /// `count` samples per fitting slice from `source`, with the equilibrium's dynamics (for the
    /// physics-informed generator).
    public static func samples(_ problem: Problem, source: Source, count: Int, seed: UInt64,
                               simulation: AgentSimulation? = nil) throws -> FitData {
        let samples: PopulationSamples
        switch source {
        case .oracle: samples = try OracleSamples.draw(problem.fitReference, count: count, seed: seed)
        case .agents:
            let simulation = try simulation ?? AgentSimulation(model: problem.model, equilibrium: problem.equilibrium)
            samples = try simulation.run(agents: count, times: problem.fitReference.times, seed: seed).samples
        }
        return FitData(samples: samples, grid: problem.fitReference.grid,
                       dynamics: PopulationDynamics(problem.equilibrium, viscosity: problem.viscosity))
    }

    /// The rows of a problem, and for the pictures each approximator's cell masses at the scoring
    /// slices for the largest N and the first seed.
    public struct Outcome: Sendable {
        public var rows: [Row]
        public var snapshots: [String: [[Double]]]
        public init(rows: [Row], snapshots: [String: [[Double]]]) {
            self.rows = rows
            self.snapshots = snapshots
        }
    }

    /// Scores every approximator at every N and seed on `problem`; `progress` after each fit.
    public static func run(_ problem: Problem, settings: Settings,
                           progress: ((Row) -> Void)? = nil) throws -> Outcome {
        let scorer = try DensityScore(reference: problem.scoreReference)
        let names = settings.approximators.keys.sorted()
        let simulation = settings.source == .agents ? try AgentSimulation(model: problem.model, equilibrium: problem.equilibrium) : nil
        var rows: [Row] = [], snapshots: [String: [[Double]]] = [:]
        let largest = settings.sampleCounts.max()
        for n in settings.sampleCounts {
            let floor = try scorer.oracleFloor(sampleCount: n, seeds: settings.seeds).average
            for seed in settings.seeds {
                let data = try samples(problem, source: settings.source, count: n, seed: seed, simulation: simulation)
                for name in names {
                    var row = Row(problem: problem.name, approximator: name, source: settings.source.rawValue, samples: n, seed: seed,
                                  scores: [:], floor: floor, ratios: [:], fitSeconds: 0, error: nil)
                    let start = ContinuousClock.now
                    do {
                        let model = try settings.approximators[name]!.fit(data, seed: seed)
                        row.fitSeconds = (ContinuousClock.now - start) / .seconds(1)
                        if n == largest, seed == settings.seeds.first {
                            snapshots[name] = problem.scoreReference.times.enumerated().map { k, t in
                                model.masses(on: problem.scoreReference.grid, time: t, draws: settings.drawCount, seed: seed &+ UInt64(k))
                            }
                        }
                        let scores = try scorer.score(model: model, drawCount: settings.drawCount, seed: seed &+ 0x51ED)
                        row.scores = scores.average
                        for (metric, value) in scores.average { if let f = floor[metric], f > 0 { row.ratios[metric] = value / f } }
                    } catch {
                        row.fitSeconds = (ContinuousClock.now - start) / .seconds(1)
                        row.error = "\(error)"
                    }
                    rows.append(row)
                    progress?(row)
                }
            }
        }
        return Outcome(rows: rows, snapshots: snapshots)
    }
}

extension GridDensity {
    /// The reference at `times` on the problem's own cells (a torus wraps).
    public static func reference(_ equilibrium: Equilibrium, times: [Double], model: MFGModel) -> GridDensity {
        let plain = reference(equilibrium, times: times)
        return GridDensity(grid: DensityGrid(equilibrium, model: model), times: plain.times, weights: plain.masses)
    }
}
