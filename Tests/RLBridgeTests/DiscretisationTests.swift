import Foundation
import PDE
import Testing
@testable import RLBridge

/// Crowd aversion on the torus: F = 0.2 log m + 0.5 sin(2 pi x), G = -cos(2 pi (x - 0.75)), nu = 0.05, T = 0.5.
func crowdAversionProblem() -> MFGProblem {
    MFGProblem(
        name: "crowd-aversion", lower: 0, upper: 1, boundary: .periodic, horizon: 0.5, viscosity: 0.05,
        coupling: .local({ x, m in 0.2 * log(m) + 0.5 * sin(2 * Double.pi * x) }, derivative: { _, m in 0.2 / m }),
        terminalCost: .position { x in -cos(2 * Double.pi * (x - 0.75)) },
        initialDensity: { x in exp(-50 * (x - 0.3) * (x - 0.3)) + 0.1 })
}

@Suite struct DiscretisationTests {
    /// The discrete game's equilibrium approaches the PDE density, and the PDE's feedback becomes an
    /// approximate equilibrium of the discrete game, as the grid refines.
    @Test func discreteEquilibriumApproachesThePDE() throws {
        let rows = try RefinementStudy.run(crowdAversionProblem(), levels: [20, 40, 80], fineNx: 320, fineNt: 320)
        print("    nx  steps        L1        W1   exploitability(eq)   exploitability(PDE policy)")
        for r in rows {
            print(String(format: "%6d %6d  %.3e  %.3e   %.3e            %.3e", r.nx, r.steps, r.l1, r.w1, r.equilibriumExploitability, r.groundTruthExploitability))
        }
        for (a, b) in zip(rows, rows.dropFirst()) {
            #expect(b.l1 < a.l1 && b.w1 < a.w1)
            #expect(b.groundTruthExploitability < a.groundTruthExploitability)
        }
        let orders = zip(rows, rows.dropFirst()).map { log2($0.w1 / $1.w1) }
        print("W1 orders: \(orders)")
        for o in orders { #expect(o >= 0.5) }
    }

    /// lq-1d (reflecting walls, mean coupling, terminal cost with the terminal mean): the same
    /// convergence, the PDE density compared by cell averages of the fine grid.
    @Test func linearQuadraticWithWallsApproachesThePDE() throws {
        let rows = try RefinementStudy.run(try Catalogue.linearQuadratic(), levels: [20, 40, 80], fineNx: 320, fineNt: 320)
        for r in rows {
            print(String(format: "lq-1d %6d %6d  L1 %.3e  W1 %.3e   exploitability(eq) %.3e   exploitability(PDE policy) %.3e", r.nx, r.steps, r.l1, r.w1, r.equilibriumExploitability, r.groundTruthExploitability))
        }
        for (a, b) in zip(rows, rows.dropFirst()) {
            #expect(b.l1 < a.l1 && b.w1 < a.w1)
            #expect(b.groundTruthExploitability < a.groundTruthExploitability)
        }
        // Measured: W1 0.38, 0.066, 0.023 (orders 2.5 and 1.5: the coarsest grid, h = 0.5, is pre-asymptotic).
        let orders = zip(rows, rows.dropFirst()).map { log2($0.w1 / $1.w1) }
        for o in orders { #expect(o >= 0.8) }
    }

    /// Congestion (congestion-lst-1d: H = |p|^2 / (2 (1 + 4 m)^1.5), torus, F = m): the game charges the
    /// Lagrangian `(1 + kappa mu/h)^alpha a^2 / 2`. Measured against a 320 x 320 reference: L1 0.101,
    /// 0.036, 0.0030; W1 0.0146, 0.0055, 0.00037; exploitability of the PDE policy 0.40, 0.18, 0.069.
    @Test func congestionGameApproachesThePDE() throws {
        let rows = try RefinementStudy.run(try Catalogue.congestionLST(), levels: [20, 40, 80], fineNx: 320, fineNt: 320)
        for r in rows {
            print(String(format: "congestion-lst-1d %6d %6d  L1 %.3e  W1 %.3e   exploitability(eq) %.3e   exploitability(PDE policy) %.3e", r.nx, r.steps, r.l1, r.w1, r.equilibriumExploitability, r.groundTruthExploitability))
        }
        for (a, b) in zip(rows, rows.dropFirst()) {
            #expect(b.l1 < a.l1 && b.w1 < a.w1)
            #expect(b.groundTruthExploitability < 0.6 * a.groundTruthExploitability)
            #expect(log2(a.w1 / b.w1) >= 0.8)
        }
    }

    /// The power family (H = |p|^1.5 / (1.5 (1 + m)^0.5), torus, F = m + a potential): the game charges
    /// the Hamiltonian's conjugate `L(a, m) = |a|^3 / (3 w^2)`, `w = (1 + m)^-0.5` (checked against
    /// that closed form), and its equilibrium approaches the PDE's as the grid is refined. Against a
    /// 160 x 160 reference at 20 and 40 cells: L1 0.039, 0.017; W1 0.0036, 0.0018; exploitability of the
    /// PDE policy 0.0105, 0.0021.
    @Test func powerGameApproachesThePDE() throws {
        let h = try Hamiltonian.power(exponent: 1.5, kappa: 1, alpha: 0.5)
        for (a, m) in [(0.7, 0.4), (2.0, 0.0), (0.1, 3.0)] {
            let w = pow(1 + m, -0.5)
            #expect(abs(h.lagrangian(speedSquared: a * a, density: m) - a * a * a / (3 * w * w)) < 1e-14 * (1 + a * a * a / (w * w)))
        }
        let problem = MFGProblem(
            name: "power", lower: 0, upper: 1, boundary: .periodic, horizon: 0.5, viscosity: 0.05,
            hamiltonian: h, coupling: .local({ x, m in m + 0.5 * cos(2 * .pi * x) }, derivative: { _, _ in 1 }),
            terminalCost: .position { _ in 0 }, initialDensity: { x in exp(-30 * (x - 0.3) * (x - 0.3)) })
        let rows = try RefinementStudy.run(problem, levels: [20, 40], fineNx: 160, fineNt: 160)
        for r in rows {
            print(String(format: "power 1.5 %6d %6d  L1 %.3e  W1 %.3e   exploitability(PDE policy) %.3e", r.nx, r.steps, r.l1, r.w1, r.groundTruthExploitability))
        }
        #expect(rows[1].l1 < 0.7 * rows[0].l1 && rows[1].w1 < 0.7 * rows[0].w1)
        #expect(rows[1].groundTruthExploitability < 0.7 * rows[0].groundTruthExploitability)
    }

    /// Exits (evacuation-1d of the catalogue: a wall at 0, an exit at 1 with cost 0, congestion
    /// (1 + m)^0.75, a cost 1 per unit time inside, 5 for staying past T = 2): the game has an absorbing
    /// "exited" state and the cells lose mass as the PDE's density does. Against a 320 x 320 reference:
    /// L1 0.0255, 0.0110, 0.0045; W1 0.0041, 0.0034, 0.0007; exploitability of the PDE policy 0.076,
    /// 0.017, 0.0040.
    @Test func gameWithAnExitApproachesThePDE() throws {
        let problem = MFGProblem(
            name: "evacuation-1d", lower: 0, upper: 1, boundary: .reflecting, horizon: 2, viscosity: 0.05,
            hamiltonian: try .congestion(kappa: 1, alpha: 0.75), coupling: .position { _ in 1 },
            terminalCost: .position { _ in 5 }, initialDensity: { x in x > 0.1 && x < 0.6 ? 1 : 0 }, rightExit: 0)
        let rows = try RefinementStudy.run(problem, levels: [20, 40, 80], fineNx: 320, fineNt: 320)
        for r in rows {
            print(String(format: "evacuation-1d %6d %6d  L1 %.3e  W1 %.3e   exploitability(eq) %.3e   exploitability(PDE policy) %.3e", r.nx, r.steps, r.l1, r.w1, r.equilibriumExploitability, r.groundTruthExploitability))
        }
        for (a, b) in zip(rows, rows.dropFirst()) {
            #expect(b.l1 < 0.75 * a.l1 && b.w1 < a.w1)
            #expect(b.groundTruthExploitability < 0.5 * a.groundTruthExploitability)
        }
        // Mass is conserved with the exited state, and the mass still inside at T/2 is the PDE's.
        let pde = try RefinementStudy.reference(problem, fineNx: 320, fineNt: 320)
        let g = try RefinementStudy.game(problem, nx: 80, pde: pde)
        let mu = ExactTools(game: g.game).evaluate(RefinementStudy.groundTruthPolicy(problem, game: g, pde: pde)).distribution
        let S = g.game.states, step = g.game.horizon / 2
        let inside = mu[(step * S)..<(step * S + g.cells)].reduce(0, +)
        let pdeInside = pde.m[(160 * 320)..<(161 * 320)].reduce(0, +) / 320
        print("evacuation-1d: mass inside at T/2, game (PDE policy, 80 cells) \(inside), PDE \(pdeInside)")
        #expect(abs(inside + mu[step * S + g.cells] - 1) < 1e-12)
        #expect(abs(inside - pdeInside) < 0.02 * pdeInside)
    }

    /// One action-set rule for 1D and 2D (`VelocitySet`), the default reference a multiple of nx, and
    /// the sizes checked before the PDE reference is solved: the 3,000,000-point references below are
    /// never solved (one would take hours), the refusal comes first.
    @Test func actionSetAndSizesAreCheckedBeforeTheReference() throws {
        #expect([4, 9, 10, 19, 20, 39, 40, 80].map { VelocitySet.perAxis(cells: $0) } == [3, 3, 3, 3, 5, 7, 9, 17])
        #expect([10, 25, 40, 7, 400].map { DiscretisedProblem.defaultReference(cells: $0) } == [320, 325, 320, 322, 400])
        for (nx, reference) in [(1, 3_000_000), (3, 3_000_000), (25, 3_000_010)] {
            #expect(throws: RLError.self) { _ = try DiscretisedProblem.oneD(crowdAversionProblem(), nx: nx, reference: reference) }
        }
        #expect(throws: RLError.self) { _ = try DiscretisedProblem.twoD(Catalogue.crowdAversion2D(), n: 2, reference: 3_000_000) }
        #expect(throws: RLError.self) { _ = try DiscretisedProblem.twoD(Catalogue.crowdAversion2D(), n: 10, reference: 20, steps: 0) }
        // 8 cells: 3 velocities (the 1D rule used to give 1 and refuse the game after solving the reference).
        #expect(try DiscretisedProblem.oneD(crowdAversionProblem(), nx: 8, reference: 40).game.actions == 3)
        #expect(try DiscretisedProblem.twoD(Catalogue.crowdAversion2D(), n: 5, reference: 10, steps: 10).game.actions == 9)
    }

    /// The exited state: mass is conserved, and a door's cost is paid once per agent that leaves, so the
    /// expected return with cost c is that with cost 0 less c times the mass that has left (1D: doors at
    /// both ends; 2D: part of the right wall and the whole bottom wall).
    @Test func exitCostsArePaidOncePerAgentThatLeaves() throws {
        let c = 0.7
        func oneD(_ cost: Double) throws -> FiniteMFG {
            try ContinuousGame(problem: MFGProblem(
                name: "corridor", lower: 0, upper: 1, boundary: .reflecting, horizon: 0.5, viscosity: 0.1,
                coupling: .local({ _, m in m }, derivative: { _, _ in 1 }), terminalCost: .position { x in x },
                initialDensity: { x in exp(-20 * (x - 0.5) * (x - 0.5)) }, leftExit: cost, rightExit: cost),
                nx: 16, minimumSteps: 40, actions: 5, maximumVelocity: 2).game
        }
        func twoD(_ cost: Double) throws -> FiniteMFG {
            try ContinuousGame2D(problem: MFGProblem2D(
                name: "room", x: (0, 1), y: (0, 1), boundary: .reflecting, horizon: 0.5, viscosity: 0.1,
                coupling: { _, _, _, m, out, n in for k in 0..<n { out[k] = m[k] } },
                terminalCost: { x, _ in x }, initialDensity: { x, y in exp(-20 * ((x - 0.5) * (x - 0.5) + (y - 0.5) * (y - 0.5))) },
                exits: [Exit2D(side: .right, cost: cost, located: { _, y in y > 0.25 && y < 0.75 }), Exit2D(side: .bottom, cost: cost)]),
                n: 8, minimumSteps: 40, velocitiesPerAxis: 3, maximumVelocity: 2).game
        }
        for (free, paid) in [(try oneD(0), try oneD(c)), (try twoD(0), try twoD(c))] {
            let S = free.states, H = free.horizon
            var mu: [Double] = []
            ExactTools(game: paid).distribution(of: paid.uniformPolicy, into: &mu)
            for t in 0...H { #expect(abs(mu[(t * S)..<((t + 1) * S)].reduce(0, +) - 1) < 1e-12) }
            let left = mu[H * S + S - 1]
            #expect(left > 0.1)
            let difference = ExactTools(game: paid).evaluate(paid.uniformPolicy).expectedReturn - ExactTools(game: free).evaluate(free.uniformPolicy).expectedReturn
            #expect(abs(difference + c * left) < 1e-12)
            print("\(free.name): mass that left \(left), return difference \(difference), -c x mass \(-c * left)")
        }
    }

    /// 2D congestion (congestion-lst-2d of the catalogue: H = |p|^2 / (2 (1 + m)^0.5), nu 0.3, T 0.5, no
    /// running cost) on 10 x 10 and 20 x 20 games against a 40 x 40 reference. Measured: L1 0.313 -> 0.039,
    /// marginal W1 0.040 -> 0.0026, exploitability of the PDE policy 1.05 -> 0.39.
    @Test func twoDimensionalCongestionGameApproachesThePDE() throws {
        let problem = MFGProblem2D(
            name: "congestion-lst-2d", x: (0, 1), y: (0, 1), boundary: .periodic, horizon: 0.5, viscosity: 0.3,
            hamiltonian: try .congestion(kappa: 1, alpha: 0.5),
            coupling: { _, _, _, _, out, n in for k in 0..<n { out[k] = 0 } }, couplingUsesDensity: false,
            terminalCost: { x, y in 1.2 * cos(2 * .pi * x) + cos(2 * .pi * y) },
            initialDensity: { x, y in exp(-10 * ((x - 0.25) * (x - 0.25) + (y - 0.25) * (y - 0.25))) })
        let rows = try RefinementStudy.run(problem, levels: [10, 20], fineN: 40, fineNt: 40, iterations: 100)
        for r in rows {
            print(String(format: "congestion-lst-2d %4d %5d  L1 %.3e  W1 %.3e  exploitability(eq) %.3e  exploitability(PDE policy) %.3e", r.nx, r.steps, r.l1, r.w1, r.equilibriumExploitability, r.groundTruthExploitability))
        }
        let (a, b) = (rows[0], rows[1])
        #expect(b.l1 < 0.5 * a.l1 && b.w1 < 0.5 * a.w1)
        #expect(b.groundTruthExploitability < 0.6 * a.groundTruthExploitability)
    }

    /// 2D (crowd-aversion-2d, torus, F = m): the same convergence on 10 x 10 and 20 x 20 games against a
    /// 40 x 40 reference. Measured: L1 0.151 -> 0.042, marginal W1 0.018 -> 0.0032, exploitability of
    /// the PDE policy 0.26 -> 0.10.
    @Test func twoDimensionalGameApproachesThePDE() throws {
        let rows = try RefinementStudy.run(Catalogue.crowdAversion2D(), levels: [10, 20], fineN: 40, fineNt: 40, iterations: 100)
        for r in rows {
            print(String(format: "crowd-aversion-2d %4d %5d  L1 %.3e  W1 %.3e  exploitability(eq) %.3e  exploitability(PDE policy) %.3e", r.nx, r.steps, r.l1, r.w1, r.equilibriumExploitability, r.groundTruthExploitability))
        }
        let (a, b) = (rows[0], rows[1])
        #expect(b.l1 < 0.5 * a.l1 && b.w1 < 0.5 * a.w1)
        #expect(b.groundTruthExploitability < 0.6 * a.groundTruthExploitability)
    }
}
