import Foundation
import Neural

/// A plain Double implementation of the MLP forward pass, for checking the Float/BLAS one.
/// Parameter layout as documented on `MLP`: per layer W [out, in] row-major, then b [out].
func referenceForward(layerSizes: [Int], parameters: [Double], input: [Double], batch: Int,
                      tanhHidden: Bool = false) -> [Double] {
    var x = input
    var offset = 0
    for l in 0 ..< layerSizes.count - 1 {
        let n = layerSizes[l], m = layerSizes[l + 1]
        var y = [Double](repeating: 0, count: batch * m)
        for r in 0 ..< batch {
            for i in 0 ..< m {
                var sum = parameters[offset + n * m + i]
                for j in 0 ..< n { sum += parameters[offset + i * n + j] * x[r * n + j] }
                y[r * m + i] = l < layerSizes.count - 2 ? (tanhHidden ? tanh(sum) : max(sum, 0)) : sum
            }
        }
        offset += (n + 1) * m
        x = y
    }
    return x
}

/// Uniform Floats in [-scale, scale) from a seeded generator.
func randomFloats(_ count: Int, seed: UInt64, scale: Float = 1) -> [Float] {
    var rng = SeededGenerator(seed: seed)
    return (0 ..< count).map { _ in Float(2 * rng.unit() - 1) * scale }
}
