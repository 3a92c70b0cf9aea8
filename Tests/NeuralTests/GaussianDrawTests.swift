import Neural
import Testing

@Suite struct GaussianDrawTests {
    /// 200000 draws: mean within 4 standard errors of 0 (sd 1/sqrt(n) = 0.0022), variance within
    /// 4 standard errors of 1 (sd sqrt(2/n) = 0.0032), and the same seed gives the same draws.
    @Test func normalDrawsHaveUnitMoments() {
        var rng = SeededGenerator(seed: 7)
        let n = 200_000
        var sum = 0.0, squares = 0.0
        for _ in 0 ..< n { let z = rng.normal(); sum += z; squares += z * z }
        let mean = sum / Double(n), variance = squares / Double(n) - mean * mean
        #expect(abs(mean) < 4 * 0.0023)
        #expect(abs(variance - 1) < 4 * 0.0032)
        var a = SeededGenerator(seed: 3), b = SeededGenerator(seed: 3)
        #expect((0 ..< 10).map { _ in a.normal() } == (0 ..< 10).map { _ in b.normal() })
    }
}
