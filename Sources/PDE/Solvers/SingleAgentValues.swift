import Foundation

/// One agent facing given costs instead of a population: the running cost `running` (levels
/// `1 ... Nt` of a 1D time-dependent grid, `nt * nx` values, `F + V` already evaluated) and the
/// terminal cost `terminal` (`nx` values). Returns `sum_i h v^0_i m0_i` for the agent that follows
/// the feedback `control` (the linear HJB of its upwind split: policy evaluation) and for the best
/// response (the nonlinear HJB: Howard's iteration per step), on the scheme's discretisation.
/// Used for N-player games, where the costs are expectations over the other players.
public enum SingleAgentValues {
    public static func values(
        _ problem: MFGProblem, grid: GridSize, running: [Double], terminal: [Double], control: [Double]
    ) throws -> (policy: Double, bestResponse: Double) {
        guard !problem.isErgodic, let nt = grid.nt else {
            throw MFGError.invalidParameter(field: "problem", value: "ergodic", fix: "single-agent values need a time-dependent problem")
        }
        guard problem.hamiltonian.isSeparable else {
            throw MFGError.invalidParameter(field: "hamiltonian", value: problem.hamiltonian.formula,
                                            fix: "single-agent values against given costs need a Hamiltonian that does not depend on m")
        }
        let system = try DiscreteMFG(problem: problem, nx: grid.nx, nt: nt)
        let nx = grid.nx
        guard running.count == nt * nx, terminal.count == nx, control.count >= nt * nx else {
            throw MFGError.invalidParameter(field: "costs", value: "\(running.count), \(terminal.count), \(control.count) values",
                                            fix: "need nt * nx running costs, nx terminal costs and a control of at least nt * nx values")
        }
        system.cost.update(from: running, count: nt * nx)
        // The policy: the linear backward sweep of its upwind split.
        for k in 0..<(nt * nx) {
            system.b[k] = -max(control[k], 0)
            system.c[k] = -min(control[k], 0)
        }
        (system.u + nt * nx).update(from: terminal, count: nx)
        for n in stride(from: nt - 1, through: 0, by: -1) {
            let bn = system.b + n * nx, cn = system.c + n * nx
            system.op.assemble(b: bn, c: cn, sub: system.sub, diag: system.diag, sup: system.sup)
            system.linearisedRightHandSide(step: n, b: bn, c: cn)
            system.solver.solve(sub: system.sub, diag: system.diag, sup: system.sup, rhs: system.rhs, x: system.u + n * nx,
                                periodic: system.op.periodic)
        }
        func start() -> Double {
            var v = 0.0
            for i in 0..<nx { v += system.u[i] * system.m[i] }
            return v * system.h
        }
        let policy = start()
        try terminal.withUnsafeBufferPointer { t in
            try system.solveNonlinearHJB(factors: system.linearised().hjb, terminal: t.baseAddress!)
        }
        return (policy, start())
    }
}
