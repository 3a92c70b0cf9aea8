import Foundation
import Neural

/// One test function of the weak Fokker-Planck residual at one point, with the derivatives the
/// generator (in x) and the adversary (in the frequencies and phases) need:
///
///     phi(x) = prod_a cos(theta_a),  theta_a = omega_a (x_a - l_a) + beta_a
///     L phi  = a . grad phi + nu Lap phi = sum_a A_a g_a - nu |omega|^2 phi,   g_a = d_a phi = -omega_a sin(theta_a) P_a
///
/// with `P_a = prod_{b != a} cos(theta_b)`. In 1D the second axis has `omega = beta = 0`, `x = l`,
/// `A = 0`, which reduces every formula to the 1D one. ``terms(omega:beta:xi:control:jacobian:viscosity:)``
/// gives
///
///     grad_b (L phi) = sum_a J_ab g_a + sum_a A_a d_b g_a - nu |omega|^2 g_b,
///     d_b g_a = -omega_a^2 phi (a = b),  omega_a omega_b sin(theta_a) sin(theta_b) (a != b),
///     d phi / d theta_c = -sin(theta_c) P_c,   d g_a / d theta_c = -omega_a phi (a = c), omega_a sin(theta_a) sin(theta_c) (a != c),
///     d (L phi) / d omega_c = xi_c d(L phi)/d theta_c - A_c sin(theta_c) P_c - 2 nu omega_c phi,
///
/// `xi = x - l`, and `d/d beta_c = d/d theta_c`.
struct TestFunctionTerms {
    var phi = 0.0, generator = 0.0
    var gradPhi = SIMD2<Double>(0, 0), gradGenerator = SIMD2<Double>(0, 0)
    var phiByTheta = SIMD2<Double>(0, 0), generatorByTheta = SIMD2<Double>(0, 0)
    var phiByOmega = SIMD2<Double>(0, 0), generatorByOmega = SIMD2<Double>(0, 0)

    init() {}

    @inline(__always)
    init(omega w: SIMD2<Double>, beta: SIMD2<Double>, xi: SIMD2<Double>, control A: SIMD2<Double>,
         jacobian J: (SIMD2<Double>, SIMD2<Double>), viscosity nu: Double) {
        let theta = w * xi + beta
        let c = SIMD2(cos(theta.x), cos(theta.y)), s = SIMD2(sin(theta.x), sin(theta.y))
        let P = SIMD2(c.y, c.x)
        phi = c.x * c.y
        let W = (w * w).sum()
        let g = -w * s * P
        gradPhi = g
        generator = (A * g).sum() - nu * W * phi
        // d_b g_a as a 2x2 matrix: rows a, columns b.
        let dg0 = SIMD2(-w.x * w.x * phi, w.x * w.y * s.x * s.y)
        let dg1 = SIMD2(w.x * w.y * s.x * s.y, -w.y * w.y * phi)
        // sum_a J_ab g_a: J.0 = d a_x / d(x, y), J.1 = d a_y / d(x, y)
        gradGenerator = J.0 * g.x + J.1 * g.y + A.x * dg0 + A.y * dg1 - nu * W * g
        phiByTheta = -s * P
        // d g_a / d theta_c, column c: for c = x: (-w.x phi, w.y s.y s.x); for c = y: (w.x s.x s.y, -w.y phi)
        let byThetaX = A.x * (-w.x * phi) + A.y * (w.y * s.y * s.x)
        let byThetaY = A.x * (w.x * s.x * s.y) + A.y * (-w.y * phi)
        generatorByTheta = SIMD2(byThetaX, byThetaY) - nu * W * phiByTheta
        phiByOmega = xi * phiByTheta
        generatorByOmega = xi * generatorByTheta - A * s * P - 2 * nu * w * phi
    }
}

/// The adversary's test functions: continuous mode numbers `kappa_{j,a}` moved by gradient ascent
/// on the squared residual; the function in use has the nearest admissible frequency
/// `omega_{j,a} = round(kappa_{j,a}) unit_a` (a straight-through estimator: the gradient at the
/// rounded frequency moves the continuous mode).
///
/// - Walls: `unit_a = pi / L_a` and `beta = 0`: the Neumann eigenfunctions
///   `prod_a cos(k_a pi (x_a - l_a) / L_a)`, whose normal derivative vanishes on the walls, so the
///   weak form of the no-flux problem `d/dt <phi, m> = <a . grad phi + nu Lap phi, m>` holds with no
///   boundary term (with zero flux `(a m - nu grad m) . n = 0`, integrating by parts leaves only
///   `nu int_boundary m d_n phi`, which is zero for these phi). They are a complete basis of the
///   Neumann problem, so matching them all identifies the law.
/// - Torus: `unit = 2 pi / L` and the phases `beta` are learnt too (plane waves, no boundary).
/// - Obstacles (inactive cells of 2D grids) are not seen by the test functions: their no-flux
///   boundaries add a term the residual does not model.
///
/// With `lowModes`, the first ``fixedCount`` functions are the lowest modes, never moved by the
/// adversary: per axis `a` the modes `k e_a`, `k = 1, 2` (in 2D also `(1, 1)`), with phase 0 at
/// walls and phases `0` and `pi / 2` (cos and sin) on a torus. To second order in the spread of
/// the law they carry its mean (`k = 1`: `cos(pi xi / L)` is monotone on `[0, L]`) and its variance
/// (`k = 2`), which an adversary started at random modes may leave untested for the whole training
/// (the seed dependence of the Ornstein-Uhlenbeck test); the `count` adversarial functions come after.
struct TestFunctionSet {
    /// All functions: the fixed low modes, then the adversarial ones.
    let count: Int
    /// The number of fixed low modes (the first functions).
    let fixedCount: Int
    let dimension: Int
    let unit: SIMD2<Double>
    let maxMode: Int
    let learnsPhase: Bool
    /// `kappa` then `beta`, `[count, 2]` each (second axis unused in 1D), as Adam's flat parameters.
    var parameters: [Float]

    /// The fixed low modes and their phases (``TestFunctionSet``).
    static func lowModes(dimension: Int, periodic: Bool) -> [(mode: SIMD2<Double>, phase: SIMD2<Double>)] {
        var modes: [SIMD2<Double>] = []
        for k in 1 ... 2 { for a in 0 ..< dimension { modes.append(a == 0 ? SIMD2(Double(k), 0) : SIMD2(0, Double(k))) } }
        if dimension == 2 { modes.append(SIMD2(1, 1)) }
        guard periodic else { return modes.map { ($0, SIMD2(0, 0)) } }
        let quarter = Double.pi / 2
        return modes.flatMap { m -> [(mode: SIMD2<Double>, phase: SIMD2<Double>)] in
            if m.x > 0 && m.y > 0 {
                // cos cos, sin sin, sin cos, cos sin: the four products of the 1D pairs
                return [(m, SIMD2(0, 0)), (m, SIMD2(quarter, quarter)), (m, SIMD2(quarter, 0)), (m, SIMD2(0, quarter))]
            }
            return [(m, SIMD2(0, 0)), (m, m.x > 0 ? SIMD2(quarter, 0) : SIMD2(0, quarter))]
        }
    }

    init(count adversarial: Int, grid: DensityGrid, maxMode: Int, lowModes: Bool = false,
         generator: inout SeededGenerator) {
        dimension = grid.dimension
        let fixed = lowModes ? Self.lowModes(dimension: dimension, periodic: grid.periodic) : []
        fixedCount = fixed.count
        count = fixed.count + adversarial
        self.maxMode = maxMode
        learnsPhase = grid.periodic
        let factor = grid.periodic ? 2 * Double.pi : Double.pi
        let lengths = zip(grid.lower, grid.upper).map { $1 - $0 }
        unit = SIMD2(factor / lengths[0], dimension == 2 ? factor / lengths[1] : 0)
        parameters = [Float](repeating: 0, count: 4 * count)
        for (j, f) in fixed.enumerated() {
            for a in 0 ..< 2 {
                parameters[2 * j + a] = Float(f.mode[a])
                parameters[2 * count + 2 * j + a] = Float(f.phase[a])
            }
        }
        let half = max(maxMode / 2, 1)
        for j in fixedCount ..< count {
            repeat {
                for a in 0 ..< dimension {
                    parameters[2 * j + a] = Float(dimension == 1 ? 1 + generator.index(below: half)
                                                                 : generator.index(below: half + 1))
                }
            } while mode(j) == SIMD2(0, 0)
            if learnsPhase { parameters[2 * count + 2 * j] = Float(2 * Double.pi * generator.unit()) }
        }
    }

    /// Whether flat parameter `q` is moved by the adversary: the modes and (on a torus) the phases
    /// of the adversarial functions.
    @inline(__always) func isLearnt(_ q: Int) -> Bool {
        let j = (q % (2 * count)) / 2
        return j >= fixedCount && (q < 2 * count || learnsPhase)
    }

    /// The weight `(1 + |k|^2)^(-s)` of function j's squared residual, `k` its mode numbers.
    @inline(__always) func weight(_ j: Int, exponent s: Double) -> Double {
        s == 0 ? 1 : pow(1 + (mode(j) * mode(j)).sum(), -s)
    }

    /// The rounded mode numbers of function j.
    @inline(__always) func mode(_ j: Int) -> SIMD2<Double> {
        SIMD2(Double(parameters[2 * j]).rounded(), dimension == 2 ? Double(parameters[2 * j + 1]).rounded() : 0)
    }

    @inline(__always) func omega(_ j: Int) -> SIMD2<Double> { mode(j) * unit }

    @inline(__always) func beta(_ j: Int) -> SIMD2<Double> {
        SIMD2(Double(parameters[2 * count + 2 * j]), dimension == 2 ? Double(parameters[2 * count + 2 * j + 1]) : 0)
    }

    /// Keeps the modes in `[0, maxMode]` and away from the constant function (mode 0 on every axis).
    mutating func project() {
        let top = Float(maxMode) + 0.49
        for j in fixedCount ..< count {
            for a in 0 ..< dimension { parameters[2 * j + a] = min(max(parameters[2 * j + a], 0), top) }
            if mode(j) == SIMD2(0, 0) { parameters[2 * j] = 1 }
        }
    }
}
