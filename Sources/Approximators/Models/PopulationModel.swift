import Foundation
import Neural
import PDE

/// A fitted approximation of the population distribution `mu_t`: what every approximator
/// (histogram, kernel estimate, mixture, density network, flow, generator) returns.
///
/// Models are values once fitted: evaluating or sampling them does not change them. Sampling
/// takes its own generator, so a fixed seed gives the same draws.
public protocol PopulationModel: Sendable {
    /// The approximator that made it.
    var kind: ApproximatorKind { get }
    /// 1 or 2.
    var dimension: Int { get }
    /// The density (per unit length or area) at `count` points (`dimension` coordinates each,
    /// row-major) at time `t`, or nil for a model that has only samples (the generators).
    func density(at points: [Double], time t: Double) -> [Double]?
    /// `count` draws at time `t`, `dimension` coordinates each, row-major.
    func sample(time t: Double, count: Int, generator: inout SeededGenerator) -> [Double]
}

extension PopulationModel {
    /// The log-density where the model has a density (`-inf` where it is 0).
    public func logDensity(at points: [Double], time t: Double) -> [Double]? {
        density(at: points, time: t)?.map { $0 > 0 ? log($0) : -Double.infinity }
    }
}

/// The dynamics the population follows, for the approximators that use the equation instead
/// of (or besides) samples: `dX = a(t, X) dt + sqrt(2 nu) dW` in the grid's domain.
public struct PopulationDynamics: Sendable {
    /// The feedback control on the grid, `[a]` or `[a_x, a_y]`, each `[levels][cells]`
    /// row-major as in `Equilibrium.control` (row n: the drift of step n -> n+1).
    public let control: [[Double]]
    /// The time levels of the control.
    public let times: [Double]
    /// The viscosity `nu` (`sigma = sqrt(2 nu)`).
    public let viscosity: Double

    public init(control: [[Double]], times: [Double], viscosity: Double) {
        self.control = control
        self.times = times
        self.viscosity = viscosity
    }

    /// The equilibrium's own feedback control and the problem's viscosity.
    public init(_ equilibrium: Equilibrium, viscosity: Double) {
        self.init(control: equilibrium.control, times: equilibrium.t ?? [0], viscosity: viscosity)
    }
}

/// What an approximator learns from: samples per time slice on a grid's domain, and the
/// dynamics and initial samples for the models that use the equation.
public struct FitData: Sendable {
    public let samples: PopulationSamples
    public let grid: DensityGrid
    /// Nil when only samples are known.
    public let dynamics: PopulationDynamics?

    public init(samples: PopulationSamples, grid: DensityGrid, dynamics: PopulationDynamics? = nil) {
        precondition(samples.dimension == grid.dimension, "\(samples.dimension)D samples on a \(grid.dimension)D grid")
        self.samples = samples
        self.grid = grid
        self.dynamics = dynamics
    }
}

/// An approximator of `mu_t`: its settings, and a fit that returns a ``PopulationModel``.
public protocol DensityApproximator: Sendable {
    var kind: ApproximatorKind { get }
    /// Fits the model; the same data and seed give the same model bit for bit.
    func fit(_ data: FitData, seed: UInt64) throws -> any PopulationModel
}

/// The approximators, by the names the command line and suite files use.
public enum ApproximatorKind: String, Sendable, CaseIterable, Codable {
    /// Cell counts of the samples on the grid.
    case histogram
    /// Gaussian kernel density estimate, Silverman's or Scott's bandwidth.
    case kde
    /// Gaussian mixture fitted by expectation-maximisation, per slice.
    case gmm
    /// An MLP of (t, x) giving logits over the grid cells, trained by maximum likelihood.
    case densityNetwork = "density-network"
    /// A normalising flow conditioned on t (affine couplings in 2D; a mixture density network in 1D).
    case flow
    /// Generator `G(t, z)` from m0 against a logistic discriminator `D(t, x)`.
    case generativeDiscriminative = "generative-discriminative"
    /// The same generator against a fixed multi-bandwidth MMD.
    case generativeMMD = "generative-mmd"
    /// The generator trained on the weak form of the Fokker-Planck equation (no samples).
    case physicsInformed = "physics-informed"

    /// Whether the model has a density (KL and log-density are defined).
    public var hasDensity: Bool {
        switch self {
        case .histogram, .kde, .gmm, .densityNetwork, .flow: true
        case .generativeDiscriminative, .generativeMMD, .physicsInformed: false
        }
    }
}

/// A refused approximator input: what is wrong and what to change.
public struct ApproximatorError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
