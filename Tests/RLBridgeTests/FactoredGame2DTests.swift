import Foundation
import PDE
import Testing
@testable import RLBridge

/// The per-axis (factored) 2D game against the dense one it is the same game as: `FactoredTools2D`
/// and `FactoredMirrorDescent2D` must give what `ExactTools` and `MirrorDescent` give on
/// `ContinuousGame2D.game` for the same product policies, up to the order of summation.
@Suite struct FactoredGame2DTests {
    /// A room with walls, an obstacle, a door (cost 0.5) on the right wall, congestion
    /// (w = 1/(1 + m)) and a running cost m + x: every branch of the factored tools.
    static func room(hamiltonian: Hamiltonian? = nil) throws -> MFGProblem2D {
        MFGProblem2D(
            name: "room", x: (0, 1), y: (0, 1), boundary: .reflecting, horizon: 0.3, viscosity: 0.1,
            hamiltonian: try hamiltonian ?? .congestion(kappa: 1, alpha: 1),
            coupling: { _, x, _, m, out, n in for k in 0..<n { out[k] = m[k] + x[k] } },
            terminalCost: { x, y in x * y },
            initialDensity: { x, y in exp(-20 * ((x - 0.4) * (x - 0.4) + (y - 0.5) * (y - 0.5))) },
            obstacle: { x, y in abs(x - 0.6) < 0.1 && abs(y - 0.3) < 0.1 },
            exits: [Exit2D(side: .right, cost: 0.5, located: { _, y in y > 0.25 && y < 0.75 })])
    }

    static func game(_ problem: MFGProblem2D) throws -> ContinuousGame2D {
        try ContinuousGame2D(problem: problem, n: 10, minimumSteps: 30, velocitiesPerAxis: 5, maximumVelocity: 1.5)
    }

    /// The dense `[H][S][K^2]` policy of a product policy: `softmax(x) softmax(y)` per (t, s).
    static func dense(_ p: FactoredPolicy2D, K: Int) -> [Double] {
        func softmax(_ z: ArraySlice<Double>) -> [Double] {
            let m = z.max()!, e = z.map { exp($0 - m) }, total = e.reduce(0, +)
            return e.map { $0 / total }
        }
        var pi: [Double] = []
        for row in 0..<(p.x.count / K) {
            let px = softmax(p.x[(row * K)..<((row + 1) * K)]), py = softmax(p.y[(row * K)..<((row + 1) * K)])
            for a in 0..<K { for b in 0..<K { pi.append(px[a] * py[b]) } }
        }
        return pi
    }

    /// A fixed product policy far from uniform (seeded logits in [-2, 2]).
    static func randomPolicy(_ g: FactoredGame2D) -> FactoredPolicy2D {
        var p = FactoredPolicy2D(game: g)
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next() -> Double {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Double(state >> 11) / Double(1 << 53) * 4 - 2
        }
        for k in 0..<p.x.count { p.x[k] = next(); p.y[k] = next() }
        return p
    }

    /// One evaluation: the distribution to 1e-14 per entry, the exploitability and the expected return
    /// to 1e-12 (both order 1; only the summation order differs).
    @Test func evaluationMatchesTheDenseGame() throws {
        let continuous = try Self.game(Self.room())
        let g = continuous.factored, K = g.velocities.count
        #expect(g.exited != nil && g.active.contains(false))
        var policy = Self.randomPolicy(g)
        let tools = try FactoredTools2D(game: g)
        var mu: [Double] = []
        tools.distribution(of: policy, into: &mu)
        let e = tools.sweep(&policy, along: mu, mirrorStep: nil)
        let reference = ExactTools(game: continuous.game).evaluate(Self.dense(policy, K: K))
        let gap = zip(mu, reference.distribution).map { abs($0 - $1) }.max()!
        print(String(format: "factored vs dense: distribution %.2e, exploitability %.15f vs %.15f, return %.15f vs %.15f",
                     gap, e.exploitability, reference.exploitability, e.expectedReturn, reference.expectedReturn))
        #expect(gap < 1e-14)
        #expect(mu[(g.horizon * g.states)...].last! > 0.01)   // mass has left through the door
        #expect(abs(e.exploitability - reference.exploitability) < 1e-12)
        #expect(abs(e.expectedReturn - reference.expectedReturn) < 1e-12)
        #expect(e.exploitability > 0.01)
    }

    /// Twenty iterations of mirror descent from the uniform policy: the factored iterates are the dense
    /// ones (Q splits by axis, so softmax over the pairs is the product of the axes' softmaxes).
    @Test func mirrorDescentMatchesTheDenseGame() throws {
        let continuous = try Self.game(Self.room())
        let g = continuous.factored
        var factored = try FactoredMirrorDescent2D(tools: try FactoredTools2D(game: g), learningRate: 0.5)
        let (first, last) = try factored.run(iterations: 20)
        var dense = TabularRun(game: continuous.game, algorithm: try MirrorDescent(game: continuous.game, learningRate: 0.5))
        let initial = dense.exploitability
        _ = dense.run(iterations: 20)
        let gap = zip(factored.distribution, dense.evaluation.distribution).map { abs($0 - $1) }.max()!
        print(String(format: "mirror descent: exploitability %.6e -> %.6e (dense %.6e -> %.6e), distribution gap %.2e",
                     first.exploitability, last.exploitability, initial, dense.exploitability, gap))
        #expect(abs(first.exploitability - initial) < 1e-12)
        #expect(abs(last.exploitability - dense.exploitability) < 1e-11)
        #expect(gap < 1e-12)
        #expect(last.exploitability < 0.9 * first.exploitability)   // measured 0.918 -> 0.780
    }

    /// A factored game whose logits would pass `FactoredGame2D.logitEntries` is refused before any work,
    /// with what it implies.
    @Test func hugeFactoredGamesAreRefused() throws {
        #expect { _ = try FactoredGame2D(problem: try Self.room(), n: 400, minimumSteps: 10, velocitiesPerAxis: 81, maximumVelocity: 1) } throws: {
            let m = "\($0)"
            return m.contains("logits per state") && m.contains("the largest accepted is 6e+08") && m.contains("fewer cells")
        }
    }

    /// A Hamiltonian that is not quadratic in p couples the axes: refused.
    @Test func powerHamiltonianIsRefused() throws {
        let g = try Self.game(Self.room(hamiltonian: .power(exponent: 1.5))).factored
        #expect(throws: RLError.self) { _ = try FactoredTools2D(game: g) }
    }

    /// The refinement rows of a 2D problem (factored) against the dense games at the same levels: the
    /// ground-truth policy's exploitability and the equilibrium's to 1e-9 (the dense warm start puts
    /// 1e-12 on each velocity pair, the factored one on each velocity), the distances to 1e-9.
    @Test func refinementRowsMatchTheDenseGames() throws {
        let problem = Catalogue.crowdAversion2D()
        let rows = try RefinementStudy.run(problem, levels: [5, 10], fineN: 20, fineNt: 20, iterations: 30)
        let pde = try RefinementStudy.reference(problem, fineN: 20, fineNt: 20)
        for (n, row) in zip([5, 10], rows) {
            let g = try RefinementStudy.game(problem, n: n, pde: pde)
            let dense = try RefinementStudy.row(n, game: g.game, groundTruth: RefinementStudy.groundTruthPolicy(problem, game: g, pde: pde),
                                                iterations: 30, learningRate: 0.3) { RefinementStudy.distances(g.factored, distribution: $0, pde: pde) }
            print(String(format: "n %d: factored %.12e %.12e %.12e %.12e, dense %.12e %.12e %.12e %.12e", n, row.l1, row.w1,
                         row.equilibriumExploitability, row.groundTruthExploitability, dense.l1, dense.w1,
                         dense.equilibriumExploitability, dense.groundTruthExploitability))
            #expect(row.steps == dense.steps && row.actions == dense.actions)
            for (a, b) in [(row.l1, dense.l1), (row.w1, dense.w1), (row.equilibriumExploitability, dense.equilibriumExploitability),
                           (row.groundTruthExploitability, dense.groundTruthExploitability)] {
                #expect(abs(a - b) <= 1e-9 * max(1, abs(b)))
            }
        }
    }
}

extension FactoredGame2DTests {
    /// With `|p|^1.5` the refinement keeps the dense games (the axes do not split): the K^2 velocity
    /// pairs, and mirror descent warm-started from the PDE's policy lowers its exploitability.
    @Test func powerHamiltonianRefinesOnTheDenseGames() throws {
        let problem = MFGProblem2D(
            name: "power-2d", x: (0, 1), y: (0, 1), boundary: .periodic, horizon: 0.3, viscosity: 0.1,
            hamiltonian: try .power(exponent: 1.5), coupling: { _, _, _, m, out, n in for k in 0..<n { out[k] = m[k] } },
            terminalCost: { x, y in 0.5 * cos(2 * .pi * x) * cos(2 * .pi * y) },
            initialDensity: { x, y in exp(-20 * ((x - 0.3) * (x - 0.3) + (y - 0.3) * (y - 0.3))) + 0.1 })
        let rows = try RefinementStudy.run(problem, levels: [5, 10], fineN: 20, fineNt: 20, iterations: 20)
        for r in rows {
            print(String(format: "power-2d %d: L1 %.3e, exploitability %.3e (PDE policy %.3e)", r.nx, r.l1, r.equilibriumExploitability, r.groundTruthExploitability))
            #expect(r.actions == 9)
            #expect(r.equilibriumExploitability < r.groundTruthExploitability)
        }
    }
}

/// The mean-action distance of the benchmark: 0 for the ground-truth policy; for the uniform policy
/// (mean velocity 0: the velocities are symmetric) the distribution-weighted norm of the ground
/// truth's mean velocity, computed here from the policy tables directly.
@Suite struct MeanActionDistanceTests {
    @Test(arguments: [1, 2]) func meanActionDistance(dimension: Int) throws {
        let d = dimension == 1 ? try DiscretisedProblem.oneD(crowdAversionProblem(), nx: 10, reference: 40)
            : try DiscretisedProblem.twoD(Catalogue.crowdAversion2D(), n: 5, reference: 10, steps: 10)
        let g = d.game, star = d.groundTruthPolicy(), uniform = g.uniformPolicy
        let mu = ExactTools(game: g).evaluate(uniform).distribution
        #expect(d.meanActionDistance(star, groundTruth: star, distribution: mu) == 0)
        let S = g.states, A = g.actions, H = g.horizon
        var expected = 0.0
        for t in 0..<H {
            for s in 0..<d.layout.cells {
                var mean = [Double](repeating: 0, count: dimension)
                for a in 0..<A { for k in 0..<dimension { mean[k] += star[(t * S + s) * A + a] * d.actionVelocities[a][k] } }
                expected += mu[t * S + s] * mean.reduce(0) { $0 + $1 * $1 }.squareRoot()
            }
        }
        expected /= Double(H)
        let distance = d.meanActionDistance(uniform, groundTruth: star, distribution: mu)
        print("mean-action distance of the uniform policy (\(dimension)D): \(distance), expected \(expected)")
        #expect(expected > 0.01)
        #expect(abs(distance - expected) <= 1e-12 * expected)
    }
}
