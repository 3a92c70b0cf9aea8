import Foundation

/// The discrete 2D MFG system (the 1D scheme per axis): cells `p = i ny + j` with centres
/// `(x_i, y_j)` (`x_i = lowerX + (i + 1/2) hx` with walls; `lowerX + i hx` on a torus), time levels as
/// in 1D (HJB step n reads m^{n+1}). Each cell face is an interior face, a wall (a domain wall or an
/// obstacle: ghost = the cell itself, no flux) or an exit (ghost u = exit cost, ghost m = 0).
/// The FP step matrix is the transpose of the linearised HJB matrix, assembled transposed.
public final class DiscreteMFG2D {
    public let problem: MFGProblem2D
    public let nx: Int, ny: Int, nt: Int, count: Int
    public let hx: Double, hy: Double, dt: Double
    public let x: [Double], y: [Double]
    let xs, ys: UnsafeMutablePointer<Double>
    /// Active cells (false: inside an obstacle).
    public let active: [Bool]
    /// Neighbour of each cell in each direction: an index, `wall`, or `exit` (then `exitCost`).
    static let wall = -1, exit = -2
    let neighbour: UnsafeMutablePointer<Int>      // [direction * count + p]: west, east, south, north
    let exitCost: UnsafeMutablePointer<Double>
    /// Per row of A: the exit terms moved to the HJB right-hand side, and the row sum beyond 1/dt.
    let exitTerm, excess: UnsafeMutablePointer<Double>
    let tw, te, ts, tn: UnsafeMutablePointer<Double>
    public let u, m: UnsafeMutablePointer<Double>
    /// The policy (bx, cx, by, cy), contiguous: `4 nt count` values.
    let policy: UnsafeMutablePointer<Double>
    let bx, cx, by, cy, cost, weight: UnsafeMutablePointer<Double>
    let rhs, work: UnsafeMutablePointer<Double>
    let system: FivePointSystem
    let nonlocal: NonlocalCoupling2D?
    /// Mass that left through exits during step n -> n+1 (exact discrete accounting).
    public internal(set) var outflow: [Double]
    /// Relative tolerance `|b - A x|_2 / |b|_2` of the linear solves (set by the solver).
    var linearTolerance = 1e-13
    /// Stationary (ergodic) use: the `1/dt` of the operator is replaced by this shift, and
    /// `lambda` enters the HJB residual.
    var stationaryShift: Double? = nil
    var lambda = 0.0
    /// Largest number of BiCGSTAB iterations in the last sweep, and failures.
    public private(set) var linearIterations = 0
    public internal(set) var linearFailures = 0
    /// The best response's FP density and its linearisation (allocated on the first best response).
    var linearisation: Linearisation2D?
    /// True once `u` holds a solution of the HJB equations (a warm start for the next one).
    var hasValue = false
    /// True once the linearisation's response holds a best response's density (a warm start).
    var hasResponse = false
    /// Time steps whose Howard iteration stopped at its limit in the last best response.
    public internal(set) var unconvergedSteps = 0

    public init(problem: MFGProblem2D, nx: Int, ny: Int, nt: Int) throws {
        try problem.validate()
        for (name, n) in [("nx", nx), ("ny", ny)] where n < 4 || n > 20_000 {
            throw MFGError.invalidParameter(field: name, value: "\(n)", fix: "use between 4 and 20000 cells per axis")
        }
        let time = try TimeGrid(horizon: problem.horizon, steps: nt)
        let (cells, o1) = nx.multipliedReportingOverflow(by: ny)
        let (total, o2) = cells.multipliedReportingOverflow(by: nt + 1)
        // About 30 arrays of nx ny (nt + 1) doubles with the stored step matrices and Newton's
        // linearisation: 2e7 cells take about 5 GB.
        guard !o1, !o2, total <= 20_000_000 else {
            throw MFGError.invalidParameter(field: "nx * ny * nt", value: "\(nx) * \(ny) * \(nt)",
                                            fix: "the space-time grid is too large for memory; use nx ny nt <= 2e7")
        }
        var problem = problem
        problem.hamiltonian = problem.hamiltonian.discretised(
            spacing: min(problem.upperX - problem.lowerX, problem.upperY - problem.lowerY) / Double(max(nx, ny)))
        self.problem = problem
        self.nx = nx; self.ny = ny; self.nt = nt
        count = cells
        let periodic = problem.boundary == .periodic
        hx = (problem.upperX - problem.lowerX) / Double(nx)
        hy = (problem.upperY - problem.lowerY) / Double(ny)
        dt = time.step
        let offset = periodic ? 0.0 : 0.5
        x = (0..<nx).map { problem.lowerX + (Double($0) + offset) * (problem.upperX - problem.lowerX) / Double(nx) }
        y = (0..<ny).map { problem.lowerY + (Double($0) + offset) * (problem.upperY - problem.lowerY) / Double(ny) }
        xs = .allocate(capacity: cells); ys = .allocate(capacity: cells)
        var act = [Bool](repeating: true, count: cells)
        for i in 0..<nx {
            for j in 0..<ny {
                let p = i * ny + j
                xs[p] = x[i]; ys[p] = y[j]
                if let obstacle = problem.obstacle, obstacle(x[i], y[j]) { act[p] = false }
            }
        }
        active = act
        guard act.contains(true) else {
            throw MFGError.invalidParameter(field: "obstacle", value: "covers every cell", fix: "leave part of the domain free")
        }
        // Faces.
        var nb = [[Int]](repeating: [Int](repeating: 0, count: cells), count: 4)
        var ec = [[Double]](repeating: [Double](repeating: 0, count: cells), count: 4)
        for i in 0..<nx {
            for j in 0..<ny {
                let p = i * ny + j
                let candidates: [(Int, Int, Side)] = [(i - 1, j, .left), (i + 1, j, .right), (i, j - 1, .bottom), (i, j + 1, .top)]
                for (d, (ii, jj, side)) in candidates.enumerated() {
                    var ci = ii, cj = jj
                    let outside = ci < 0 || ci >= nx || cj < 0 || cj >= ny
                    if outside && periodic {
                        ci = (ci + nx) % nx
                        cj = (cj + ny) % ny
                    } else if outside {
                        // Midpoint of the boundary face.
                        let fx = d < 2 ? (d == 0 ? problem.lowerX : problem.upperX) : x[i]
                        let fy = d >= 2 ? (d == 2 ? problem.lowerY : problem.upperY) : y[j]
                        if let e = problem.exits.first(where: { $0.side == side && ($0.located?(fx, fy) ?? true) }) {
                            nb[d][p] = Self.exit
                            ec[d][p] = e.cost
                        } else {
                            nb[d][p] = Self.wall
                        }
                        continue
                    }
                    let q = ci * ny + cj
                    nb[d][p] = act[q] ? q : Self.wall
                }
            }
        }
        neighbour = .allocate(capacity: 4 * cells)
        exitCost = .allocate(capacity: 4 * cells)
        for d in 0..<4 {
            for p in 0..<cells { neighbour[d * cells + p] = nb[d][p]; exitCost[d * cells + p] = ec[d][p] }
        }
        func row() -> UnsafeMutablePointer<Double> {
            let p = UnsafeMutablePointer<Double>.allocate(capacity: cells)
            p.initialize(repeating: 0, count: cells)
            return p
        }
        exitTerm = row(); excess = row(); tw = row(); te = row(); ts = row(); tn = row()
        let size = (nt + 1) * cells
        u = .allocate(capacity: size); m = .allocate(capacity: size)
        u.initialize(repeating: 0, count: size); m.initialize(repeating: 0, count: size)
        func steps() -> UnsafeMutablePointer<Double> {
            let p = UnsafeMutablePointer<Double>.allocate(capacity: nt * cells)
            p.initialize(repeating: 0, count: nt * cells)
            return p
        }
        policy = .allocate(capacity: 4 * nt * cells)
        policy.initialize(repeating: 0, count: 4 * nt * cells)
        bx = policy; cx = policy + nt * cells; by = policy + 2 * nt * cells; cy = policy + 3 * nt * cells
        cost = steps(); weight = steps()
        weight.update(repeating: 1, count: nt * cells)
        rhs = .allocate(capacity: cells); work = .allocate(capacity: cells)
        rhs.initialize(repeating: 0, count: cells); work.initialize(repeating: 0, count: cells)
        system = FivePointSystem(nx: nx, ny: ny, steps: nt, periodic: periodic)
        let (hxv, hyv) = ((problem.upperX - problem.lowerX) / Double(nx), (problem.upperY - problem.lowerY) / Double(ny))
        nonlocal = try problem.nonlocalKernel.map { try NonlocalCoupling2D(kernel: $0, nx: nx, ny: ny, hx: hxv, hy: hyv) }
        outflow = [Double](repeating: 0, count: nt)
        try setInitialDensity()
    }

    deinit {
        for p in [xs, ys, u, m, policy, cost, weight, rhs, work, exitCost, exitTerm, excess, tw, te, ts, tn] { p.deallocate() }
        neighbour.deallocate()
    }

    var cellArea: Double { hx * hy }

    private func setInitialDensity() throws {
        var total = 0.0
        for p in 0..<count where active[p] {
            let v = problem.initialDensity(xs[p], ys[p])
            guard v.isFinite, v >= 0 else {
                throw MFGError.nonNormalisableDensity(reason: "m0(\(xs[p]), \(ys[p])) = \(v) is \(v.isFinite ? "negative" : "not finite")")
            }
            m[p] = v
            total += v
        }
        let mass = total * cellArea
        guard mass > 0, mass.isFinite else {
            throw MFGError.nonNormalisableDensity(reason: "it is zero at every free cell of the grid")
        }
        for p in 0..<count { m[p] /= mass }
        for n in 1...nt { (m + n * count).update(from: m, count: count) }
    }

    // MARK: - Local pieces

    /// u of the neighbour in direction d (ghost values at walls and exits).
    @inline(__always)
    func neighbourValue(_ v: UnsafePointer<Double>, _ p: Int, _ d: Int, density: Bool) -> Double {
        let q = neighbour[d * count + p]
        if q >= 0 { return v[q] }
        if q == Self.wall { return v[p] }
        return density ? 0 : exitCost[d * count + p]
    }

    /// The optimal policy `dg/dq` at cell p of step n: from u^n and the weight of level n+1.
    @inline(__always)
    func optimalPolicy(step n: Int, _ p: Int) -> (Double, Double, Double, Double) {
        let un = u + n * count
        let w = weight[n * count + p]
        let betaX = min((neighbourValue(un, p, 1, density: false) - un[p]) / hx, 0)
        let gammaX = max((un[p] - neighbourValue(un, p, 0, density: false)) / hx, 0)
        let betaY = min((neighbourValue(un, p, 3, density: false) - un[p]) / hy, 0)
        let gammaY = max((un[p] - neighbourValue(un, p, 2, density: false)) / hy, 0)
        let f = problem.hamiltonian.policyFactor(
            normSquared: betaX * betaX + gammaX * gammaX + betaY * betaY + gammaY * gammaY, weight: w)
        return (f * betaX, f * gammaX, f * betaY, f * gammaY)
    }

    /// Policy update of step n: `(1 - theta) old + theta optimal` (theta = 1: policy iteration;
    /// theta < 1: smoothed policy iteration, for strong couplings).
    func updatePolicy(step n: Int, relaxation theta: Double = 1) {
        let off = n * count
        for p in 0..<count {
            guard active[p] else { bx[off + p] = 0; cx[off + p] = 0; by[off + p] = 0; cy[off + p] = 0; continue }
            let (b1, c1, b2, c2) = optimalPolicy(step: n, p)
            if theta >= 1 {
                bx[off + p] = b1; cx[off + p] = c1; by[off + p] = b2; cy[off + p] = c2
            } else {
                bx[off + p] += theta * (b1 - bx[off + p]); cx[off + p] += theta * (c1 - cx[off + p])
                by[off + p] += theta * (b2 - by[off + p]); cy[off + p] += theta * (c2 - cy[off + p])
            }
        }
    }

    /// Couplings and weights of level n+1.
    func evaluateCouplings(step n: Int) {
        let level = m + (n + 1) * count, off = n * count
        problem.coupling(Double(n + 1) * dt, xs, ys, level, cost + off, count)
        if let nonlocal {
            nonlocal.apply(level, into: work)
            for p in 0..<count { cost[off + p] += work[p] }
        }
        if !problem.hamiltonian.isSeparable {
            for p in 0..<count { weight[off + p] = active[p] ? problem.hamiltonian.weight(level[p]) : 1 }
        }
    }

    /// Stores A (the HJB matrix linearised at the policy of step n) as matrix n of the linear
    /// system, with the coefficient of a wall face folded into the centre and that of an exit face
    /// moved to `exitTerm` (HJB right-hand side) and `excess` (row sum beyond 1/dt). The FP step
    /// matrix is its transpose, solved from the same storage.
    func assemble(step n: Int) {
        let s = system, o = n * count, off = n * count
        let dx = problem.viscosity / (hx * hx), dy = problem.viscosity / (hy * hy)
        let base = (stationaryShift ?? 1 / dt) + 2 * dx + 2 * dy
        for p in 0..<count {
            guard active[p] else {
                s.centre[o + p] = 1; s.west[o + p] = 0; s.east[o + p] = 0; s.south[o + p] = 0; s.north[o + p] = 0
                exitTerm[p] = 0; excess[p] = 0
                continue
            }
            let b1 = bx[off + p], c1 = cx[off + p], b2 = by[off + p], c2 = cy[off + p]
            var centre = base + (c1 - b1) / hx + (c2 - b2) / hy
            var w = -dx - c1 / hx, e = -dx + b1 / hx, so = -dy - c2 / hy, no = -dy + b2 / hy
            var term = 0.0, extra = 0.0
            @inline(__always) func face(_ d: Int, _ c: inout Double) {
                let q = neighbour[d * count + p]
                if q == Self.wall { centre += c; c = 0 }
                else if q == Self.exit { term -= c * exitCost[d * count + p]; extra -= c; c = 0 }
            }
            face(0, &w); face(1, &e); face(2, &so); face(3, &no)
            s.centre[o + p] = centre; s.west[o + p] = w; s.east[o + p] = e; s.south[o + p] = so; s.north[o + p] = no
            exitTerm[p] = term; excess[p] = extra
        }
    }

    /// `exitTerm` and `excess` of step n alone (its matrix already stored).
    func exitRows(step n: Int) {
        guard problem.hasExit else { return }
        let off = n * count
        let dx = problem.viscosity / (hx * hx), dy = problem.viscosity / (hy * hy)
        for p in 0..<count {
            guard active[p] else { exitTerm[p] = 0; excess[p] = 0; continue }
            var term = 0.0, extra = 0.0
            let coefficients = [-dx - cx[off + p] / hx, -dx + bx[off + p] / hx, -dy - cy[off + p] / hy, -dy + by[off + p] / hy]
            for d in 0..<4 where neighbour[d * count + p] == Self.exit {
                term -= coefficients[d] * exitCost[d * count + p]
                extra -= coefficients[d]
            }
            exitTerm[p] = term; excess[p] = extra
        }
    }

    // MARK: - Sweeps

    /// Forward sweep with the current policy from m0, levels 1 ... Nt written to `levels`
    /// (`levels + n count` is level n+1; `m + count` itself is allowed); each level is clamped at 0
    /// and rescaled so that mass plus outflow equals the mass of the level before exactly
    /// (corrections at the linear solver's tolerance).
    /// With `warm`, each level's solve starts from what `levels` holds (the previous best response's
    /// density), else from the level before.
    func solveFokkerPlanck(into levels: UnsafeMutablePointer<Double>, assembling: Bool = true, warm: Bool = false) {
        linearIterations = 0
        for n in 0..<nt {
            if assembling {
                assemble(step: n)
                system.factor(n)
            } else {
                exitRows(step: n)
            }
            let previous = n == 0 ? m : levels + (n - 1) * count, next = levels + n * count
            for p in 0..<count { rhs[p] = active[p] ? previous[p] / dt : 0 }
            if levels != m + count && !warm { next.update(from: previous, count: count) }
            if !system.solve(n, transposed: true, rhs, next, tolerance: linearTolerance) { linearFailures += 1 }
            linearIterations = max(linearIterations, system.lastIterations)
            var before = 0.0, after = 0.0, out = 0.0
            for p in 0..<count where active[p] {
                before += previous[p]
                let v = max(next[p], 0)
                next[p] = v
                after += v * (1 + dt * excess[p])
                out += v * dt * excess[p]
            }
            let scale = after > 0 ? before / after : 0
            for p in 0..<count { next[p] = active[p] ? next[p] * scale : 0 }
            outflow[n] = out * scale * cellArea
        }
    }

    /// Backward sweep of the HJB equation linearised at the current policy, then the policy update.
    /// The step matrices of the policy are those the FP sweep just stored (`solveFokkerPlanck`).
    func solveLinearHJBAndUpdatePolicy(relaxation: Double = 1) {
        applyTerminalCondition()
        var n = nt - 1
        while n >= 0 {
            evaluateCouplings(step: n)
            exitRows(step: n)
            linearisedRightHandSide(step: n)
            if !system.solve(n, rhs, u + n * count, tolerance: linearTolerance) { linearFailures += 1 }
            linearIterations = max(linearIterations, system.lastIterations)
            updatePolicy(step: n, relaxation: relaxation)
            n -= 1
        }
    }

    /// The right-hand side of HJB step `n` linearised at the stored policy (Howard):
    /// `rhs = u^{n+1}/dt + g*(policy) + F + exit terms` on the free cells (call after `assemble`).
    func linearisedRightHandSide(step n: Int) {
        let off = n * count, next = u + (n + 1) * count
        let ham = problem.hamiltonian
        for p in 0..<count {
            guard active[p] else { rhs[p] = 0; continue }
            let b1 = bx[off + p], c1 = cx[off + p], b2 = by[off + p], c2 = cy[off + p]
            rhs[p] = (stationaryShift == nil ? next[p] / dt : 0) + cost[off + p] + exitTerm[p]
                + ham.policyCost(policySquared: b1 * b1 + c1 * c1 + b2 * b2 + c2 * c2, weight: weight[off + p])
        }
    }

    // MARK: - Residuals and diagnostics

    /// `sqrt(hx hy dt) |r|_2` of the HJB and FP equations (FP in flux form) at the current (u, m);
    /// the couplings of row n must be those of m^{n+1} (`residuals()` evaluates them first).
    func rawResiduals() -> (hjb: Double, fp: Double) {
        var hjb = 0.0, fp = 0.0
        let nu = problem.viscosity, ham = problem.hamiltonian
        for n in 0..<nt {
            let off = n * count
            let un = u + off, next = u + (n + 1) * count, mn = m + off, mnext = m + (n + 1) * count
            // The optimal policy of (u^n, m^{n+1}) into work rows (the stored one may be relaxed).
            for p in 0..<count {
                guard active[p] else { tw[p] = 0; te[p] = 0; ts[p] = 0; tn[p] = 0; continue }
                let (b1, c1, b2, c2) = optimalPolicy(step: n, p)
                tw[p] = b1; te[p] = c1; ts[p] = b2; tn[p] = c2
            }
            transport(mnext, bx: tw, cx: te, by: ts, cy: tn, into: work)
            for p in 0..<count where active[p] {
                let b1 = tw[p], c1 = te[p], b2 = ts[p], c2 = tn[p]
                let lap = nu * ((neighbourValue(un, p, 1, density: false) - 2 * un[p] + neighbourValue(un, p, 0, density: false)) / (hx * hx)
                    + (neighbourValue(un, p, 3, density: false) - 2 * un[p] + neighbourValue(un, p, 2, density: false)) / (hy * hy))
                let g = ham.numerical(policySquared: b1 * b1 + c1 * c1 + b2 * b2 + c2 * c2, weight: weight[off + p])
                let r = (un[p] - next[p]) / dt - lap + g + lambda - cost[off + p]
                hjb += r * r
                let lapm = nu * ((neighbourValue(mnext, p, 1, density: true) - 2 * mnext[p] + neighbourValue(mnext, p, 0, density: true)) / (hx * hx)
                    + (neighbourValue(mnext, p, 3, density: true) - 2 * mnext[p] + neighbourValue(mnext, p, 2, density: true)) / (hy * hy))
                let f = (mnext[p] - mn[p]) / dt - lapm - work[p]
                fp += f * f
            }
        }
        let scale = (cellArea * dt).squareRoot()
        return (scale * hjb.squareRoot(), scale * fp.squareRoot())
    }

    /// The transport term in flux form, `T_p = (F_e - F_w)/hx + (F_n - F_s)/hy` with the flux
    /// through the east face `F_e = m_p bx_p + m_east cx_east` (and alike): zero through walls and
    /// obstacle faces, ghost density 0 at exits. `A^T m = m/dt - nu Lap m - T(m, policy)`.
    func transport(
        _ mv: UnsafePointer<Double>, bx: UnsafePointer<Double>, cx: UnsafePointer<Double>, by: UnsafePointer<Double>,
        cy: UnsafePointer<Double>, into out: UnsafeMutablePointer<Double>
    ) {
        for p in 0..<count {
            guard active[p] else { out[p] = 0; continue }
            @inline(__always) func flux(_ d: Int) -> Double {
                let q = neighbour[d * count + p]
                if q == Self.wall { return 0 }
                let inside = q >= 0
                switch d {
                case 1: return mv[p] * bx[p] + (inside ? mv[q] * cx[q] : 0)
                case 0: return (inside ? mv[q] * bx[q] : 0) + mv[p] * cx[p]
                case 3: return mv[p] * by[p] + (inside ? mv[q] * cy[q] : 0)
                default: return (inside ? mv[q] * by[q] : 0) + mv[p] * cy[p]
                }
            }
            out[p] = (flux(1) - flux(0)) / hx + (flux(3) - flux(2)) / hy
        }
    }

    /// Final mass, the largest relative error of "mass + outflow so far" against the initial mass,
    /// and the smallest density.
    public func massDiagnostics() -> (mass: Double, drift: Double, minimum: Double) {
        var reference = 0.0
        for p in 0..<count { reference += m[p] }
        reference *= cellArea
        var drift = 0.0, minimum = Double.infinity, last = reference, left = 0.0
        for n in 1...nt {
            var s = 0.0
            let level = m + n * count
            for p in 0..<count {
                s += level[p]
                if active[p] { minimum = min(minimum, level[p]) }
            }
            last = s * cellArea
            left += outflow[n - 1]
            drift = max(drift, abs(last + left - reference) / reference)
        }
        return (last, drift, minimum)
    }

    /// Feedback velocity per axis, `-(b + c)`, `[Nt+1][N]` each (row Nt: that of row Nt-1).
    public func controls() -> (ax: [Double], ay: [Double]) {
        var ax = [Double](repeating: 0, count: (nt + 1) * count), ay = ax
        for n in 0...nt {
            let off = min(n, nt - 1) * count
            for p in 0..<count {
                ax[n * count + p] = -(bx[off + p] + cx[off + p])
                ay[n * count + p] = -(by[off + p] + cy[off + p])
            }
        }
        return (ax, ay)
    }
}
