#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The thread count of the BLAS library (OpenBLAS), for the `sgemm` calls of ``MLP``.
///
/// OpenBLAS reads `OPENBLAS_NUM_THREADS` at start-up; this changes it at run time. The
/// functions are looked up dynamically (`dlsym`), since `openblas_set_num_threads` lives in
/// `libopenblas`, which the package reaches only through the generic `libblas`; with another
/// BLAS, ``set(_:)`` does nothing and ``current`` is `nil`.
///
/// For the Q-networks of Off-MMD (27 → 128 → 128 → 128 → 5, batches of 512) one thread is
/// faster than two on the 2-core development machine (2000 training steps: 2.7 s with one
/// thread, 3.0 s with two, measured with ``NeuralBenchmark`` while other work shared the
/// machine), and with two threads OpenBLAS allocates on every call; use one.
public enum BLASThreads {
    private typealias SetThreads = @convention(c) (Int32) -> Void
    private typealias GetThreads = @convention(c) () -> Int32

    private static func symbol(_ name: String) -> UnsafeMutableRawPointer? {
        // RTLD_DEFAULT: search the executable and every loaded library.
        dlsym(UnsafeMutableRawPointer(bitPattern: 0), name)
    }

    /// Whether an OpenBLAS thread control was found.
    public static var isAvailable: Bool { symbol("openblas_set_num_threads") != nil }

    /// Sets the number of threads BLAS calls may use (at least 1).
    public static func set(_ n: Int) {
        guard let pointer = symbol("openblas_set_num_threads") else { return }
        unsafeBitCast(pointer, to: SetThreads.self)(Int32(max(1, n)))
    }

    /// The number of threads BLAS calls use now, or `nil` without OpenBLAS.
    public static var current: Int? {
        guard let pointer = symbol("openblas_get_num_threads") else { return nil }
        return Int(unsafeBitCast(pointer, to: GetThreads.self)())
    }
}
