import Foundation

/// The decoupled quadratic MFG on the torus `[lower, upper)` (notes 2c), `F = 0`, `H = |p|^2/2`,
/// solved exactly by the Hopf-Cole transform and FFTs:
/// `phi = exp(-u / (2 nu))` solves the backward heat equation from `exp(-G / (2 nu))`, `psi` the
/// forward heat equation from `m0 / phi(0)`; then `u = -2 nu log phi` and `m = phi psi`.
/// Spectrally accurate on a fine grid of `samples` points.
public struct HopfColeSolution: Sendable {
    public let x: [Double]
    public let times: [Double]
    /// `[times.count][x.count]`, row-major by time.
    public let u: [Double]
    public let m: [Double]

    public init(
        lower: Double, upper: Double, nu: Double, horizon: Double, samples: Int, times: [Double],
        terminalCost: (Double) -> Double, initialDensity: (Double) -> Double
    ) throws {
        guard nu > 0 else {
            throw MFGError.invalidParameter(field: "viscosity", value: "\(nu)", fix: "Hopf-Cole needs nu > 0")
        }
        let length = upper - lower
        let fft = RealFFT(count: samples)
        let xs = (0..<samples).map { lower + Double($0) * length / Double(samples) }
        let phiT = xs.map { Foundation.exp(-terminalCost($0) / (2 * nu)) }
        let phi0 = fft.heat(phiT, nu: nu, time: horizon, length: length)
        var m0 = xs.map(initialDensity)
        let mass = m0.reduce(0, +) * length / Double(samples)
        m0 = m0.map { $0 / mass }
        let psi0 = zip(m0, phi0).map { $0 / $1 }
        var u: [Double] = [], m: [Double] = []
        for t in times {
            let phi = fft.heat(phiT, nu: nu, time: horizon - t, length: length)
            let psi = fft.heat(psi0, nu: nu, time: t, length: length)
            u += phi.map { -2 * nu * Foundation.log($0) }
            m += zip(phi, psi).map { $0 * $1 }
        }
        self.x = xs
        self.times = times
        self.u = u
        self.m = m
    }
}
