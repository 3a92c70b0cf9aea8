import Foundation

/// Sparse input rows: the first layer of a network that sees one-hot observations (Off-MMD's
/// one-hot x, one-hot y and t/H: 3 stored entries of 27) gathers the columns of its weights that
/// the stored entries select, `y = Σ_k v_k W[:, c_k] + b`, instead of multiplying by a row of
/// mostly zeros; its weight gradient scatters `v_k δ` into the same columns. Both cost
/// `batch × nonzeros × width` additions instead of `batch × inputs × width` multiply-adds of a GEMM.
/// The outputs and gradients are those of the dense forward and backward passes on the same rows
/// (up to the order of Float additions).
extension MLP {
    /// Runs a minibatch of sparse rows through the network: row `r` has the value
    /// `values[r k + j]` at the input `columns[r k + j]` for `j < k` (`nonzerosPerRow`), and 0 at
    /// every other input (a column listed twice counts twice).
    ///
    /// The stored entries are copied into `workspace` with the activations of every layer, so
    /// that ``backward(outputGradient:batch:workspace:inputGradient:)`` works as after the dense
    /// ``forward(_:batch:workspace:)``.
    ///
    /// - Parameters:
    ///   - columns: `batch × nonzerosPerRow` column indices in `0 ..< inputCount`.
    ///   - values: `batch × nonzerosPerRow` values.
    ///   - nonzerosPerRow: stored entries per row, `1 ... inputCount`.
    ///   - batch: the number of rows, `1 ... workspace.maxBatch`.
    ///   - workspace: a workspace made for these layer sizes.
    /// - Returns: the outputs, `batch` rows of ``outputCount`` values, row-major, inside
    ///   `workspace` (valid until the next forward pass on it).
    @discardableResult
    public func forward(columns: UnsafePointer<Int32>, values: UnsafePointer<Float>, nonzerosPerRow k: Int,
                        batch: Int, workspace: MLPWorkspace) -> UnsafeMutablePointer<Float>
    {
        check(workspace, batch: batch)
        precondition(k >= 1 && k <= inputCount, "\(k) stored entries per row of \(inputCount) inputs")
        let n = inputCount, m = layerSizes[1], count = batch * k
        for e in 0 ..< count {
            precondition(columns[e] >= 0 && Int(columns[e]) < n, "input column \(columns[e]) outside 0..<\(n)")
        }
        workspace.columns.update(from: columns, count: count)
        workspace.input.update(from: values, count: count)
        workspace.lastBatch = batch
        workspace.nonzeros = k
        return parameters.withUnsafeBufferPointer { p in
            let p = p.baseAddress!
            // Wᵀ [n, m]: column c of W is the contiguous row c.
            let transposed = workspace.firstLayerTransposed
            transpose(p + weightOffsets[0], rows: m, columns: n, into: transposed)
            let y = workspace.activations[0]
            for r in 0 ..< batch {
                gather(transposed, width: m, columns: columns + r * k, values: values + r * k, count: k, into: y + r * m)
            }
            return forwardLayers(from: 0, batch: batch, workspace: workspace, parameters: p)
        }
    }

    /// `dW₀ = δᵀ X` for the sparse input of the last forward pass on `workspace`: row r of δ,
    /// times each stored value, added to the columns that row selects; written `[m, n]` row-major
    /// into `gradient`.
    func sparseFirstLayerGradient(_ delta: UnsafePointer<Float>, batch: Int, workspace: MLPWorkspace,
                                  into gradient: UnsafeMutablePointer<Float>) {
        let n = inputCount, m = layerSizes[1], k = workspace.nonzeros
        let transposed = workspace.firstLayerTransposed   // dW₀ᵀ [n, m]
        transposed.update(repeating: 0, count: n * m)
        let columns = workspace.columns, values = workspace.input
        for r in 0 ..< batch {
            for j in r * k ..< (r + 1) * k where values[j] != 0 {
                addScaled(delta + r * m, by: values[j], to: transposed + Int(columns[j]) * m, count: m)
            }
        }
        transpose(transposed, rows: n, columns: m, into: gradient)
    }
}

/// `target[j rows + i] = source[i columns + j]`: the transpose of a `rows × columns` row-major
/// matrix.
@inline(__always)
func transpose(_ source: UnsafePointer<Float>, rows: Int, columns: Int, into target: UnsafeMutablePointer<Float>) {
    for i in 0 ..< rows {
        let row = source + i * columns
        for j in 0 ..< columns { target[j * rows + i] = row[j] }
    }
}

/// `row[i] = Σ_j values[j] rows[columns[j] width + i]` for `i < width`, `j < count`: a linear
/// combination of rows of a `[*, width]` matrix, written once (no zeroing pass), eight lanes at a time.
@inline(__always)
func gather(_ rows: UnsafePointer<Float>, width: Int, columns: UnsafePointer<Int32>, values: UnsafePointer<Float>, count: Int,
            into row: UnsafeMutablePointer<Float>) {
    typealias Vector = SIMD8<Float>
    let lanes = Vector.scalarCount, size = MemoryLayout<Float>.stride
    let out = UnsafeMutableRawPointer(row)
    var i = 0
    while i + lanes <= width {
        var sum = Vector(repeating: 0)
        for j in 0 ..< count {
            let source = UnsafeRawPointer(rows + Int(columns[j]) * width + i)
            sum += Vector(repeating: values[j]) * source.loadUnaligned(as: Vector.self)
        }
        out.storeBytes(of: sum, toByteOffset: i * size, as: Vector.self)
        i += lanes
    }
    while i < width {
        var sum: Float = 0
        for j in 0 ..< count { sum += values[j] * rows[Int(columns[j]) * width + i] }
        row[i] = sum
        i += 1
    }
}

/// `y[i] += a x[i]` for `i < count`, eight lanes at a time (the scalar loop is not vectorised:
/// the compiler cannot rule out that x and y overlap).
@inline(__always)
func addScaled(_ x: UnsafePointer<Float>, by a: Float, to y: UnsafeMutablePointer<Float>, count: Int) {
    typealias Vector = SIMD8<Float>
    let width = Vector.scalarCount, size = MemoryLayout<Float>.stride
    let rx = UnsafeRawPointer(x), ry = UnsafeMutableRawPointer(y)
    let va = Vector(repeating: a)
    var i = 0
    while i + width <= count {
        let o = i * size
        let sum = ry.loadUnaligned(fromByteOffset: o, as: Vector.self) + va * rx.loadUnaligned(fromByteOffset: o, as: Vector.self)
        ry.storeBytes(of: sum, toByteOffset: o, as: Vector.self)
        i += width
    }
    while i < count {
        y[i] += a * x[i]
        i += 1
    }
}
