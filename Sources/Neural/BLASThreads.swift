#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The thread count of the BLAS library (OpenBLAS), the one place that controls it.
///
/// OpenBLAS reads `OPENBLAS_NUM_THREADS` at start-up; this changes it at run time. The functions are
/// looked up dynamically (`dlsym`), since `openblas_set_num_threads` lives in `libopenblas`, which
/// the package reaches only through the generic `libblas`; with another BLAS, ``set(_:)`` does
/// nothing and ``current`` is `nil`.
///
/// The command line sets one thread unless `OPENBLAS_NUM_THREADS` is given, so that a plain command
/// runs as fast as a tuned one: the PDE solvers make many small BLAS calls, for which the thread pool
/// costs more than it gains, and for the Q-networks of Off-MMD (27 → 128 → 128 → 128 → 5, batches of
/// 512) one thread is faster than two on the 2-core development machine (2000 training steps: 2.7 s
/// against 3.0 s), where with two threads OpenBLAS also allocates on every call.
public enum BLASThreads {
    private typealias SetThreads = @convention(c) (Int32) -> Void
    private typealias GetThreads = @convention(c) () -> Int32
    private typealias Shutdown = @convention(c) () -> Int32

    private static func symbol(_ name: String) -> UnsafeMutableRawPointer? {
        // RTLD_DEFAULT: search the executable and every loaded library.
        dlsym(UnsafeMutableRawPointer(bitPattern: 0), name)
    }

    /// Whether an OpenBLAS thread control was found.
    public static var isAvailable: Bool { symbol("openblas_set_num_threads") != nil }

    /// Sets the number of threads later BLAS calls may use (at least 1); calls already running keep
    /// theirs. Safe while other threads are inside BLAS calls. Returns false without OpenBLAS.
    @discardableResult
    public static func set(_ n: Int) -> Bool {
        guard let pointer = symbol("openblas_set_num_threads") else { return false }
        unsafeBitCast(pointer, to: SetThreads.self)(Int32(max(1, n)))
        return true
    }

    /// One thread, and the worker threads OpenBLAS started when it loaded stopped: they would
    /// otherwise spin (`sched_yield`) on the other core for about 0.1 s after every BLAS call.
    /// **Only at start-up**, before any other thread can be inside a BLAS call: stopping the workers
    /// under a threaded call leaves that call waiting for them forever (a test process hung that
    /// way in `dgetrf_parallel` while a suite's `init` stopped them). Returns false without OpenBLAS.
    @discardableResult
    public static func useOneThreadAtStartUp() -> Bool {
        guard set(1) else { return false }
        if let stop = symbol("blas_thread_shutdown_") { _ = unsafeBitCast(stop, to: Shutdown.self)() }
        return true
    }

    /// The number of threads BLAS calls use now, or `nil` without OpenBLAS.
    public static var current: Int? {
        guard let pointer = symbol("openblas_get_num_threads") else { return nil }
        return Int(unsafeBitCast(pointer, to: GetThreads.self)())
    }
}
