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
/// The helpers are threads of the process, started on first use (at most 3) and kept. After a run
/// a helper watches for the next one for 0.5 ms (a training step's minibatch preparation and
/// optimiser step take about 0.2 ms; waking a thread that sleeps can take as long as a part), then
/// sleeps until a run wakes it; a run on the caller alone (`workers == 1`) sends watching helpers to
/// sleep at once, so that they take no time from it. One caller at a time uses the helpers; a second
/// caller at the same time runs its parts alone.
public enum ParallelParts {
    /// The most helper threads a run uses.
    public static let maxHelpers = 3

    public static func run(count: Int, workers: Int, _ body: (_ part: Int, _ worker: Int) -> Void) {
        let workers = max(1, min(workers, count, maxHelpers + 1))
        guard workers > 1, HelperPool.shared.acquire() else {
            if workers == 1 { HelperPool.shared.rest() }
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
    /// Runs started so far (helpers watch it), and parts finished in the current run.
    private let started = Atomic<Int>(0)
    private let finished = Atomic<Int>(0)
    /// Set by a run on the caller alone: watching helpers go to sleep.
    private let resting = Atomic<Bool>(false)
    /// Whether a caller is using the helpers.
    private let busy = Atomic<Bool>(false)
    /// Per helper: whether it sleeps, and what wakes it.
    private final class Sleep: Sendable {
        let asleep = Atomic<Bool>(false)
        let wake = DispatchSemaphore(value: 0)
    }
    private let sleeps = (0..<ParallelParts.maxHelpers).map { _ in Sleep() }
    /// Helpers started (touched only by the caller holding `busy`).
    private var helpers = 0
    /// How long a helper watches for the next run.
    private static let watch: UInt64 = 500_000

    func acquire() -> Bool { busy.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged }
    func release() { busy.store(false, ordering: .releasing) }
    func rest() { if !resting.load(ordering: .relaxed) { resting.store(true, ordering: .relaxed) } }

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
        resting.store(false, ordering: .relaxed)
        started.add(1, ordering: .sequentiallyConsistent)
        for sleep in sleeps[0..<(workers - 1)] where sleep.asleep.exchange(false, ordering: .sequentiallyConsistent) {
            sleep.wake.signal()
        }
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

    /// A helper's life: the parts of every run, then watching for the next run, then asleep.
    private func help(as worker: Int) {
        let sleep = sleeps[worker - 1]
        while true {
            let seen = started.load(ordering: .acquiring)
            while runPart(as: worker) { finished.add(1, ordering: .releasing) }
            let deadline = DispatchTime.now().uptimeNanoseconds + Self.watch
            var checks = 0
            while started.load(ordering: .acquiring) == seen {
                checks += 1
                guard resting.load(ordering: .relaxed) || checks % 64 == 0 && DispatchTime.now().uptimeNanoseconds > deadline else { continue }
                sleep.asleep.store(true, ordering: .sequentiallyConsistent)
                if started.load(ordering: .sequentiallyConsistent) == seen { sleep.wake.wait() }
                sleep.asleep.store(false, ordering: .relaxed)
            }
        }
    }
}
