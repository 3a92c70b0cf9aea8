import Foundation
import Synchronization
import XCTest
import Neural

/// Every part once, workers in range, and the tuner's choice.
final class ParallelPartsTests: XCTestCase {
    /// Counts per part and the largest worker index seen, from several threads.
    final class Tally: Sendable {
        let counts = Mutex([Int](repeating: 0, count: 64))
        let largestWorker = Atomic<Int>(0)
        let sink = Atomic<Int>(0)
    }

    func testEveryPartRunsOnceOnAWorkerInRange() {
        for workers in 1 ... 4 {
            for _ in 0 ..< 200 {
                let tally = Tally()
                ParallelParts.run(count: 7, workers: workers) { part, worker in
                    tally.counts.withLock { $0[part] += 1 }
                    tally.largestWorker.max(worker, ordering: .relaxed)
                    // Long enough for a helper to take parts too.
                    var x = 0.0
                    for k in 0 ..< 2000 { x += sin(Double(k)) }
                    tally.sink.store(Int(x), ordering: .relaxed)
                }
                let counts = tally.counts.withLock { Array($0[0 ..< 8]) }
                XCTAssertEqual(counts, [1, 1, 1, 1, 1, 1, 1, 0], "workers \(workers)")
                XCTAssertLessThan(tally.largestWorker.load(ordering: .relaxed), workers)
            }
        }
    }

    /// What the parts write is there when `run` returns, whoever ran them.
    func testWritesOfThePartsAreVisibleAfterTheRun() {
        let out = UnsafeMutablePointer<Double>.allocate(capacity: 4 * 1000)
        defer { out.deallocate() }
        for _ in 0 ..< 100 {
            out.update(repeating: 0, count: 4000)
            ParallelParts.run(count: 4, workers: 2) { part, _ in
                for k in 0 ..< 1000 { out[part * 1000 + k] = Double(part * 1000 + k) }
            }
            for k in 0 ..< 4000 where out[k] != Double(k) { XCTFail("entry \(k): \(out[k])"); return }
        }
    }

    /// Trial runs alternate between blocks on the caller alone and on all workers; the helpers are
    /// kept only when they save at least 5%; the cycle restarts after the hold.
    func testTunerAlternatesThenKeepsTheFaster() {
        var tuner = WorkerTuner(workers: 2)
        func cycle(alone: Double, helped: Double) -> Int {
            for k in 0 ..< WorkerTuner.trialRuns {
                XCTAssertEqual(tuner.workers, (k / WorkerTuner.block) % 2 == 0 ? 1 : 2)
                // The settling runs are not timed: slow ones change nothing.
                let settling = k % WorkerTuner.block < WorkerTuner.settling
                tuner.record(seconds: (tuner.workers == 1 ? alone : helped) * (settling ? 10 : 1))
            }
            let choice = tuner.workers
            for _ in 0 ..< WorkerTuner.holdRuns {
                XCTAssertEqual(tuner.workers, choice)
                tuner.record(seconds: 1)
            }
            return choice
        }
        XCTAssertEqual(cycle(alone: 1.0, helped: 0.6), 2)
        XCTAssertEqual(cycle(alone: 1.0, helped: 0.97), 1)
        XCTAssertEqual(cycle(alone: 1.0, helped: 1.4), 1)
        XCTAssertEqual(cycle(alone: 1.0, helped: 0.9), 2)
        var single = WorkerTuner(workers: 1)
        for _ in 0 ..< 100 { XCTAssertEqual(single.workers, 1); single.record(seconds: 1) }
    }
}
