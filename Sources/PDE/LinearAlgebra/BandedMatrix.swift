import CLapacke

/// A square band matrix in LAPACK's column-major band storage, solved by `dgbsv` (LU with
/// partial pivoting). The only place the PDE layer calls LAPACK.
public final class BandedMatrix {
    public let order: Int
    public let lowerBandwidth: Int
    public let upperBandwidth: Int
    /// Leading dimension `2 kl + ku + 1`: dgbsv needs `kl` extra rows for the fill-in of pivoting.
    let leading: Int
    let storage: UnsafeMutablePointer<Double>
    let pivots: UnsafeMutablePointer<Int32>

    /// Bytes a band matrix of this shape takes.
    public static func bytes(order: Int, lower: Int, upper: Int) -> Int {
        (2 * lower + upper + 1) * order * MemoryLayout<Double>.size
    }

    public init(order: Int, lower: Int, upper: Int) throws {
        guard order < Int(Int32.max), 2 * lower + upper + 1 < Int(Int32.max) else {
            throw MFGError.invalidParameter(
                field: "matrix order", value: "\(order)", fix: "the system is too large for LAPACK's 32-bit indices")
        }
        self.order = order
        lowerBandwidth = lower
        upperBandwidth = upper
        leading = 2 * lower + upper + 1
        storage = .allocate(capacity: leading * order)
        pivots = .allocate(capacity: order)
        storage.initialize(repeating: 0, count: leading * order)
    }

    deinit {
        storage.deallocate()
        pivots.deallocate()
    }

    public func zero() { storage.update(repeating: 0, count: leading * order) }

    /// `A[row, col] += value`; the entry must lie inside the band.
    @inline(__always)
    public func add(_ row: Int, _ col: Int, _ value: Double) {
        storage[lowerBandwidth + upperBandwidth + row - col + col * leading] += value
    }

    /// `A[row, col]` (zero outside the band). Valid before `solve`, which overwrites the storage.
    public func entry(_ row: Int, _ col: Int) -> Double {
        let d = row - col
        guard d <= lowerBandwidth, -d <= upperBandwidth else { return 0 }
        return storage[lowerBandwidth + upperBandwidth + d + col * leading]
    }

    /// Solves `A x = rhs` in place (the matrix is overwritten by its LU factors).
    public func solve(_ rhs: UnsafeMutablePointer<Double>) throws {
        let info = LAPACKE_dgbsv(
            LAPACK_COL_MAJOR, Int32(order), Int32(lowerBandwidth), Int32(upperBandwidth),
            1, storage, Int32(leading), pivots, rhs, Int32(order))
        guard info >= 0 else { throw MFGError.notFiniteInLinearSolve("dgbsv", argument: -info) }
        guard info == 0 else { throw MFGError.linearSolveFailed(context: "the Newton Jacobian is singular (dgbsv info \(info))") }
    }
}
