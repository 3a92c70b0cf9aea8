/// Preallocated buffers for batched forward and backward passes of an ``MLP``.
///
/// Holds a copy of the last input (dense rows, or the stored entries of sparse rows), the
/// activations of every layer (post-activation for hidden layers, the linear outputs for the
/// last), two ping-pong buffers for the deltas of the backward pass, and the first layer's
/// weights transposed (the sparse first layer gathers and scatters their columns), all sized for
/// `maxBatch` rows. Make one with ``MLP/makeWorkspace(maxBatch:)`` and reuse it for every
/// minibatch; it fits any network with the same layer sizes.
public final class MLPWorkspace {
    /// The largest batch the buffers hold.
    public let maxBatch: Int
    /// The layer sizes the buffers are shaped for.
    public let layerSizes: [Int]

    /// The last input, `[maxBatch, layerSizes[0]]`: dense rows, or for sparse rows their values
    /// (`[batch, nonzeros]`).
    let input: UnsafeMutablePointer<Float>
    /// The column of each stored value of the last sparse input, `[batch, nonzeros]` (room for
    /// `[maxBatch, layerSizes[0]]`).
    let columns: UnsafeMutablePointer<Int32>
    /// Stored entries per row of the last input if it was sparse, 0 if it was dense.
    var nonzeros = 0
    /// `activations[l]`: the output of layer `l`, `[maxBatch, layerSizes[l + 1]]`.
    let activations: [UnsafeMutablePointer<Float>]
    /// Two buffers of `[maxBatch, max hidden width]` for the deltas of the hidden layers.
    let deltas: [UnsafeMutablePointer<Float>]
    /// `maxBatch` ones, for the bias gradients as matrix-vector products.
    let ones: UnsafeMutablePointer<Float>
    /// `[layerSizes[0], layerSizes[1]]`: the first layer's weights, or their gradient, transposed.
    let firstLayerTransposed: UnsafeMutablePointer<Float>
    /// The batch of the last forward pass (0 before the first).
    var lastBatch = 0
    /// Two buffers of bfloat16 words for the operands of bfloat16 products (allocated on first use).
    private var wordBuffers: [UnsafeMutablePointer<UInt32>] = []

    /// Word buffer `k` (0 or 1), `(maxBatch + 1) (max width + 1)` words: room for `rows x width`
    /// values paired along either index.
    func words(_ k: Int) -> UnsafeMutablePointer<UInt32> {
        if wordBuffers.isEmpty {
            let count = (maxBatch + 1) * ((layerSizes.max() ?? 0) + 1)
            wordBuffers = (0 ..< 2).map { _ in
                let pointer = UnsafeMutablePointer<UInt32>.allocate(capacity: count)
                pointer.initialize(repeating: 0, count: count)
                return pointer
            }
        }
        return wordBuffers[k]
    }

    init(layerSizes: [Int], maxBatch: Int) {
        precondition(maxBatch >= 1, "maxBatch must be positive, got \(maxBatch)")
        self.maxBatch = maxBatch
        self.layerSizes = layerSizes
        func buffer(_ count: Int) -> UnsafeMutablePointer<Float> {
            let pointer = UnsafeMutablePointer<Float>.allocate(capacity: max(count, 1))
            pointer.initialize(repeating: 0, count: max(count, 1))
            return pointer
        }
        input = buffer(maxBatch * layerSizes[0])
        columns = UnsafeMutablePointer<Int32>.allocate(capacity: maxBatch * layerSizes[0])
        columns.initialize(repeating: 0, count: maxBatch * layerSizes[0])
        ones = buffer(maxBatch)
        ones.update(repeating: 1, count: maxBatch)
        activations = layerSizes.dropFirst().map { buffer(maxBatch * $0) }
        let widest = layerSizes.dropFirst().dropLast().max() ?? 0
        deltas = [buffer(maxBatch * widest), buffer(maxBatch * widest)]
        firstLayerTransposed = buffer(layerSizes[0] * layerSizes[1])
    }

    deinit {
        input.deallocate()
        columns.deallocate()
        ones.deallocate()
        for pointer in activations { pointer.deallocate() }
        for pointer in deltas { pointer.deallocate() }
        firstLayerTransposed.deallocate()
        for pointer in wordBuffers { pointer.deallocate() }
    }
}
