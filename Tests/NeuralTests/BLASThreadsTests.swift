import CLapacke
import Dispatch
import Foundation
import Neural
import XCTest

/// `BLASThreads.set` while another thread is inside a threaded LAPACK call: the call finishes with
/// a correct factorisation. (When `set(1)` also stopped OpenBLAS's workers, a test suite's `init`
/// doing so beside another test's LU factorisation left `dgetrf_parallel` waiting for them forever.)
final class BLASThreadsTests: XCTestCase {
    func testChangingTheThreadCountDuringThreadedCallsIsSafe() throws {
        guard BLASThreads.isAvailable, let before = BLASThreads.current else { throw XCTSkip("not OpenBLAS") }
        BLASThreads.set(2)
        defer { BLASThreads.set(before) }
        // A random 300 x 300 matrix (column-major), factorised 200 times (3.6 GFLOP in all) on
        // a thread of its own while this one switches between one and two threads.
        let n = 300
        var rng = SeededGenerator(seed: 5)
        let a = (0 ..< n * n).map { _ in 2 * rng.unit() - 1 }
        final class Last: @unchecked Sendable { var lu: [Double] = [], pivots: [Int32] = [], status: Int32 = 0 }
        let last = Last(), finished = DispatchSemaphore(value: 0)
        let worker = Thread {
            for _ in 0 ..< 200 {
                var lu = a, pivots = [Int32](repeating: 0, count: n)
                last.status = max(last.status, LAPACKE_dgetrf(LAPACK_COL_MAJOR, Int32(n), Int32(n), &lu, Int32(n), &pivots))
                (last.lu, last.pivots) = (lu, pivots)
            }
            finished.signal()
        }
        worker.start()
        var switches = 0
        let deadline = Date().addingTimeInterval(60)
        while finished.wait(timeout: .now() + .microseconds(200)) == .timedOut {
            BLASThreads.set(1 + switches % 2)
            switches += 1
            guard Date() < deadline else { return XCTFail("200 LU factorisations did not finish within 60 s") }
        }
        XCTAssertEqual(last.status, 0)
        XCTAssertGreaterThan(switches, 10)
        // P A = L U, to rounding: max |(P A - L U)_ij| <= 1e-10 (entries of A are at most 1; the
        // growth of partial pivoting on random matrices is small, and n ε ≈ 7e-14).
        var pa = a
        for (i, p) in last.pivots.enumerated() where Int(p) - 1 != i {
            for j in 0 ..< n { pa.swapAt(j * n + i, j * n + Int(p) - 1) }
        }
        var worst = 0.0
        for j in 0 ..< n {
            for i in 0 ..< n {
                var sum = 0.0
                for k in 0 ... min(i, j) { sum += (k == i ? 1 : last.lu[k * n + i]) * last.lu[j * n + k] }
                worst = max(worst, abs(pa[j * n + i] - sum))
            }
        }
        XCTAssertLessThan(worst, 1e-10)
    }
}
