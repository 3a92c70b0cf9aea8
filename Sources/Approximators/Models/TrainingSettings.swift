import Foundation
import Neural

/// The network and optimiser settings shared by the neural approximators: an MLP of `hiddenLayers`
/// layers of `width` units (`activation` after each), trained by `steps` Adam steps on minibatches
/// of `batch` rows at step size `learningRate`.
public struct TrainingSettings: Sendable, Equatable {
    public var width: Int
    public var hiddenLayers: Int
    public var activation: MLP.Activation
    public var steps: Int
    public var batch: Int
    public var learningRate: Double

    public init(width: Int = 64, hiddenLayers: Int = 2, activation: MLP.Activation = .tanh, steps: Int,
                batch: Int, learningRate: Double) {
        self.width = width
        self.hiddenLayers = hiddenLayers
        self.activation = activation
        self.steps = steps
        self.batch = batch
        self.learningRate = learningRate
    }

    /// The largest width, depth, step count and batch accepted.
    public static let maxWidth = 4096, maxHiddenLayers = 16, maxSteps = 10_000_000, maxBatch = 1 << 16

    /// Refuses settings that cannot train: non-positive or absurd sizes, a learning rate that is
    /// not a finite number in (0, 1].
    public func validate(_ model: String) throws {
        func check(_ ok: Bool, _ message: String) throws {
            if !ok { throw ApproximatorError("\(model): \(message)") }
        }
        try check(width >= 1 && width <= Self.maxWidth, "width must be in 1...\(Self.maxWidth), got \(width)")
        try check(hiddenLayers >= 1 && hiddenLayers <= Self.maxHiddenLayers,
                  "hidden layers must be in 1...\(Self.maxHiddenLayers), got \(hiddenLayers)")
        try check(steps >= 1 && steps <= Self.maxSteps, "steps must be in 1...\(Self.maxSteps), got \(steps)")
        try check(batch >= 1 && batch <= Self.maxBatch, "batch must be in 1...\(Self.maxBatch), got \(batch)")
        try check(learningRate.isFinite && learningRate > 0 && learningRate <= 1,
                  "the learning rate must be a finite number in (0, 1], got \(learningRate)")
    }

    /// `[inputs, width x hiddenLayers, outputs]`.
    func layerSizes(inputs: Int, outputs: Int) -> [Int] {
        [inputs] + [Int](repeating: width, count: hiddenLayers) + [outputs]
    }

    /// A freshly initialised network of these sizes.
    func network(inputs: Int, outputs: Int, seed: UInt64) -> MLP {
        MLP(layerSizes: layerSizes(inputs: inputs, outputs: outputs), seed: seed, activation: activation)
    }

    /// The step size at `step`: `learningRate` decayed to a tenth along a half cosine,
    /// `lr (0.1 + 0.9 (1 + cos(pi step / steps)) / 2)`.
    func decayedLearningRate(_ step: Int) -> Float {
        Float(learningRate * (0.1 + 0.45 * (1 + cos(Double.pi * Double(step) / Double(steps)))))
    }

    func optimiser(for network: MLP, beta1: Float = 0.9, beta2: Float = 0.999) -> Adam {
        Adam(parameterCount: network.parameterCount, learningRate: Float(learningRate), beta1: beta1, beta2: beta2)
    }
}

/// Refuses a positive integer setting outside `range`, naming the limit.
func checkSetting(_ value: Int, in range: ClosedRange<Int>, _ name: String, model: String) throws {
    guard range.contains(value) else {
        throw ApproximatorError("\(model): \(name) must be in \(range.lowerBound)...\(range.upperBound), got \(value)")
    }
}

/// Refuses a real setting that is not finite and inside `range`.
func checkSetting(_ value: Double, in range: ClosedRange<Double>, _ name: String, model: String) throws {
    guard value.isFinite && range.contains(value) else {
        throw ApproximatorError("\(model): \(name) must be a finite number in [\(range.lowerBound), \(range.upperBound)], got \(value)")
    }
}

extension MLP {
    /// Multiplies the output layer's weights by `factor` (its biases are zero at initialisation):
    /// a network that starts near the zero function, so that a flow starts near the identity and a
    /// generator near `G(t, z) = z`.
    func scaleOutputLayer(by factor: Float) {
        let start = MLP.parameterCount(layerSizes: Array(layerSizes.dropLast()))
        let count = layerSizes[layerSizes.count - 2] * outputCount
        for k in start ..< start + count { parameters[k] *= factor }
    }
}
