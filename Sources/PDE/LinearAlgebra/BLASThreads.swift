#if canImport(Glibc)
import Glibc
#endif

/// The thread count of the BLAS library (OpenBLAS), set by the program itself so that a plain
/// command runs as fast as a tuned one: the solvers make many small BLAS calls, for which OpenBLAS's
/// thread pool costs more than it gains (and its idle threads spin on the second core).
public enum BLASThreads {
    /// Sets the number of BLAS threads when the library is OpenBLAS; returns false otherwise. With
    /// one thread, the worker threads OpenBLAS started when it loaded are stopped too: they would
    /// otherwise spin (`sched_yield`) on the other core for about 0.1 s after every BLAS call.
    @discardableResult
    public static func use(_ count: Int) -> Bool {
        typealias Setter = @convention(c) (Int32) -> Void
        typealias Shutdown = @convention(c) () -> Int32
        guard let symbol = dlsym(nil, "openblas_set_num_threads") else { return false }
        unsafeBitCast(symbol, to: Setter.self)(Int32(count))
        if count == 1, let stop = dlsym(nil, "blas_thread_shutdown_") {
            _ = unsafeBitCast(stop, to: Shutdown.self)()
        }
        return true
    }
}
