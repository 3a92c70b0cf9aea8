import Testing
import Plots

/// The ticks of a log axis: inside the axis, increasing, each label once, on every span from part of
/// a decade to fifteen (an Off-MMD run's exploitability.png once read 1e3, 1e3, 1e2, 1e2, 1e1).
@Suite struct LogTicksTests {
    @Test(arguments: [(0.0, 1.0), (1.0, 2.0), (1.0, 3.0), (0.3, 1.7), (-2.0, 0.0), (-15.0, -1.0), (-3.0, 3.0), (2.0, 2.5), (0.0, 40.0)])
    func ticksAreDistinctIncreasingAndInside(_ range: (Double, Double)) {
        let ticks = logTicks(range.0, range.1)
        #expect(ticks.count >= 2, "\(range): \(ticks)")
        #expect(Set(ticks.map(\.label)).count == ticks.count, "\(range): \(ticks.map(\.label))")
        #expect(zip(ticks, ticks.dropFirst()).allSatisfy { $0.position < $1.position })
        #expect(ticks.allSatisfy { $0.position >= range.0 - 1e-9 && $0.position <= range.1 + 1e-9 })
    }

    @Test func twoDecadesShowTheTwoAndFiveMultiples() {
        #expect(logTicks(1, 3).map(\.label) == ["1e1", "2e1", "5e1", "1e2", "2e2", "5e2", "1e3"])
        #expect(logTicks(-15, -1).map(\.label) == ["1e-15", "1e-10", "1e-5"])
    }
}
