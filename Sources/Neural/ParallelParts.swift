import Dispatch
import Foundation
import Synchronization

/// Runs the parts `0 ..< count` of a computation, each exactly once, on the calling thread and on
/// up to `workers - 1` helper threads beside it.
///
/// Every worker takes the next part nobody has taken yet, until none is left. So a helper that
/// starts late, or not at all because the machine is busy, leaves its parts to the caller: the
/// caller waits only for a part a helper has already begun, and with no core free for a helper the
/// parts run one after the other on the caller, as with `workers == 1`. `body(part, worker)` gets
/// the index of the worker running the part, in `0 ..< workers` (0: the caller), for buffers of its
/// own: a worker runs its parts one after another. Different parts must write disjoint memory and
/// only read what no part writes, and nothing may change what they read while `run` runs; what
/// `body` writes is visible to the caller when `run` returns.
///
/// The helpers are threads of the process, started on first use (at most 3) and kept, asleep
/// between runs: a run wakes them, and a helper that wakes on a busy core takes no part if the
/// caller has taken them all by then (a thread woken after sleeping is scheduled ahead of one that
/// has been running, so a helper usually starts within the caller's first part). One caller at a
/// time uses them; a second caller at the same time runs its parts alone.
public enum ParallelParts {
    /// The most helper threads a run uses.
    public static let maxHelpers = 3

    public static func run(count: Int, workers: Int, _ body: (_ part: Int, _ worker: Int) -> Void) {
        let workers = max(1, min(workers, count, maxHelpers + 1))
        guard workers > 1, HelperPool.shared.acquire() else {
            for part in 0..<count { body(part, 0) }
            return
        }
        withoutActuallyEscaping(body) { HelperPool.shared.run(count: count, workers: workers, body: $0) }
        HelperPool.shared.release()
    }
}

/// The helper threads of `ParallelParts` and the run they share.
private final class HelperPool: @unchecked Sendable {
    static let shared = HelperPool()

    /// A run's body, called from several threads at once: `ParallelParts.run`'s caller promises
    /// that its parts touch disjoint memory apart from what they only read.
    private struct Body: @unchecked Sendable {
        let call: (Int, Int) -> Void
    }

    /// The run in progress: its body, parts, workers and the next part nobody has taken.
    private struct Run {
        var body: Body?
        var count = 0
        var workers = 0
        var next = 0
    }

    private let state = Mutex(Run())
    /// Parts finished in the current run.
    private let finished = Atomic<Int>(0)
    /// Whether a caller is using the helpers.
    private let busy = Atomic<Bool>(false)
    /// Per helper: what wakes it for a run.
    private let wake = (0..<ParallelParts.maxHelpers).map { _ in DispatchSemaphore(value: 0) }
    /// Helpers started (touched only by the caller holding `busy`).
    private var helpers = 0

    func acquire() -> Bool { busy.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged }
    func release() { busy.store(false, ordering: .releasing) }

    func run(count: Int, workers: Int, body: @escaping (Int, Int) -> Void) {
        while helpers < workers - 1 {
            let index = helpers + 1
            let thread = Thread { [self] in help(as: index) }
            thread.name = "solve-mfg helper \(index)"
            thread.start()
            helpers += 1
        }
        finished.store(0, ordering: .relaxed)
        let shared = Body(call: body)
        state.withLock { $0 = Run(body: shared, count: count, workers: workers, next: 0) }
        for h in 0..<(workers - 1) { wake[h].signal() }
        while runPart(as: 0) { finished.add(1, ordering: .releasing) }
        // Yielding, for a helper that runs on this core.
        while finished.load(ordering: .acquiring) < count { sched_yield() }
        state.withLock { $0 = Run() }
    }

    /// Takes the next part of the current run if there is one and `worker` takes part in it, and
    /// runs it. Returns whether it ran one (the body is released before it returns).
    private func runPart(as worker: Int) -> Bool {
        let taken: (part: Int, body: Body)? = state.withLock { run in
            guard let body = run.body, worker < run.workers, run.next < run.count else { return nil }
            run.next += 1
            return (run.next - 1, body)
        }
        guard let taken else { return false }
        taken.body.call(taken.part, worker)
        return true
    }

    /// A helper's life: asleep until a run starts, then parts of it until none is left.
    private func help(as worker: Int) {
        while true {
            wake[worker - 1].wait()
            while runPart(as: worker) { finished.add(1, ordering: .releasing) }
        }
    }
}
