import Foundation

/// A nonlocal coupling `(K * m)(x_i) = sum_j h K(x_i - x_j) m_j` on a periodic grid (circular
/// convolution, the displacement taken in `[-L/2, L/2)`), computed with FFTW in O(n log n).
/// The kernel's transform and the FFT plans are made once per grid and reused.
public final class NonlocalCoupling {
    public let count: Int
    let h: Double
    let fft: RealFFT
    /// `h * DFT(K sampled at the circular displacements) / n`: multiply, transform back, done.
    let kernelSpectrum: UnsafeMutablePointer<Double>
    /// `h K(d_j)` at the circular displacements `d_j`, for the Newton Jacobian.
    public let weights: [Double]

    public init(kernel: (Double) -> Double, grid: Grid1D) throws {
        guard grid.boundary == .periodic else {
            throw MFGError.invalidParameter(field: "nonlocal coupling", value: "on a \(grid.boundary.rawValue) domain",
                                            fix: "nonlocal (convolution) couplings need a periodic domain")
        }
        let n = grid.count, h = grid.spacing
        count = n
        self.h = h
        fft = RealFFT(count: n)
        var w = [Double](repeating: 0, count: n)
        for j in 0..<n {
            let d = Double(j < (n + 1) / 2 ? j : j - n) * h   // circular displacement of index j
            let v = kernel(d)
            guard v.isFinite else {
                throw MFGError.invalidParameter(field: "nonlocal kernel", value: "K(\(d)) = \(v)",
                                                fix: "the kernel must be finite at every displacement of the grid")
            }
            w[j] = h * v
        }
        weights = w
        for j in 0..<n { fft.real[j] = w[j] }
        fft.forward()
        kernelSpectrum = .allocate(capacity: 2 * (n / 2 + 1))
        for k in 0..<(2 * (n / 2 + 1)) { kernelSpectrum[k] = fft.spectrum[k] / Double(n) }
    }

    deinit { kernelSpectrum.deallocate() }

    /// `out[i] = (K * m)(x_i)`.
    public func apply(_ m: UnsafePointer<Double>, into out: UnsafeMutablePointer<Double>) {
        let n = count
        fft.real.update(from: m, count: n)
        fft.forward()
        let s = fft.spectrum, k = kernelSpectrum
        for j in 0...(n / 2) {
            let re = s[2 * j] * k[2 * j] - s[2 * j + 1] * k[2 * j + 1]
            let im = s[2 * j] * k[2 * j + 1] + s[2 * j + 1] * k[2 * j]
            s[2 * j] = re
            s[2 * j + 1] = im
        }
        fft.backward()
        out.update(from: fft.real, count: n)
    }

    /// The same sum computed directly in O(n^2) (for tests).
    public func applyDirect(_ m: [Double]) -> [Double] {
        let n = count
        return (0..<n).map { i in (0..<n).reduce(0.0) { $0 + weights[(i - $1 + n) % n] * m[$1] } }
    }
}

/// The 2D nonlocal coupling `(K * m)(x_i, y_j) = sum hx hy K(x_i - x_k, y_j - y_l) m_kl` on a torus
/// (circular displacements), with FFTW; plans and the kernel's transform made once per grid.
public final class NonlocalCoupling2D {
    public let nx: Int, ny: Int
    let fft: RealFFT2D
    let kernelSpectrum: UnsafeMutablePointer<Double>
    /// `hx hy K` at the circular displacements, `[nx][ny]` (for the direct sum in tests).
    public let weights: [Double]

    public init(kernel: (Double, Double) -> Double, nx: Int, ny: Int, hx: Double, hy: Double) throws {
        self.nx = nx
        self.ny = ny
        fft = RealFFT2D(n0: nx, n1: ny)
        var w = [Double](repeating: 0, count: nx * ny)
        for i in 0..<nx {
            let dx = Double(i < (nx + 1) / 2 ? i : i - nx) * hx
            for j in 0..<ny {
                let dy = Double(j < (ny + 1) / 2 ? j : j - ny) * hy
                let v = kernel(dx, dy)
                guard v.isFinite else {
                    throw MFGError.invalidParameter(field: "nonlocal kernel", value: "K(\(dx), \(dy)) = \(v)",
                                                    fix: "the kernel must be finite at every displacement of the grid")
                }
                w[i * ny + j] = hx * hy * v
            }
        }
        weights = w
        for k in 0..<(nx * ny) { fft.real[k] = w[k] }
        fft.forward()
        let count = 2 * fft.spectrumCount
        kernelSpectrum = .allocate(capacity: count)
        let scale = 1 / Double(nx * ny)
        for k in 0..<count { kernelSpectrum[k] = fft.spectrum[k] * scale }
    }

    deinit { kernelSpectrum.deallocate() }

    public func apply(_ m: UnsafePointer<Double>, into out: UnsafeMutablePointer<Double>) {
        fft.real.update(from: m, count: nx * ny)
        fft.forward()
        let s = fft.spectrum, k = kernelSpectrum
        for j in 0..<fft.spectrumCount {
            let re = s[2 * j] * k[2 * j] - s[2 * j + 1] * k[2 * j + 1]
            let im = s[2 * j] * k[2 * j + 1] + s[2 * j + 1] * k[2 * j]
            s[2 * j] = re
            s[2 * j + 1] = im
        }
        fft.backward()
        out.update(from: fft.real, count: nx * ny)
    }

    /// The same sum computed directly (O(N^2), for tests).
    public func applyDirect(_ m: [Double]) -> [Double] {
        var out = [Double](repeating: 0, count: nx * ny)
        for i in 0..<nx { for j in 0..<ny {
            var s = 0.0
            for k in 0..<nx { for l in 0..<ny {
                s += weights[((i - k + nx) % nx) * ny + (j - l + ny) % ny] * m[k * ny + l]
            } }
            out[i * ny + j] = s
        } }
        return out
    }
}
