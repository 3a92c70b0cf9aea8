import CKernels
import CLapacke

/// The three matrix products of a dense layer `l` (`n` inputs, `m` outputs, `W` `[m, n]`
/// row-major), in the network's ``MLP/matmulPrecision``:
///
/// - forward: `Y[rows, m] = X[rows, n] · Wᵀ`;
/// - input gradient: `D[rows, n] = δ[rows, m] · W`;
/// - weight gradient: `dW[m, n] = δᵀ · X`.
///
/// In bfloat16 the activations and deltas are rounded into the workspace's word buffers at each
/// call, and the weights once per change of ``MLP/parameters`` (``BFloat16Weights``), shared by
/// every thread running the network.
extension MLP {
    /// `y = x · Wₗᵀ` for `rows` rows.
    func layerForward(_ l: Int, _ x: UnsafePointer<Float>, rows: Int, into y: UnsafeMutablePointer<Float>,
                      workspace: MLPWorkspace, parameters p: UnsafePointer<Float>) {
        product(l, x, rows: rows, transposed: true, into: y, workspace: workspace, parameters: p)
    }

    /// `d = δ · Wₗ` for `rows` rows.
    func layerInputGradient(_ l: Int, _ delta: UnsafePointer<Float>, rows: Int, into d: UnsafeMutablePointer<Float>,
                            workspace: MLPWorkspace, parameters p: UnsafePointer<Float>) {
        product(l, delta, rows: rows, transposed: false, into: d, workspace: workspace, parameters: p)
    }

    /// `out = a · Wₗᵀ` (`transposed`: `a` has n columns, `out` m) or `out = a · Wₗ` (`a` has m
    /// columns, `out` n), for `rows` rows.
    private func product(_ l: Int, _ a: UnsafePointer<Float>, rows: Int, transposed: Bool, into out: UnsafeMutablePointer<Float>,
                         workspace: MLPWorkspace, parameters p: UnsafePointer<Float>) {
        let n = layerSizes[l], m = layerSizes[l + 1]
        let (k, width) = transposed ? (n, m) : (m, n)
        switch matmulPrecision {
        case .float32:
            cblas_sgemm(CblasRowMajor, CblasNoTrans, transposed ? CblasTrans : CblasNoTrans, Int32(rows), Int32(width), Int32(k),
                        1, a, Int32(k), p + weightOffsets[l], Int32(n), 0, out, Int32(width))
        case .bfloat16:
            let pairs = (k + 1) / 2, words = workspace.words(0), w = packedWeights(p)
            cbf16_pairs_in_rows(a, k, Int32(rows), Int32(k), words, pairs, 0)
            cbf16_gemm(Int32(rows), Int32(width), Int32(pairs), words, pairs, 1, transposed ? w.forward(l) : w.backward(l), width,
                       out, width)
        }
    }

    /// `db[j] = Σ_r δ[r, j]` over `rows` rows: `cblas_sgemv` in float32; in bfloat16 the rows are
    /// added in order (SIMD across columns), so that, like the products, the sums do not depend on
    /// the CPU's BLAS kernel.
    func layerBiasGradient(_ l: Int, _ delta: UnsafePointer<Float>, rows: Int, into gradient: UnsafeMutablePointer<Float>,
                           workspace: MLPWorkspace) {
        let m = layerSizes[l + 1]
        switch matmulPrecision {
        case .float32:
            cblas_sgemv(CblasRowMajor, CblasTrans, Int32(rows), Int32(m), 1, delta, Int32(m), workspace.ones, 1, 0, gradient, 1)
        case .bfloat16:
            typealias Vector = SIMD8<Float>
            let lanes = Vector.scalarCount, size = MemoryLayout<Float>.stride
            let source = UnsafeRawPointer(delta), target = UnsafeMutableRawPointer(gradient)
            var j = 0
            while j + lanes <= m {
                var sum = Vector(repeating: 0)
                for r in 0 ..< rows { sum += source.loadUnaligned(fromByteOffset: (r * m + j) * size, as: Vector.self) }
                target.storeBytes(of: sum, toByteOffset: j * size, as: Vector.self)
                j += lanes
            }
            while j < m {
                var sum: Float = 0
                for r in 0 ..< rows { sum += delta[r * m + j] }
                gradient[j] = sum
                j += 1
            }
        }
    }

    /// `dW = δᵀ · X` over `rows` rows, written `[m, n]` row-major into `gradient`.
    func layerWeightGradient(_ l: Int, _ delta: UnsafePointer<Float>, _ x: UnsafePointer<Float>, rows: Int,
                             into gradient: UnsafeMutablePointer<Float>, workspace: MLPWorkspace) {
        let n = layerSizes[l], m = layerSizes[l + 1]
        switch matmulPrecision {
        case .float32:
            cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, Int32(m), Int32(n), Int32(rows),
                        1, delta, Int32(m), x, Int32(n), 0, gradient, Int32(n))
        case .bfloat16:
            // Both operands paired across rows (the summed index): word (p, i) of δ at p m + i.
            let pairs = (rows + 1) / 2, a = workspace.words(0), b = workspace.words(1)
            cbf16_pairs_across_rows(delta, m, Int32(rows), Int32(m), a, m)
            cbf16_pairs_across_rows(x, n, Int32(rows), Int32(n), b, n)
            cbf16_gemm(Int32(m), Int32(n), Int32(pairs), a, 1, m, b, n, gradient, n)
        }
    }
}

/// The weights of every layer of an ``MLP`` rounded to bfloat16 words, in the two layouts its
/// products read: for the forward pass, word (p, i) = (W[i, 2p], W[i, 2p+1]) at `p m + i`; for
/// the input gradient, word (p, j) = (W[2p, j], W[2p+1, j]) at `p n + j`.
final class BFloat16Weights {
    private let storage: UnsafeMutablePointer<UInt32>
    private let forwardOffsets: [Int], backwardOffsets: [Int]
    /// The ``MLP/parametersVersion`` the words were rounded from (-1: never).
    var version = -1

    init(layerSizes: [Int]) {
        var offset = 0, forward: [Int] = [], backward: [Int] = []
        for (n, m) in zip(layerSizes, layerSizes.dropFirst()) {
            forward.append(offset)
            offset += (n + 1) / 2 * m
            backward.append(offset)
            offset += (m + 1) / 2 * n
        }
        storage = .allocate(capacity: max(offset, 1))
        storage.initialize(repeating: 0, count: max(offset, 1))
        forwardOffsets = forward
        backwardOffsets = backward
    }

    deinit { storage.deallocate() }

    func forward(_ l: Int) -> UnsafeMutablePointer<UInt32> { storage + forwardOffsets[l] }
    func backward(_ l: Int) -> UnsafeMutablePointer<UInt32> { storage + backwardOffsets[l] }

    /// Rounds every layer's weights from `parameters` (an ``MLP``'s layout).
    func round(_ parameters: UnsafePointer<Float>, layerSizes: [Int], weightOffsets: [Int]) {
        for l in 0 ..< layerSizes.count - 1 {
            let n = layerSizes[l], m = layerSizes[l + 1], w = parameters + weightOffsets[l]
            cbf16_pairs_in_rows(w, n, Int32(m), Int32(n), forward(l), m, 1)
            cbf16_pairs_across_rows(w, n, Int32(m), Int32(n), backward(l), n)
        }
    }
}
