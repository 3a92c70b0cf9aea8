import CLapacke
import Foundation

/// A fully connected multilayer perceptron in `Float`, with one ``Activation`` (ReLU by
/// default, or tanh) after every hidden layer and a linear output layer.
///
/// The network maps rows of `inputCount` features to rows of `outputCount` values. Training
/// is batched: ``forward(_:batch:workspace:)`` runs a whole minibatch through the network with
/// one matrix product per layer (`cblas_sgemm`, or bfloat16 products: ``matmulPrecision``),
/// keeping the activations in an ``MLPWorkspace``;
/// ``backward(outputGradient:batch:workspace:inputGradient:)`` then fills ``gradients`` from the
/// gradient of the loss with respect to the outputs. Inputs with a few nonzero features per row
/// (one-hot observations) go through ``forward(columns:values:nonzerosPerRow:batch:workspace:)``,
/// whose first layer gathers weights instead of multiplying. Neither pass allocates: all buffers
/// live in the model (parameters, gradients) or in the workspace (activations, deltas).
///
/// Parameter layout
/// ----------------
/// ``parameters`` is one contiguous array, so that an optimiser such as ``Adam`` is a single
/// loop. For each layer `l = 0 ..< layerSizes.count - 1`, with `n = layerSizes[l]` inputs and
/// `m = layerSizes[l + 1]` outputs, it holds, in order:
///
/// - the weights `W` as an `m × n` row-major matrix (`W[i, j]` at `i * n + j`), followed by
/// - the biases `b` (`m` values),
///
/// so that the layer computes `y = W x + b` for a column `x`. ``gradients`` has the same layout.
///
/// Example
/// -------
/// ```swift
/// let net = MLP(layerSizes: [27, 128, 128, 128, 5], seed: 1)
/// let workspace = net.makeWorkspace(maxBatch: 512)
/// let adam = Adam(parameterCount: net.parameterCount)
/// let q = net.forward(states, batch: 512, workspace: workspace)  // [512, 5]
/// // ... write dL/dq into `dq` ...
/// net.backward(outputGradient: dq, batch: 512, workspace: workspace)
/// adam.step(net)
/// ```
///
/// An `MLP` is a reference type and is not thread-safe, except that forward passes and
/// ``backward(outputGradient:batch:workspace:into:inputGradient:)`` only read it (in bfloat16 the
/// first of them rounds the weights once, under a lock): threads may run them at the same time on
/// workspaces of their own while nothing changes the network.
public final class MLP {
    /// The nonlinearity applied after every hidden layer.
    public enum Activation: String, Sendable, CaseIterable {
        /// `max(x, 0)`; derivative `[y > 0]`.
        case relu
        /// `tanh x`; derivative `1 - y^2` (smooth, for models whose inputs are differentiated).
        case tanh
    }

    /// The widths of the layers: `[inputs, hidden..., outputs]` (at least two entries).
    public let layerSizes: [Int]

    /// The hidden layers' nonlinearity.
    public let activation: Activation

    /// All weights and biases, flat; see the type's documentation for the layout.
    ///
    /// The count must stay ``parameterCount``. Holding another reference to this array while
    /// training makes the next update copy it (copy-on-write), so read it rather than keep it.
    public var parameters: [Float] { didSet { parametersVersion &+= 1 } }

    /// The arithmetic of the dense layers' matrix products (default float32). In
    /// ``MatmulPrecision/bfloat16`` the products and the bias gradients' sums are the same bits on
    /// every CPU.
    public var matmulPrecision: MatmulPrecision = .float32

    /// Counts the changes of ``parameters`` (every mutation, including Adam's steps in place):
    /// the bfloat16 weights are rounded again when it moves.
    private(set) var parametersVersion = 0
    /// The weights rounded to bfloat16 (allocated on the first bfloat16 product), and the lock
    /// that lets the threads of one training step share them.
    private var roundedWeights: BFloat16Weights?
    private let roundingLock = NSLock()

    /// The gradient of the loss with respect to ``parameters`` (same layout), overwritten by
    /// each ``backward(outputGradient:batch:workspace:)``.
    public var gradients: [Float]

    /// Offsets into ``parameters`` of each layer's weight matrix and bias vector.
    @usableFromInline let weightOffsets: [Int]
    @usableFromInline let biasOffsets: [Int]
    /// The parameter count fixed by the layer sizes.
    private let storedCount: Int

    /// The number of input features (`layerSizes.first`).
    @inlinable public var inputCount: Int { layerSizes[0] }

    /// The number of outputs (`layerSizes.last`).
    @inlinable public var outputCount: Int { layerSizes[layerSizes.count - 1] }

    /// The number of weights and biases, `Σ (n_l + 1) n_{l+1}`.
    @inlinable public var parameterCount: Int { parameters.count }

    /// The number of weight layers (`layerSizes.count - 1`).
    @inlinable public var layerCount: Int { layerSizes.count - 1 }

    /// The number of parameters of a network with these layer sizes.
    public static func parameterCount(layerSizes: [Int]) -> Int {
        zip(layerSizes, layerSizes.dropFirst()).reduce(0) { $0 + ($1.0 + 1) * $1.1 }
    }

    /// Creates a network with He (Kaiming) uniform weights and zero biases.
    ///
    /// Every weight of a layer with `n` inputs is drawn from `U(-√(6/n), √(6/n))`, layer by
    /// layer and row by row from one ``SeededGenerator`` seeded with `seed`, so the same
    /// sizes and seed give bit-identical parameters on every platform.
    ///
    /// - Parameters:
    ///   - layerSizes: `[inputs, hidden..., outputs]`, at least two positive widths.
    ///   - seed: the seed of the weight initialisation.
    ///   - activation: the hidden layers' nonlinearity; with `.tanh` the bound is `√(3/n)`
    ///     (Xavier/LeCun uniform, variance `1/n`), which keeps tanh out of saturation.
    public convenience init(layerSizes: [Int], seed: UInt64, activation: Activation = .relu) {
        var rng = SeededGenerator(seed: seed)
        var parameters = [Float](repeating: 0, count: MLP.parameterCount(layerSizes: layerSizes))
        var offset = 0
        for (fanIn, fanOut) in zip(layerSizes, layerSizes.dropFirst()) {
            let bound = ((activation == .relu ? 6.0 : 3.0) / Double(fanIn)).squareRoot()
            for k in 0 ..< fanIn * fanOut {
                parameters[offset + k] = Float((2 * rng.unit() - 1) * bound)
            }
            offset += (fanIn + 1) * fanOut  // biases stay 0
        }
        self.init(layerSizes: layerSizes, parameters: parameters, activation: activation)
    }

    /// The weights rounded to bfloat16 from the current ``parameters`` (`p`, their storage),
    /// rounded again only after the parameters changed. Safe to call from several threads.
    func packedWeights(_ p: UnsafePointer<Float>) -> BFloat16Weights {
        roundingLock.lock()
        defer { roundingLock.unlock() }
        let weights = roundedWeights ?? BFloat16Weights(layerSizes: layerSizes)
        roundedWeights = weights
        if weights.version != parametersVersion {
            weights.round(p, layerSizes: layerSizes, weightOffsets: weightOffsets)
            weights.version = parametersVersion
        }
        return weights
    }

    /// Creates a network with the given parameters (layout as documented on the type).
    ///
    /// - Precondition: every width is positive, there are at least two, and
    ///   `parameters.count == MLP.parameterCount(layerSizes:)`.
    public init(layerSizes: [Int], parameters: [Float], activation: Activation = .relu) {
        precondition(layerSizes.count >= 2, "an MLP needs at least an input and an output layer")
        precondition(layerSizes.allSatisfy { $0 > 0 }, "layer sizes must be positive: \(layerSizes)")
        precondition(parameters.count == MLP.parameterCount(layerSizes: layerSizes),
                     "\(parameters.count) parameters for layer sizes \(layerSizes), "
                         + "expected \(MLP.parameterCount(layerSizes: layerSizes))")
        self.layerSizes = layerSizes
        self.activation = activation
        self.parameters = parameters
        self.gradients = [Float](repeating: 0, count: parameters.count)
        var weights: [Int] = [], biases: [Int] = []
        var offset = 0
        for (fanIn, fanOut) in zip(layerSizes, layerSizes.dropFirst()) {
            weights.append(offset)
            biases.append(offset + fanIn * fanOut)
            offset += (fanIn + 1) * fanOut
        }
        weightOffsets = weights
        biasOffsets = biases
        storedCount = offset
    }

    /// Preallocates the activations and deltas for minibatches of up to `maxBatch` rows.
    ///
    /// A workspace fits every network with the same ``layerSizes`` (e.g. a network and its
    /// frozen target copy), but ``backward(outputGradient:batch:workspace:)`` always uses the
    /// activations of the last forward pass run on it.
    public func makeWorkspace(maxBatch: Int) -> MLPWorkspace {
        MLPWorkspace(layerSizes: layerSizes, maxBatch: maxBatch)
    }

    /// Runs a minibatch through the network.
    ///
    /// The input is copied into `workspace`, and the activations of every layer are kept
    /// there for ``backward(outputGradient:batch:workspace:inputGradient:)``.
    ///
    /// - Parameters:
    ///   - input: `batch` rows of ``inputCount`` features, row-major.
    ///   - batch: the number of rows, `1 ... workspace.maxBatch`.
    ///   - workspace: a workspace made for these layer sizes.
    /// - Returns: the outputs, `batch` rows of ``outputCount`` values, row-major, inside
    ///   `workspace` (valid until the next forward pass on it).
    @discardableResult
    public func forward(_ input: UnsafePointer<Float>, batch: Int, workspace: MLPWorkspace)
        -> UnsafeMutablePointer<Float>
    {
        check(workspace, batch: batch)
        workspace.input.update(from: input, count: batch * inputCount)
        workspace.lastBatch = batch
        workspace.nonzeros = 0
        return parameters.withUnsafeBufferPointer { p in
            let p = p.baseAddress!
            layerForward(0, workspace.input, rows: batch, into: workspace.activations[0], workspace: workspace, parameters: p)
            return forwardLayers(from: 0, batch: batch, workspace: workspace, parameters: p)
        }
    }

    /// Finishes the forward pass from layer `first`, whose linear part `x Wᵀ` (without the bias)
    /// is already in `workspace.activations[first]`: its bias and activation, then every later
    /// layer. Returns the outputs.
    func forwardLayers(from first: Int, batch: Int, workspace: MLPWorkspace, parameters p: UnsafePointer<Float>)
        -> UnsafeMutablePointer<Float>
    {
        let count = layerCount
        for l in first ..< count {
            let m = layerSizes[l + 1]
            let y = workspace.activations[l]
            if l > first {
                layerForward(l, workspace.activations[l - 1], rows: batch, into: y, workspace: workspace, parameters: p)
            }
            let b = p + biasOffsets[l]
            if l < count - 1 && activation == .relu {
                for r in 0 ..< batch {
                    let row = y + r * m
                    for j in 0 ..< m { row[j] = max(row[j] + b[j], 0) }
                }
            } else if l < count - 1 {
                for r in 0 ..< batch {
                    let row = y + r * m
                    for j in 0 ..< m { row[j] = Float(Foundation.tanh(Double(row[j] + b[j]))) }
                }
            } else {
                for r in 0 ..< batch {
                    let row = y + r * m
                    for j in 0 ..< m { row[j] += b[j] }
                }
            }
        }
        return workspace.activations[count - 1]
    }

    /// Back-propagates through the last forward pass on `workspace` (dense or sparse input) and
    /// sets ``gradients``.
    ///
    /// For each layer, from the output back: `dW = δᵀ X`, `db = Σ_rows δ`, and (except for
    /// the first layer) `δ ← (δ W) ⊙ [X > 0]`, where `X` is the layer's input.
    ///
    /// - Parameters:
    ///   - outputGradient: `∂L/∂outputs`, `batch` rows of ``outputCount`` values. Any
    ///     averaging over the minibatch belongs in it (e.g. `2 (ŷ − y) / batch` for the mean
    ///     squared error summed over outputs). It may point into the outputs returned by the
    ///     forward pass (overwritten in place): backward only reads them.
    ///   - batch: the batch of the last forward pass on `workspace`.
    ///   - workspace: the workspace of that forward pass, run by this network.
    ///   - inputGradient: if given, receives `∂L/∂input` (`batch` rows of ``inputCount``),
    ///     `δ_0 W_0`: what a generator upstream of this network, or a flow, back-propagates.
    public func backward(outputGradient: UnsafePointer<Float>, batch: Int, workspace: MLPWorkspace,
                         inputGradient: UnsafeMutablePointer<Float>? = nil) {
        check(workspace, batch: batch)
        gradients.withUnsafeMutableBufferPointer { g in
            backward(outputGradient: outputGradient, batch: batch, workspace: workspace, into: g.baseAddress!,
                     inputGradient: inputGradient)
        }
    }

    /// ``backward(outputGradient:batch:workspace:inputGradient:)`` writing the gradient of the
    /// loss with respect to ``parameters`` into `gradients` (``parameterCount`` values, the same
    /// layout) instead of ``gradients``. Only reads the network, so threads may run it at the same
    /// time on different workspaces and buffers (e.g. on parts of one minibatch, whose gradients
    /// are then summed).
    public func backward(outputGradient: UnsafePointer<Float>, batch: Int, workspace: MLPWorkspace,
                         into gradients: UnsafeMutablePointer<Float>, inputGradient: UnsafeMutablePointer<Float>? = nil) {
        precondition(workspace.layerSizes == layerSizes,
                     "a workspace for layer sizes \(workspace.layerSizes) used with a \(layerSizes) network")
        precondition(batch >= 1 && batch == workspace.lastBatch,
                     "backward on a batch of \(batch) after a forward pass on \(workspace.lastBatch)")
        precondition(parameters.count == storedCount, "the parameters array of the network changed size")
        let layers = layerCount, g = gradients
        parameters.withUnsafeBufferPointer { p in
            let p = p.baseAddress!
            var delta = outputGradient
            for l in stride(from: layers - 1, through: 0, by: -1) {
                let n = layerSizes[l]
                let x = UnsafePointer(l == 0 ? workspace.input : workspace.activations[l - 1])
                if l == 0 && workspace.nonzeros > 0 {
                    sparseFirstLayerGradient(delta, batch: batch, workspace: workspace, into: g + weightOffsets[0])
                } else {
                    layerWeightGradient(l, delta, x, rows: batch, into: g + weightOffsets[l], workspace: workspace)
                }
                // db[m] = column sums of δ = δᵀ · 1
                layerBiasGradient(l, delta, rows: batch, into: g + biasOffsets[l], workspace: workspace)
                guard l > 0 else {
                    if let inputGradient {
                        layerInputGradient(0, delta, rows: batch, into: inputGradient, workspace: workspace, parameters: p)
                    }
                    break
                }
                // δ_prev[batch, n] = δ[batch, m] · W[m, n], times the activation's derivative
                let next = workspace.deltas[l & 1]
                layerInputGradient(l, delta, rows: batch, into: next, workspace: workspace, parameters: p)
                switch activation {
                case .relu: reluMask(next, by: x, count: batch * n)
                case .tanh: for k in 0 ..< batch * n { next[k] *= 1 - x[k] * x[k] }
                }
                delta = UnsafePointer(next)
            }
        }
    }

    /// Sets ``gradients`` to the sum of the first `count` buffers of `parts` (``parameterCount``
    /// values each, the same layout), added in order: the gradient of a minibatch whose parts were
    /// run by ``backward(outputGradient:batch:workspace:into:inputGradient:)``.
    public func sumGradients(of parts: [UnsafeMutablePointer<Float>], count: Int) {
        precondition(count >= 1 && count <= parts.count, "summing \(count) of \(parts.count) gradient buffers")
        gradients.withUnsafeMutableBufferPointer { g in
            let g = g.baseAddress!, total = Int32(storedCount)
            g.update(from: parts[0], count: storedCount)
            for k in 1 ..< count { cblas_saxpy(total, 1, parts[k], 1, g, 1) }
        }
    }

    /// An independent network with the same sizes and parameters (e.g. a frozen target).
    public func copy() -> MLP {
        let copy = MLP(layerSizes: layerSizes, parameters: parameters, activation: activation)
        copy.matmulPrecision = matmulPrecision
        return copy
    }

    /// Copies the parameters of `other`, a network with the same ``layerSizes``, without
    /// reallocating.
    public func copyParameters(from other: MLP) {
        precondition(other.layerSizes == layerSizes,
                     "copying parameters of a \(other.layerSizes) network into a \(layerSizes) one")
        other.parameters.withUnsafeBufferPointer { source in
            parameters.withUnsafeMutableBufferPointer { target in
                target.baseAddress!.update(from: source.baseAddress!, count: source.count)
            }
        }
    }

    @inline(__always)
    func check(_ workspace: MLPWorkspace, batch: Int) {
        precondition(workspace.layerSizes == layerSizes,
                     "a workspace for layer sizes \(workspace.layerSizes) used with a \(layerSizes) network")
        precondition(batch >= 1 && batch <= workspace.maxBatch,
                     "batch \(batch) outside 1...\(workspace.maxBatch) (the workspace's maxBatch)")
        precondition(parameters.count == storedCount && gradients.count == storedCount,
                     "the parameters or gradients array of the network changed size")
    }
}

/// `delta[k] = activation[k] > 0 ? delta[k] : 0` for `k < count`: the ReLU derivative.
///
/// Explicit SIMD, branch-free: a branch on the sign mispredicts about half the time, and the
/// compiler does not vectorise the scalar select (it cannot rule out aliasing).
@inline(__always)
func reluMask(_ delta: UnsafeMutablePointer<Float>, by activation: UnsafePointer<Float>, count: Int) {
    typealias Vector = SIMD8<Float>
    let width = Vector.scalarCount
    let raw = UnsafeMutableRawPointer(delta), rawActivation = UnsafeRawPointer(activation)
    var k = 0
    while k + width <= count {
        let offset = k * MemoryLayout<Float>.stride
        let d = raw.loadUnaligned(fromByteOffset: offset, as: Vector.self)
        let a = rawActivation.loadUnaligned(fromByteOffset: offset, as: Vector.self)
        raw.storeBytes(of: d.replacing(with: 0, where: .!(a .> 0)), toByteOffset: offset, as: Vector.self)
        k += width
    }
    while k < count {
        if !(activation[k] > 0) { delta[k] = 0 }
        k += 1
    }
}
