import Foundation
import XCTest
import Neural

/// Prints training-step timings; asserts nothing about time. The full benchmark (2000
/// minibatches of 512, BLAS threads 1 and 2) runs only with NEURAL_BENCH=1:
///
///     NEURAL_BENCH=1 swift test --filter NeuralTests.NeuralBenchmarkTests
final class NeuralBenchmarkTests: XCTestCase {
    func testBenchmarkRuns() {
        let result = NeuralBenchmark.trainingStep(batch: 64, minibatches: 20)
        XCTAssertEqual(result.minibatches, 20)
        XCTAssertTrue(result.totalSeconds > 0 && result.lastLoss.isFinite)
    }

    func testTrainingStepTimings() throws {
        try XCTSkipUnless(ProcessInfo.processInfo.environment["NEURAL_BENCH"] == "1",
                          "set NEURAL_BENCH=1 to run the timing benchmark")
        let original = BLASThreads.current
        defer { if let original { BLASThreads.set(original) } }
        for threads in [1, 2, 1, 2] {
            BLASThreads.set(threads)
            let r = NeuralBenchmark.trainingStep()
            print(String(format: "NeuralBenchmark %@ batch %d: BLAS threads %d: %.3f s per %d minibatches "
                             + "(%.3f ms each); loss %.4f -> %.4f",
                         "\(r.layerSizes)", r.batch, r.blasThreads ?? -1, r.totalSeconds, r.minibatches,
                         1e3 * r.secondsPerMinibatch, r.firstLoss, r.lastLoss))
        }
    }
}
