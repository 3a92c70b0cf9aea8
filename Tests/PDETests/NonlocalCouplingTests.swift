import Foundation
import Testing
@testable import PDE

@Suite struct NonlocalCouplingTests {
    /// The FFT convolution equals the direct circular sum to round-off.
    @Test(arguments: [7, 64, 101, 256])
    func fftConvolutionMatchesDirectSum(n: Int) throws {
        let grid = try Grid1D(lower: 0, upper: 2, count: n, boundary: .periodic)
        // Not symmetric, so that a flipped convolution would be caught.
        let k = try NonlocalCoupling(kernel: { d in exp(-d * d / 0.1) * (1 + d) }, grid: grid)
        var random = SeededRandom(seed: UInt64(n))
        let m = (0..<n).map { _ in random.uniform(0, 2) }
        var out = [Double](repeating: 0, count: n)
        out.withUnsafeMutableBufferPointer { o in k.apply(m, into: o.baseAddress!) }
        let direct = k.applyDirect(m)
        let scale = direct.map(abs).max()!
        #expect(maxAbsDifference(out, direct) <= 1e-12 * scale, "n = \(n)")
    }

    @Test func nonPeriodicDomainIsRefused() throws {
        let grid = try Grid1D(lower: 0, upper: 1, count: 10, boundary: .reflecting)
        #expect(throws: MFGError.self) { _ = try NonlocalCoupling(kernel: { _ in 1 }, grid: grid) }
    }

    /// With a Gaussian kernel the solution converges under refinement (errors against the finest
    /// grid, compared at the coarse points, which the periodic grids share).
    @Test func gaussianKernelSolutionConverges() throws {
        var p = Catalogue.hopfCole()
        // A weak kernel (total weight 0.2), for which policy iteration converges.
        p.nonlocalKernel = { d in 0.2 * exp(-d * d / (2 * 0.01)) / (2 * Double.pi * 0.01).squareRoot() }
        // The residual's round-off floor at 1600 x 800 is about 5e-11; the errors measured are ~1e-2.
        let options = SolverOptions(tolerance: 1e-9)
        let fine = try MFGSolver.solve(.oneD(p), grid: GridSize(nx: 1600, nt: 800), options: options)
        let fineConverged = fine.converged
        #expect(fineConverged)
        var errors: [Double] = []
        for level in 0..<3 {
            let nx = 100 << level, nt = 50 << level
            let s = try MFGSolver.solve(.oneD(p), grid: GridSize(nx: nx, nt: nt), options: options)
            let converged = s.converged
            #expect(converged)
            let sx = 1600 / nx, st = 800 / nt
            var e = 0.0
            for n in 0...nt { for i in 0..<nx { e = max(e, abs(s.m[n * nx + i] - fine.m[(n * st) * 1600 + i * sx])) } }
            errors.append(e)
        }
        let orders = observedOrders(errors)
        print("nonlocal Gaussian kernel, max |m - m_1600|: \(errors), orders \(orders)")
        // Against a reference only 2-8 times finer, the observed order of a first-order scheme is
        // biased downwards at the last level (e_k - e_ref); 0.8 still separates it from no convergence.
        for o in orders { #expect(o >= 0.8) }
    }
}

@Suite struct NonlocalCoupling2DTests {
    @Test(arguments: [(8, 6), (9, 7)])
    func fftConvolutionMatchesDirectSum(nx: Int, ny: Int) throws {
        let k = try NonlocalCoupling2D(kernel: { dx, dy in exp(-(dx * dx + 2 * dy * dy) / 0.1) * (1 + dx - 0.5 * dy) },
                                       nx: nx, ny: ny, hx: 1 / Double(nx), hy: 1.5 / Double(ny))
        var random = SeededRandom(seed: UInt64(nx * ny))
        let m = (0..<(nx * ny)).map { _ in random.uniform(0, 2) }
        var out = [Double](repeating: 0, count: nx * ny)
        out.withUnsafeMutableBufferPointer { o in k.apply(m, into: o.baseAddress!) }
        let direct = k.applyDirect(m)
        #expect(maxAbsDifference(out, direct) <= 1e-12 * direct.map(abs).max()!)
    }

    /// A 2D problem constant in y with a kernel independent of dy (on y in [0, 1)) is the 1D
    /// nonlocal problem: the solutions agree.
    @Test func constantInYMatchesOneDimensionalNonlocal() throws {
        let kernel1: @Sendable (Double) -> Double = { d in 0.2 * exp(-d * d / 0.02) / (0.02 * Double.pi).squareRoot() }
        var oneD = Catalogue.hopfCole()
        oneD.nonlocalKernel = kernel1
        let twoD = MFGProblem2D(
            name: "nonlocal-in-2d", x: (0, 1), y: (0, 1), boundary: .periodic, horizon: oneD.horizon, viscosity: oneD.viscosity,
            coupling: { _, _, _, _, out, n in for k in 0..<n { out[k] = 0 } }, couplingUsesDensity: false,
            terminalCost: { x, _ in Catalogue.hopfColeTerminal(x) }, initialDensity: { x, _ in Catalogue.hopfColeInitial(x) })
        var p2 = twoD
        p2.nonlocalKernel = { dx, _ in kernel1(dx) }
        let a = try MFGSolver.solve(.oneD(oneD), grid: GridSize(nx: 40, nt: 20), options: SolverOptions(tolerance: 1e-11))
        let b = try MFGSolver.solve(.twoD(p2), grid: GridSize(nx: 40, ny: 4, nt: 20), options: SolverOptions(tolerance: 1e-10))
        var dm = 0.0, du = 0.0
        for n in 0...20 { for i in 0..<40 { for j in 0..<4 {
            dm = max(dm, abs(b.m[(n * 40 + i) * 4 + j] - a.m[n * 40 + i]))
            du = max(du, abs(b.u[(n * 40 + i) * 4 + j] - a.u[n * 40 + i]))
        } } }
        #expect(dm <= 1e-8 && du <= 1e-8, "max |m2D - m1D| = \(dm), |u2D - u1D| = \(du)")
    }
}
