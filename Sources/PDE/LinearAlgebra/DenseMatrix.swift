import CLapacke

/// A square dense matrix (row-major), factored by LAPACK `dgetrf` (LU with partial pivoting) and
/// solved with `dgetrs`, for `A x = b` or `A^T x = b`, as often as needed per factorisation.
public final class DenseMatrix {
    public let order: Int
    let storage: UnsafeMutablePointer<Double>
    let pivots: UnsafeMutablePointer<Int32>
    /// True after `factor()` until the next change of the entries.
    public private(set) var isFactored = false

    public init(order: Int) {
        self.order = order
        storage = .allocate(capacity: order * order)
        storage.initialize(repeating: 0, count: order * order)
        pivots = .allocate(capacity: order)
    }

    deinit {
        storage.deallocate()
        pivots.deallocate()
    }

    public func zero() { storage.update(repeating: 0, count: order * order); isFactored = false }

    @inline(__always) public func add(_ row: Int, _ col: Int, _ value: Double) { storage[row * order + col] += value }
    @inline(__always) public func set(_ row: Int, _ col: Int, _ value: Double) { storage[row * order + col] = value }
    public func entry(_ row: Int, _ col: Int) -> Double { storage[row * order + col] }

    /// Replaces the entries by their LU factors.
    public func factor() throws {
        let info = LAPACKE_dgetrf(LAPACK_ROW_MAJOR, Int32(order), Int32(order), storage, Int32(order), pivots)
        guard info >= 0 else { throw MFGError.notFiniteInLinearSolve("dgetrf", argument: -info) }
        guard info == 0 else { throw MFGError.linearSolveFailed(context: "the matrix is singular (dgetrf info \(info))") }
        isFactored = true
    }

    /// Solves `A x = rhs` (or `A^T x = rhs`) in place with the factors of `factor()`.
    public func solveFactored(_ rhs: UnsafeMutablePointer<Double>, transposed: Bool = false) {
        precondition(isFactored, "DenseMatrix.solveFactored needs factor() first")
        _ = LAPACKE_dgetrs(LAPACK_ROW_MAJOR, transposed ? Int8(UInt8(ascii: "T")) : Int8(UInt8(ascii: "N")),
                           Int32(order), 1, storage, Int32(order), pivots, rhs, 1)
    }

    /// Factors, then solves `A x = rhs` in place.
    public func solve(_ rhs: UnsafeMutablePointer<Double>) throws {
        try factor()
        solveFactored(rhs)
    }
}
