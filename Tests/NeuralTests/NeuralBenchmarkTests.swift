import Foundation
import XCTest
import Neural

/// The training step the benchmark times computes the loss it reports; timings are only checked to
/// be consistent. The full benchmark (2000 minibatches of 512, BLAS threads 1 and 2) runs only with
/// NEURAL_BENCH=1:
///
///     NEURAL_BENCH=1 swift test --filter NeuralTests.NeuralBenchmarkTests
final class NeuralBenchmarkTests: XCTestCase {
    /// The loss is the mean squared error of targets drawn uniformly on [-1, 1], independent of the
    /// inputs, so on rows it has not memorised no network does better than their variance 1/3. A
    /// minibatch's loss is a mean of 64 x 5 squared errors, with a standard deviation of about
    /// `sqrt(Var(y^2) / 320) = sqrt((1/5 - 1/9) / 320) = 0.017`: after 10 warm-up steps the first timed
    /// loss lies above `1/3 - 5 x 0.017 = 0.25`, and a He-initialised network's outputs add their mean
    /// square to 1/3 (measured 0.30 ... 0.36 over seeds 1-5), far below 0.6. Cycling its pool of 16
    /// minibatches, 200 steps memorise part of them, so the loss falls (seed 1: 0.335 -> 0.287). A
    /// wrong gradient, a loss of the wrong rows or an optimiser that does not step fails one of these.
    /// The run is deterministic: the same seed gives the same losses bit for bit, another seed others.
    func testLossIsTheTrainingsOwn() {
        let r = NeuralBenchmark.trainingStep(batch: 64, minibatches: 20)
        XCTAssertEqual(r.minibatches, 20)
        XCTAssertGreaterThan(r.totalSeconds, 0)
        XCTAssertEqual(r.secondsPerMinibatch * 20, r.totalSeconds, accuracy: 1e-12 * r.totalSeconds)
        for loss in [r.firstLoss, r.lastLoss] {
            XCTAssertGreaterThan(loss, 0.25)
            XCTAssertLessThan(loss, 0.6)
        }
        let again = NeuralBenchmark.trainingStep(batch: 64, minibatches: 20)
        XCTAssertEqual(again.firstLoss, r.firstLoss)
        XCTAssertEqual(again.lastLoss, r.lastLoss)
        XCTAssertNotEqual(NeuralBenchmark.trainingStep(batch: 64, minibatches: 20, seed: 2).firstLoss, r.firstLoss)
        let longer = NeuralBenchmark.trainingStep(batch: 64, minibatches: 200)
        XCTAssertEqual(longer.firstLoss, r.firstLoss)
        XCTAssertLessThan(longer.lastLoss, longer.firstLoss - 0.02)
    }
}
