import CFFTW

/// Thread-safe FFTW planning, set up once (FFTW's planner is not thread-safe; tests run in parallel).
enum FFTWSetup {
    static let ready: Bool = {
        fftw_make_planner_thread_safe()
        return true
    }()
}

/// A real-to-complex / complex-to-real 1D transform of fixed size, owning its FFTW buffers and
/// plans (FFTW plans keep raw pointers, so buffers and plans live and die together).
/// The only place the PDE layer calls FFTW.
public final class RealFFT {
    public let count: Int
    /// Real samples, `count` of them.
    public let real: UnsafeMutablePointer<Double>
    /// Complex coefficients `k = 0 ... count/2`, interleaved (re, im).
    public let spectrum: UnsafeMutablePointer<Double>
    private let forwardPlan: fftw_plan
    private let backwardPlan: fftw_plan

    public init(count: Int) {
        precondition(count >= 2)
        _ = FFTWSetup.ready
        self.count = count
        real = fftw_alloc_real(count)!
        let complex = fftw_alloc_complex(count / 2 + 1)!
        spectrum = UnsafeMutableRawPointer(complex).assumingMemoryBound(to: Double.self)
        forwardPlan = fftw_plan_dft_r2c_1d(Int32(count), real, complex, UInt32(FFTW_ESTIMATE))!
        backwardPlan = fftw_plan_dft_c2r_1d(Int32(count), complex, real, UInt32(FFTW_ESTIMATE))!
    }

    deinit {
        fftw_destroy_plan(forwardPlan)
        fftw_destroy_plan(backwardPlan)
        fftw_free(real)
        fftw_free(spectrum)
    }

    /// `spectrum = DFT(real)` (unnormalised).
    public func forward() { fftw_execute(forwardPlan) }
    /// `real = inverse DFT(spectrum) * count` (unnormalised; destroys `spectrum`).
    public func backward() { fftw_execute(backwardPlan) }

    /// Applies the heat semigroup `exp(s nu d^2/dx^2)` on a periodic domain of length `length` to
    /// `values` (sampled at `x_j = lower + j length / count`).
    public func heat(_ values: [Double], nu: Double, time s: Double, length: Double) -> [Double] {
        precondition(values.count == count)
        for j in 0..<count { real[j] = values[j] }
        forward()
        for k in 0...(count / 2) {
            let wave = 2 * Double.pi * Double(k) / length
            let factor = Foundation.exp(-nu * wave * wave * s) / Double(count)
            spectrum[2 * k] *= factor
            spectrum[2 * k + 1] *= factor
        }
        backward()
        return Array(UnsafeBufferPointer(start: real, count: count))
    }
}

import Foundation

/// A 2D real-to-complex / complex-to-real transform on a row-major `[n0][n1]` array, owning its
/// FFTW buffers and plans.
public final class RealFFT2D {
    public let n0: Int, n1: Int
    public let real: UnsafeMutablePointer<Double>
    /// `n0 * (n1/2 + 1)` complex coefficients, interleaved.
    public let spectrum: UnsafeMutablePointer<Double>
    private let forwardPlan: fftw_plan
    private let backwardPlan: fftw_plan

    public init(n0: Int, n1: Int) {
        _ = FFTWSetup.ready
        self.n0 = n0
        self.n1 = n1
        real = fftw_alloc_real(n0 * n1)!
        let complex = fftw_alloc_complex(n0 * (n1 / 2 + 1))!
        spectrum = UnsafeMutableRawPointer(complex).assumingMemoryBound(to: Double.self)
        forwardPlan = fftw_plan_dft_r2c_2d(Int32(n0), Int32(n1), real, complex, UInt32(FFTW_ESTIMATE))!
        backwardPlan = fftw_plan_dft_c2r_2d(Int32(n0), Int32(n1), complex, real, UInt32(FFTW_ESTIMATE))!
    }

    deinit {
        fftw_destroy_plan(forwardPlan)
        fftw_destroy_plan(backwardPlan)
        fftw_free(real)
        fftw_free(spectrum)
    }

    public func forward() { fftw_execute(forwardPlan) }
    public func backward() { fftw_execute(backwardPlan) }
    public var spectrumCount: Int { n0 * (n1 / 2 + 1) }
}
