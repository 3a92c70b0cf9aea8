import CKernels
import Foundation
import Neural
import XCTest

/// The bfloat16 products (`CKernels`, `MatmulPrecision.bfloat16`): the rounding, the kernels
/// against exact sums of the rounded products and against each other (bit for bit), and the
/// network's passes in bfloat16 against Double references.
final class BFloat16ProductTests: XCTestCase {
    /// The bfloat16 value of `x` as a Float: round to nearest even, subnormals to zero (what the
    /// C code documents), written independently with integer arithmetic on the bits.
    func rounded(_ x: Float) -> Float {
        if x.isNaN { return .nan }
        if x.isSubnormal || x == 0 { return x.sign == .minus ? -0.0 : 0 }
        let bits = x.bitPattern, low = bits & 0xFFFF, high = bits & 0xFFFF_0000
        let up = low > 0x8000 || (low == 0x8000 && (high >> 16) & 1 == 1)
        return Float(bitPattern: up ? high &+ 0x1_0000 : high)
    }

    /// Rounds `values` as one row through the C code and returns the bfloat16 values as Floats.
    func roundedByC(_ values: [Float]) -> [Float] {
        var words = [UInt32](repeating: 0, count: (values.count + 1) / 2)
        values.withUnsafeBufferPointer { v in
            words.withUnsafeMutableBufferPointer { cbf16_pairs_in_rows(v.baseAddress!, values.count, 1, Int32(values.count), $0.baseAddress!, 0, 0) }
        }
        return values.indices.map { k in
            let w = words[k / 2]
            return Float(bitPattern: k % 2 == 0 ? w << 16 : w & 0xFFFF_0000)
        }
    }

    /// Ties go to even, halves above round up, subnormals flush to signed zero, infinities stay,
    /// the largest Float rounds to infinity, NaN stays NaN.
    func testRoundingToNearestEven() {
        let u: Float = 1.0 / 128   // one unit in the last place of bfloat16 at 1 (7 stored bits)
        let cases: [(Float, Float)] = [
            (1 + u / 2, 1),                 // tie, 1 is even
            (1 + 3 * u / 2, 1 + 2 * u),     // tie, 1 + u is odd: up to 1 + 2u
            (1 + u / 2 + u / 64, 1 + u),    // above the tie
            (-(1 + u / 2 + u / 64), -(1 + u)),
            (Float.leastNormalMagnitude / 2, 0),
            (-Float.leastNormalMagnitude / 2, -0.0),
            (.infinity, .infinity), (-.infinity, -.infinity),
            (.greatestFiniteMagnitude, .infinity),
            (3.0, 3.0), (0.1, Float(bitPattern: 0x3DCD_0000)),
        ]
        let out = roundedByC(cases.map(\.0))
        for (k, c) in cases.enumerated() {
            XCTAssertEqual(out[k].bitPattern, c.1.bitPattern, "bfloat16(\(c.0)) = \(out[k]), expected \(c.1)")
            XCTAssertEqual(rounded(c.0).bitPattern, c.1.bitPattern, "the test's own rounding of \(c.0)")
        }
        XCTAssertTrue(roundedByC([.nan, 1])[0].isNaN)
        // 10,000 random bit patterns of normal numbers: the C rounding equals the test's.
        var rng = SeededGenerator(seed: 5)
        let values = (0 ..< 10_000).map { _ in Float(bitPattern: UInt32(truncatingIfNeeded: rng.next())) }.filter { !$0.isNaN }
        let c = roundedByC(values)
        for k in values.indices { XCTAssertEqual(c[k].bitPattern, rounded(values[k]).bitPattern, "\(values[k])") }
    }

    /// Random A [M, K] and B [K, N] with magnitudes spread over six decades.
    func operands(_ M: Int, _ N: Int, _ K: Int, seed: UInt64) -> (a: [Float], b: [Float]) {
        var rng = SeededGenerator(seed: seed)
        func value() -> Float { Float((2 * rng.unit() - 1) * pow(10, 3 * rng.unit() - 3)) }
        return ((0 ..< M * K).map { _ in value() }, (0 ..< K * N).map { _ in value() })
    }

    /// C = A B through the C API with kernel `kernel`: A paired in rows, B across rows.
    func product(_ a: [Float], _ b: [Float], _ M: Int, _ N: Int, _ K: Int, kernel: Int32) -> [Float] {
        let P = (K + 1) / 2
        var wa = [UInt32](repeating: 0, count: M * P), wb = [UInt32](repeating: 0, count: P * N), c = [Float](repeating: 0, count: M * N)
        XCTAssertEqual(cbf16_set_kernel(kernel), kernel, "kernel \(kernel) not available")
        a.withUnsafeBufferPointer { cbf16_pairs_in_rows($0.baseAddress!, K, Int32(M), Int32(K), &wa, P, 0) }
        b.withUnsafeBufferPointer { cbf16_pairs_across_rows($0.baseAddress!, N, Int32(K), Int32(N), &wb, N) }
        cbf16_gemm(Int32(M), Int32(N), Int32(P), wa, P, 1, wb, N, &c, N)
        return c
    }

    /// Every kernel the CPU has gives the same bits as the portable one, over shapes that cover
    /// full blocks, row and column tails and odd K; and each result is within float32 summation
    /// error of the exact sum of the rounded products: |c - s| <= 2K 2^-24 sum |a b| (the bound
    /// gamma_{2K} of 2K sequential roundings; the products are exact).
    func testKernelsAgreeBitForBitAndWithExactSums() {
        let best = cbf16_set_kernel(2)
        defer { cbf16_set_kernel(best) }
        for (M, N, K) in [(13, 130, 129), (6, 64, 128), (1, 1, 1), (7, 17, 3), (25, 5, 64)] {
            let (a, b) = operands(M, N, K, seed: UInt64(M * 1000 + N))
            let portable = product(a, b, M, N, K, kernel: 0)
            for kernel in stride(from: 1, through: best, by: 1) {
                let c = product(a, b, M, N, K, kernel: kernel)
                XCTAssertEqual(c.map(\.bitPattern), portable.map(\.bitPattern), "kernel \(kernel), \(M)x\(N)x\(K)")
            }
            for i in 0 ..< M {
                for n in 0 ..< N {
                    var exact = 0.0, magnitude = 0.0
                    for k in 0 ..< K {
                        let t = Double(rounded(a[i * K + k])) * Double(rounded(b[k * N + n]))
                        exact += t
                        magnitude += abs(t)
                    }
                    XCTAssertEqual(Double(portable[i * N + n]), exact, accuracy: 2 * Double(K) * 0x1p-24 * magnitude, "(\(i), \(n))")
                }
            }
        }
        print("bfloat16 kernel on this CPU: \(best) (2: AVX512-BF16, 1: AVX2 FMA, 0: portable)")
    }

    /// Sums that fall below 2^-126 are flushed to zero by every kernel, as by VDPBF16PS: operands
    /// around 1e-19 (products around 1e-38 and below, partial sums crossing the subnormal range)
    /// give the same bits with each kernel, and no output is subnormal.
    func testKernelsFlushSubnormalSumsAlike() {
        let best = cbf16_set_kernel(2)
        defer { cbf16_set_kernel(best) }
        for (M, N, K) in [(7, 37, 65), (13, 130, 128)] {
            var (a, b) = operands(M, N, K, seed: UInt64(N))
            a = a.map { $0 * 1e-19 }
            b = b.map { $0 * 1e-18 }
            let portable = product(a, b, M, N, K, kernel: 0)
            XCTAssertFalse(portable.contains { $0.isSubnormal }, "a subnormal output")
            XCTAssertGreaterThan(portable.filter { $0 == 0 }.count, 0, "no sum was flushed: the test misses its range")
            XCTAssertGreaterThan(portable.filter { $0 != 0 }.count, 0)
            for kernel in stride(from: 1, through: best, by: 1) {
                XCTAssertEqual(product(a, b, M, N, K, kernel: kernel).map(\.bitPattern), portable.map(\.bitPattern), "kernel \(kernel), \(M)x\(N)x\(K)")
            }
        }
    }

    /// Every kernel computes, for each output, fused multiply-adds pair by pair (the high half, k =
    /// 2p + 1, first), each sum flushed to zero below 2^-126, as VDPBF16PS does: bit for bit against
    /// that sequence written here with `Float.addingProduct`. The operands put the portable kernel
    /// on both of its paths: ordinary rows, a row whose products underflow (about 1e-39, below
    /// 2^-126), a row whose positive products overflow in one column (up to 1e41), and a row of zeros
    /// beside finite operands (as ReLU outputs), with an odd K (a padded last pair).
    func testKernelsAreFusedMultiplyAddsInOrder() {
        let best = cbf16_set_kernel(2)
        defer { cbf16_set_kernel(best) }
        let (M, N, K) = (9, 37, 21)
        var (a, b) = operands(M, N, K, seed: 77)
        for k in 0 ..< K {
            a[2 * K + k] *= 1e-36
            a[5 * K + k] = abs(a[5 * K + k]) * 1e37
            a[7 * K + k] = k % 3 == 0 ? 0 : a[7 * K + k]
            b[k * N + 3] = abs(b[k * N + 3]) * 1e4
        }
        func flushed(_ v: Float) -> Float { abs(v) < .leastNormalMagnitude ? (v.sign == .minus ? -0.0 : 0) : v }
        var expected = [Float](repeating: 0, count: M * N)
        for i in 0 ..< M {
            for n in 0 ..< N {
                var sum: Float = 0
                for p in 0 ..< (K + 1) / 2 {
                    for k in [2 * p + 1, 2 * p] {
                        let x = k < K ? rounded(a[i * K + k]) : 0, y = k < K ? rounded(b[k * N + n]) : 0
                        sum = flushed(sum.addingProduct(x, y))
                    }
                }
                expected[i * N + n] = sum
            }
        }
        XCTAssertTrue(expected[5 * N + 3].isInfinite, "row 5 does not overflow: the test misses the slow path")
        XCTAssertTrue((0 ..< N).contains { expected[2 * N + $0] == 0 }, "row 2 has no sum below 2^-126")
        for kernel in stride(from: 0, through: best, by: 1) {
            let c = product(a, b, M, N, K, kernel: kernel)
            for i in 0 ..< M {
                XCTAssertEqual(c[i * N ..< (i + 1) * N].map(\.bitPattern), expected[i * N ..< (i + 1) * N].map(\.bitPattern),
                               "kernel \(kernel), row \(i)")
            }
        }
    }

    /// A network in bfloat16, its dense passes (with the input gradient) and its sparse ones: the
    /// same bits with every kernel.
    func testNetworkPassesAreTheSameWithEveryKernel() {
        let best = cbf16_set_kernel(2)
        defer { cbf16_set_kernel(best) }
        let sizes = [9, 37, 70, 5], batch = 13
        let net = MLP(layerSizes: sizes, seed: 3)
        net.matmulPrecision = .bfloat16
        net.parameters = randomFloats(net.parameterCount, seed: 4, scale: 0.5)
        let x = randomFloats(batch * sizes[0], seed: 5), dy = randomFloats(batch * sizes.last!, seed: 6)
        // Sparse rows: three entries each (two one-hot columns and a value in the last one).
        let columns = (0 ..< batch).flatMap { r -> [Int32] in [Int32(r % 4), Int32(4 + r % 4), 8] }
        let values = (0 ..< batch).flatMap { r -> [Float] in [Float(1), 1, Float(r) / Float(batch)] }
        func passes() -> [UInt32] {
            let ws = net.makeWorkspace(maxBatch: batch)
            var dx = [Float](repeating: 0, count: batch * sizes[0])
            let y = x.withUnsafeBufferPointer { Array(UnsafeBufferPointer(start: net.forward($0.baseAddress!, batch: batch, workspace: ws), count: batch * 5)) }
            dy.withUnsafeBufferPointer { net.backward(outputGradient: $0.baseAddress!, batch: batch, workspace: ws, inputGradient: &dx) }
            let dense = y + net.gradients + dx
            let ys = Array(UnsafeBufferPointer(start: net.forward(columns: columns, values: values, nonzerosPerRow: 3, batch: batch, workspace: ws),
                                               count: batch * 5))
            dy.withUnsafeBufferPointer { net.backward(outputGradient: $0.baseAddress!, batch: batch, workspace: ws) }
            return (dense + ys + net.gradients).map(\.bitPattern)
        }
        cbf16_set_kernel(0)
        let portable = passes()
        for kernel in stride(from: 1, through: best, by: 1) {
            cbf16_set_kernel(kernel)
            XCTAssertEqual(passes(), portable, "kernel \(kernel)")
        }
    }

    /// The forward pass in bfloat16 equals a Double reference whose every product operand is
    /// rounded to bfloat16, to float32 summation error (1e-5 relative to the layer's scale),
    /// and differs from the float32 network by about bfloat16's precision (at most 2^-6 of the
    /// output scale, at least one output differing).
    func testForwardIsExactProductsOfRoundedOperands() {
        let sizes = [6, 40, 33, 4], batch = 7
        let net = MLP(layerSizes: sizes, seed: 8)
        net.parameters = randomFloats(net.parameterCount, seed: 9, scale: 0.6)
        let x = randomFloats(batch * sizes[0], seed: 10)
        let ws = net.makeWorkspace(maxBatch: batch)
        let float32 = x.withUnsafeBufferPointer { Array(UnsafeBufferPointer(start: net.forward($0.baseAddress!, batch: batch, workspace: ws), count: batch * 4)) }
        net.matmulPrecision = .bfloat16
        let bf16 = x.withUnsafeBufferPointer { Array(UnsafeBufferPointer(start: net.forward($0.baseAddress!, batch: batch, workspace: ws), count: batch * 4)) }

        // The reference: weights rounded; each layer's input rounded before its product (in Float,
        // as the network stores its activations), sums in Double.
        var input = x, offset = 0
        var reference: [Double] = []
        for l in 0 ..< sizes.count - 1 {
            let n = sizes[l], m = sizes[l + 1]
            var out = [Double](repeating: 0, count: batch * m)
            for r in 0 ..< batch {
                for i in 0 ..< m {
                    var sum = 0.0
                    for j in 0 ..< n { sum += Double(rounded(net.parameters[offset + i * n + j])) * Double(rounded(input[r * n + j])) }
                    // The bias is added in Float, after the float32 product.
                    let z = Float(sum) + net.parameters[offset + n * m + i]
                    out[r * m + i] = l < sizes.count - 2 ? Double(max(z, 0)) : Double(z)
                }
            }
            reference = out
            input = out.map { Float($0) }
            offset += (n + 1) * m
        }
        let scale = reference.map(abs).max()!
        XCTAssertGreaterThan(scale, 0.1)
        for k in reference.indices {
            XCTAssertEqual(Double(bf16[k]), reference[k], accuracy: 1e-5 * scale, "output \(k)")
            XCTAssertEqual(bf16[k], float32[k], accuracy: Float(0x1p-6 * scale), "output \(k) against float32")
        }
        XCTAssertNotEqual(bf16, float32, "the bfloat16 products changed nothing")
    }

    /// The gradient in bfloat16 against Double central differences of the exact network: each
    /// product's operands carry a relative error of at most 2^-9, so through the three layers the
    /// gradient stays within 3% of each entry plus 1% of the largest (the float32 check is 1e-3).
    func testBackwardMatchesCentralDifferencesToBFloat16Accuracy() {
        let sizes = [4, 24, 16, 3], batch = 6
        let net = MLP(layerSizes: sizes, seed: 12)
        net.matmulPrecision = .bfloat16
        net.parameters = randomFloats(net.parameterCount, seed: 5, scale: 0.8)
        let x = randomFloats(batch * sizes[0], seed: 6), t = randomFloats(batch * sizes.last!, seed: 7)
        let xd = x.map(Double.init), pd = net.parameters.map(Double.init)
        func loss(_ p: [Double]) -> Double {
            let y = referenceForward(layerSizes: sizes, parameters: p, input: xd, batch: batch)
            return zip(y, t).reduce(0) { $0 + 0.5 * ($1.0 - Double($1.1)) * ($1.0 - Double($1.1)) }
        }
        let ws = net.makeWorkspace(maxBatch: batch)
        let y = x.withUnsafeBufferPointer { net.forward($0.baseAddress!, batch: batch, workspace: ws) }
        let dy = (0 ..< t.count).map { y[$0] - t[$0] }
        dy.withUnsafeBufferPointer { net.backward(outputGradient: $0.baseAddress!, batch: batch, workspace: ws) }
        let h = 1e-6
        let numeric = (0 ..< pd.count).map { k -> Double in
            var plus = pd, minus = pd
            plus[k] += h
            minus[k] -= h
            return (loss(plus) - loss(minus)) / (2 * h)
        }
        let largest = numeric.map(abs).max()!
        XCTAssertGreaterThan(largest, 0.1)
        for k in pd.indices {
            XCTAssertEqual(Double(net.gradients[k]), numeric[k], accuracy: 0.03 * abs(numeric[k]) + 0.01 * largest, "parameter \(k)")
        }
    }

    /// The rounded weights follow every change of the parameters: an element set through the
    /// array, an Adam step, `copyParameters`. After each, the outputs equal those of a fresh
    /// bfloat16 network with the same parameters; threads sharing the network get the same.
    func testRoundedWeightsFollowTheParameters() {
        let sizes = [5, 32, 3], batch = 4
        let net = MLP(layerSizes: sizes, seed: 1)
        net.matmulPrecision = .bfloat16
        let x = randomFloats(batch * sizes[0], seed: 2)
        func outputs(_ n: MLP) -> [Float] {
            let ws = n.makeWorkspace(maxBatch: batch)
            return x.withUnsafeBufferPointer { Array(UnsafeBufferPointer(start: n.forward($0.baseAddress!, batch: batch, workspace: ws), count: batch * 3)) }
        }
        func fresh() -> [Float] {
            let n = MLP(layerSizes: sizes, parameters: net.parameters)
            n.matmulPrecision = .bfloat16
            return outputs(n)
        }
        let before = outputs(net)
        net.parameters[3] += 0.5
        XCTAssertEqual(outputs(net), fresh(), "after setting one weight")
        XCTAssertNotEqual(outputs(net), before)
        net.gradients = randomFloats(net.parameterCount, seed: 3)
        Adam(parameterCount: net.parameterCount, learningRate: 0.1).step(net)
        XCTAssertEqual(outputs(net), fresh(), "after an Adam step")
        net.copyParameters(from: MLP(layerSizes: sizes, seed: 9))
        XCTAssertEqual(outputs(net), fresh(), "after copyParameters")
        XCTAssertEqual(net.copy().matmulPrecision, .bfloat16, "a copy keeps the precision")
        // Four threads, each with its own workspace, on the network whose weights changed last.
        net.parameters[0] -= 0.25
        let expected = fresh()
        final class Runs: @unchecked Sendable {
            let net: MLP, x: [Float], batch: Int
            var results = [[Float]](repeating: [], count: 4)
            init(net: MLP, x: [Float], batch: Int) { (self.net, self.x, self.batch) = (net, x, batch) }
        }
        let runs = Runs(net: net, x: x, batch: batch)
        let lock = NSLock()
        DispatchQueue.concurrentPerform(iterations: 4) { k in
            let ws = runs.net.makeWorkspace(maxBatch: runs.batch)
            let out = runs.x.withUnsafeBufferPointer { runs.net.forward($0.baseAddress!, batch: runs.batch, workspace: ws) }
            let values = Array(UnsafeBufferPointer(start: out, count: runs.batch * runs.net.outputCount))
            lock.withLock { runs.results[k] = values }
        }
        let results = runs.results
        for k in 0 ..< 4 { XCTAssertEqual(results[k], expected, "thread \(k)") }
    }
}
