import CLapacke

/// A square dense matrix (row-major), solved by LAPACK `dgesv` (LU with partial pivoting).
public final class DenseMatrix {
    public let order: Int
    let storage: UnsafeMutablePointer<Double>
    let pivots: UnsafeMutablePointer<Int32>

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

    public func zero() { storage.update(repeating: 0, count: order * order) }

    @inline(__always) public func add(_ row: Int, _ col: Int, _ value: Double) { storage[row * order + col] += value }
    @inline(__always) public func set(_ row: Int, _ col: Int, _ value: Double) { storage[row * order + col] = value }
    public func entry(_ row: Int, _ col: Int) -> Double { storage[row * order + col] }

    /// Solves `A x = rhs` in place (the matrix is overwritten by its LU factors).
    public func solve(_ rhs: UnsafeMutablePointer<Double>) throws {
        let info = LAPACKE_dgesv(LAPACK_ROW_MAJOR, Int32(order), 1, storage, Int32(order), pivots, rhs, 1)
        guard info == 0 else {
            throw MFGError.linearSolveFailed(
                context: info > 0 ? "the matrix is singular (dgesv info \(info))" : "dgesv rejected argument \(-info)")
        }
    }
}
