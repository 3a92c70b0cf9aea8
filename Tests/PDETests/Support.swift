import Foundation
@testable import PDE

/// Deterministic pseudo-random numbers for tests (SplitMix64).
struct SeededRandom {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> Double {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        z ^= z >> 31
        return Double(z >> 11) / Double(1 << 53)
    }
    mutating func uniform(_ a: Double, _ b: Double) -> Double { a + (b - a) * next() }
}

/// Observed orders `log2(e_k / e_{k+1})` of a sequence of errors on grids refined by 2.
func observedOrders(_ errors: [Double]) -> [Double] {
    zip(errors, errors.dropFirst()).map { log2($0 / $1) }
}

func maxAbsDifference(_ a: [Double], _ b: [Double]) -> Double {
    zip(a, b).reduce(0) { max($0, abs($1.0 - $1.1)) }
}

/// A congestion problem on the torus small enough for every solver, including the fixed point.
func smallCongestionProblem(boundary: Boundary = .periodic) throws -> MFGProblem {
    var p = try Catalogue.congestionLST()
    p.boundary = boundary
    p.viscosity = 0.1
    p.horizon = 0.5
    return p
}
