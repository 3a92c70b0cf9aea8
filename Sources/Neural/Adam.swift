import Foundation

/// The Adam optimiser (Kingma & Ba 2015), with bias-corrected moment estimates.
///
/// Each ``step(_:)`` updates, for every parameter `θ` with gradient `g`,
///
///     m ← β₁ m + (1 − β₁) g
///     v ← β₂ v + (1 − β₂) g²
///     θ ← θ − α m̂ / (√v̂ + ε),   m̂ = m / (1 − β₁ᵗ),  v̂ = v / (1 − β₂ᵗ)
///
/// where `t` counts the steps since creation or ``reset()`` (the form used by PyTorch's
/// `torch.optim.Adam`). The moments are preallocated, and the update is one vectorisable loop
/// over the model's contiguous ``MLP/parameters``.
public final class Adam {
    /// The step size `α`; may be changed between steps (e.g. for a schedule).
    public var learningRate: Float
    public let beta1: Float
    public let beta2: Float
    public let epsilon: Float
    /// The number of steps taken since creation or the last ``reset()``.
    public private(set) var stepCount = 0

    private var m: [Float]
    private var v: [Float]

    /// Creates an optimiser for a model with `parameterCount` parameters, moments zero.
    public init(parameterCount: Int, learningRate: Float = 1e-3, beta1: Float = 0.9,
                beta2: Float = 0.999, epsilon: Float = 1e-8)
    {
        precondition(parameterCount >= 0)
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        m = [Float](repeating: 0, count: parameterCount)
        v = [Float](repeating: 0, count: parameterCount)
    }

    /// One Adam step on `model.parameters` from `model.gradients`.
    ///
    /// - Precondition: `model.parameterCount` equals this optimiser's parameter count.
    public func step(_ model: MLP) {
        precondition(model.parameters.count == m.count && model.gradients.count == m.count,
                     "Adam for \(m.count) parameters stepped on a model with \(model.parameters.count)")
        model.gradients.withUnsafeBufferPointer { g in
            model.parameters.withUnsafeMutableBufferPointer { p in update(p, from: g) }
        }
    }

    /// One Adam step on any flat parameter array (e.g. the frequencies of adversarial test
    /// functions), with the same arithmetic as ``step(_:)``.
    ///
    /// - Precondition: both arrays have this optimiser's parameter count.
    public func step(parameters: inout [Float], gradients: [Float]) {
        precondition(parameters.count == m.count && gradients.count == m.count,
                     "Adam for \(m.count) parameters stepped on \(parameters.count) parameters")
        gradients.withUnsafeBufferPointer { g in
            parameters.withUnsafeMutableBufferPointer { p in update(p, from: g) }
        }
    }

    private func update(_ p: UnsafeMutableBufferPointer<Float>, from g: UnsafeBufferPointer<Float>) {
        stepCount += 1
        // Bias corrections in Double: β₂ᵗ is close to 1 for thousands of steps.
        let t = Double(stepCount)
        let correction1 = 1 - pow(Double(beta1), t)
        let correction2 = 1 - pow(Double(beta2), t)
        let stepSize = Float(Double(learningRate) / correction1)
        let inverseRoot2 = Float(1 / correction2.squareRoot())
        let b1 = beta1, b2 = beta2, c1 = 1 - beta1, c2 = 1 - beta2, eps = epsilon
        let count = m.count
        m.withUnsafeMutableBufferPointer { m in
            v.withUnsafeMutableBufferPointer { v in
                guard let g = g.baseAddress, let p = p.baseAddress,
                      let m = m.baseAddress, let v = v.baseAddress else { return }
                // Explicit SIMD: the scalar loop is not vectorised (possible aliasing,
                // and a branch around the square root).
                typealias Vector = SIMD8<Float>
                let width = Vector.scalarCount
                let floatSize = MemoryLayout<Float>.stride
                let rg = UnsafeRawPointer(g), rp = UnsafeMutableRawPointer(p)
                let rm = UnsafeMutableRawPointer(m), rv = UnsafeMutableRawPointer(v)
                let vb1 = Vector(repeating: b1), vb2 = Vector(repeating: b2)
                let vc1 = Vector(repeating: c1), vc2 = Vector(repeating: c2)
                let vStep = Vector(repeating: stepSize), vRoot = Vector(repeating: inverseRoot2)
                let vEps = Vector(repeating: eps)
                var i = 0
                while i + width <= count {
                    let o = i * floatSize
                    let gi = rg.loadUnaligned(fromByteOffset: o, as: Vector.self)
                    let mi = vb1 * rm.loadUnaligned(fromByteOffset: o, as: Vector.self) + vc1 * gi
                    let vi = vb2 * rv.loadUnaligned(fromByteOffset: o, as: Vector.self) + vc2 * gi * gi
                    rm.storeBytes(of: mi, toByteOffset: o, as: Vector.self)
                    rv.storeBytes(of: vi, toByteOffset: o, as: Vector.self)
                    let pi = rp.loadUnaligned(fromByteOffset: o, as: Vector.self)
                    rp.storeBytes(of: pi - vStep * mi / (vi.squareRoot() * vRoot + vEps),
                                  toByteOffset: o, as: Vector.self)
                    i += width
                }
                while i < count {
                    let gi = g[i]
                    let mi = b1 * m[i] + c1 * gi
                    let vi = b2 * v[i] + c2 * gi * gi
                    m[i] = mi
                    v[i] = vi
                    p[i] -= stepSize * mi / (vi.squareRoot() * inverseRoot2 + eps)
                    i += 1
                }
            }
        }
    }

    /// Zeroes the moments and the step count, as for a fresh optimiser.
    public func reset() {
        stepCount = 0
        m.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
        v.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
    }
}
