import Neural

/// The neural approximators: their network and optimiser settings are one `TrainingSettings`.
public protocol NeuralApproximator: DensityApproximator {
    var training: TrainingSettings { get set }
}

extension DensityNetwork: NeuralApproximator {}
extension NormalisingFlow: NeuralApproximator {}
extension GenerativeDiscriminative: NeuralApproximator {}
extension GenerativeMMD: NeuralApproximator {}
extension PhysicsInformedGenerator: NeuralApproximator {}

extension ApproximatorSettings {
    /// The settings every neural approximator takes (its defaults are its own).
    static let neuralSettings: [(name: String, meaning: String)] = [
        ("width", "units per hidden layer"), ("layers", "hidden layers"), ("steps", "Adam steps"),
        ("batch", "minibatch rows"), ("learning-rate", "Adam's step size"), ("activation", "tanh or relu"),
    ]

    func makeNeural() throws -> any DensityApproximator {
        var approximator: any NeuralApproximator
        switch kind {
        case .densityNetwork: approximator = DensityNetwork()
        case .flow: approximator = NormalisingFlow()
        case .generativeDiscriminative: approximator = GenerativeDiscriminative()
        case .generativeMMD: approximator = GenerativeMMD()
        case .physicsInformed: approximator = PhysicsInformedGenerator()
        case .histogram, .kde, .gmm: preconditionFailure("not a neural approximator")
        }
        var training = approximator.training
        if let v = values["width"] { training.width = try integer("width", v, 1 ... TrainingSettings.maxWidth) }
        if let v = values["layers"] { training.hiddenLayers = try integer("layers", v, 1 ... TrainingSettings.maxHiddenLayers) }
        if let v = values["steps"] { training.steps = try integer("steps", v, 1 ... TrainingSettings.maxSteps) }
        if let v = values["batch"] { training.batch = try integer("batch", v, 1 ... TrainingSettings.maxBatch) }
        if let v = values["learning-rate"] { training.learningRate = try real("learning-rate", v, 1e-8 ... 1) }
        if let v = values["activation"] {
            guard let a = MLP.Activation(rawValue: v) else { throw ApproximatorError("\(kind.rawValue) activation \(v): give tanh or relu") }
            training.activation = a
        }
        try training.validate(kind.rawValue)
        approximator.training = training
        return approximator
    }
}
