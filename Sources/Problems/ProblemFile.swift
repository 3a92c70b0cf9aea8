import Foundation
import PDE

/// Closed-form solution fields from a file's `[exact]` table, functions of `(t, x)`.
public struct ExactSolution: Sendable {
    public let density: CompiledExpression?
    public let value: CompiledExpression?
    public let control: CompiledExpression?
    /// The ergodic constant (ergodic problems).
    public let lambda: Double?
    public var isEmpty: Bool { density == nil && value == nil && control == nil && lambda == nil }
}

/// A problem file (`problems/*.toml`), parsed, checked and compiled. Format: docs/problem-files.md.
public struct ProblemFile: Sendable {
    public let path: String
    public let name: String
    public let description: String
    public let source: String
    /// Parameters in file order, after `--set` overrides.
    public let parameters: [(name: String, value: Double)]
    /// The problem: 1D, or 2D when the file has `[domain] y`. Its costs are those of the game as
    /// posed, whatever the objective.
    public let model: MFGModel
    /// The file's `[game] objective` (default `nash`); `--objective` overrides it.
    public let objective: Objective
    /// The mean field game whose equilibrium is the social optimum, or why there is none.
    let social: Result<MFGModel, ProblemFileError>
    public let exact: ExactSolution
    /// The source text of every expression field, keyed `table.key`.
    public let expressions: [String: String]
    /// Solver settings from the optional `[solver]` table (command-line flags override them).
    public let solver: SolverDefaults
    /// The line of each key, `table.key` (root keys without a table).
    public let lines: [String: Int]

    /// The problem to solve for an objective: `model` itself for `nash`, the game with the
    /// planner's marginal costs (`SocialCosts`) for `social`. Throws, naming the field, when the
    /// social optimum of this file is not supported.
    public func model(for objective: Objective) throws -> MFGModel {
        objective == .nash ? model : try social.get()
    }

    /// Builds the discrete problem on a grid to check the data that needs one (the initial density
    /// must be finite, non-negative and not zero everywhere); errors name the file's field.
    public func checkData(grid: GridSize) throws {
        do {
            try MFGSolver.check(model, grid: grid)
        } catch let MFGError.nonNormalisableDensity(reason) {
            throw ProblemFileError(path: path, line: lines["initial.density"], field: "[initial] density",
                                   message: "m0 cannot be normalised: \(reason); it must be finite, >= 0 and positive somewhere")
        }
    }

    /// The `[solver]` table: a problem author's choice of solver and settings.
    public struct SolverDefaults: Sendable {
        public var method: SolverMethod?
        public var tolerance: Double?
        public var maxIterations: Int?
        public var damping: Double?
        /// Ergodic policy iteration: weight of the new policy (smoothed policy iteration below 1).
        public var relaxation: Double?
        /// Solve also on the grids 2h and 4h and report the discretisation-error estimate.
        public var errorEstimate: Bool?
    }

    /// The tables and keys a problem file may have (`parameters` and `definitions` take any names).
    public static let schema: [String: [String]] = [
        "": ["name", "description", "source"],
        "parameters": [], "definitions": [],
        "domain": ["x", "y", "boundary", "exit_left", "exit_right", "exit_bottom", "exit_top",
                   "exit_left_where", "exit_right_where", "exit_bottom_where", "exit_top_where", "obstacle"],
        "time": ["horizon", "ergodic"],
        "dynamics": ["viscosity", "hamiltonian", "exponent", "kappa", "alpha"],
        "costs": ["running", "potential", "terminal", "nonlocal"],
        "initial": ["density"],
        "discretisation": ["nx", "ny", "nt"],
        "exact": ["density", "value", "control", "lambda"],
        "game": ["objective"],
        "solver": ["method", "tolerance", "max_iterations", "damping", "relaxation", "error_estimate"],
    ]

    public static func load(path: String, overrides: [String: Double] = [:]) throws -> ProblemFile {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            let e = error as NSError, posix = (e.userInfo[NSUnderlyingErrorKey] as? NSError).map { String(cString: strerror(Int32($0.code))) }
            throw ProblemFileError(path: path, line: nil, field: nil, message: "cannot read the file (\(posix ?? e.localizedDescription))")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            let line = data.prefix { _ in true }.split(separator: 0x0A, omittingEmptySubsequences: false)
                .firstIndex { String(data: Data($0), encoding: .utf8) == nil }.map { $0 + 1 }
            throw ProblemFileError(path: path, line: line, field: nil, message: "the file is not UTF-8 text; save it as UTF-8")
        }
        return try parse(text, path: path, overrides: overrides)
    }

    public static func parse(_ text: String, path: String, overrides: [String: Double] = [:]) throws -> ProblemFile {
        let tables: [TOMLTable]
        do { tables = try TOMLReader.parse(text) } catch let e as TOMLError {
            throw ProblemFileError(path: path, line: e.line, field: nil, message: e.message)
        }
        let reader = Reader(path: path, tables: tables)
        try reader.checkSchema()
        return try reader.build(overrides: overrides)
    }
}

/// Turns TOML tables into a problem, with errors that name file, line and field.
struct Reader {
    let path: String
    let tables: [TOMLTable]

    func table(_ name: String) -> TOMLTable? { tables.first { $0.name == name } }

    func fail(_ entry: TOMLEntry?, _ table: String, _ message: String) -> ProblemFileError {
        let field = entry.map { table.isEmpty ? $0.key : "[\(table)] \($0.key)" }
        return ProblemFileError(path: path, line: entry?.line, field: field, message: message)
    }

    func checkSchema() throws {
        let known = ProblemFile.schema
        for t in tables {
            guard let keys = known[t.name] else {
                let hint = closest(t.name, among: known.keys.filter { !$0.isEmpty }).map { " (did you mean [\($0)]?)" } ?? ""
                throw ProblemFileError(
                    path: path, line: t.line, field: "[\(t.name)]",
                    message: "unknown table\(hint); tables: " + known.keys.filter { !$0.isEmpty }.sorted().map { "[\($0)]" }.joined(separator: " "))
            }
            guard !keys.isEmpty else { continue }
            for e in t.entries where !keys.contains(e.key) {
                let hint = closest(e.key, among: keys).map { " (did you mean '\($0)'?)" } ?? ""
                let place = t.name.isEmpty ? "at the top of the file" : "in [\(t.name)]"
                throw fail(e, t.name, "unknown key\(hint); valid keys \(place): \(keys.joined(separator: ", "))")
            }
        }
    }

    func required(_ table: String, _ key: String) throws -> TOMLEntry {
        guard let e = self.table(table)?[key] else {
            let place = table.isEmpty ? "at the top of the file" : "in [\(table)]"
            throw ProblemFileError(path: path, line: self.table(table)?.line, field: table.isEmpty ? key : "[\(table)] \(key)",
                                   message: "missing; add `\(key) = ...` \(place)")
        }
        return e
    }

    func string(_ e: TOMLEntry, _ table: String) throws -> String {
        guard case let .string(s) = e.value else { throw fail(e, table, "expected a string in quotes, found \(e.value.kind)") }
        return s
    }

    func integer(_ e: TOMLEntry, _ table: String, minimum: Int) throws -> Int {
        guard case let .number(v, true) = e.value, let n = Int(exactly: v) else {
            throw fail(e, table, "expected an integer, found \(e.value.kind)")
        }
        guard n >= minimum else { throw fail(e, table, "must be at least \(minimum), got \(n)") }
        return n
    }

    /// A field written as an expression string (or, for constants, a plain number).
    func expression(_ e: TOMLEntry, _ table: String, _ scope: ExpressionScope) throws -> (Expression, String) {
        let text: String
        switch e.value {
        case let .string(s): text = s
        case let .number(v, _): text = "\(v)"
        default: throw fail(e, table, "expected an expression in quotes or a number, found \(e.value.kind)")
        }
        do {
            return (try ExpressionParser.parse(text, scope: scope), text)
        } catch let error as ExpressionError {
            throw fail(e, table, "in \"\(text)\", \(error)")
        }
    }

    /// A constant: a number or an expression of the parameters.
    func constant(_ e: TOMLEntry, _ table: String, _ scope: ExpressionScope) throws -> Double {
        let (ex, text) = try expression(e, table, ExpressionScope(variables: [], parameters: scope.parameters,
                                                                   definitions: scope.definitions))
        guard case let .constant(v) = ex, v.isFinite else {
            throw fail(e, table, "\"\(text)\" must evaluate to a finite number")
        }
        return v
    }

    static let reserved: Set<String> = Set(Variable.allCases.map(\.rawValue) + ["pi"]
        + Array(ExpressionScope.unaryNames.keys) + Array(ExpressionScope.binaryNames.keys))

    func build(overrides: [String: Double]) throws -> ProblemFile {
        // Parameters, then overrides.
        var parameters: [(name: String, value: Double)] = []
        var scope = ExpressionScope(variables: [])
        for e in table("parameters")?.entries ?? [] {
            guard !Self.reserved.contains(e.key) else {
                throw fail(e, "parameters", "'\(e.key)' is reserved (a variable or function name); choose another name")
            }
            guard case let .number(v, _) = e.value else {
                throw fail(e, "parameters", "expected a number, found \(e.value.kind) (parameters are numbers; use [definitions] for formulas)")
            }
            parameters.append((e.key, v))
            scope.parameters[e.key] = v
        }
        for (name, v) in overrides {
            guard let index = parameters.firstIndex(where: { $0.name == name }) else {
                let names = parameters.map(\.name)
                let hint = closest(name, among: names).map { " (did you mean '\($0)'?)" } ?? ""
                throw ProblemFileError(path: path, line: nil, field: "--set \(name)",
                                       message: "the file has no parameter '\(name)'\(hint); parameters: \(names.joined(separator: ", "))")
            }
            parameters[index].value = v
            scope.parameters[name] = v
        }
        var expressions: [String: String] = [:]
        // Definitions, in file order, functions of t and x.
        for e in table("definitions")?.entries ?? [] {
            guard !Self.reserved.contains(e.key), scope.parameters[e.key] == nil else {
                throw fail(e, "definitions", "'\(e.key)' is already a parameter, variable or function name")
            }
            var local = scope
            local.variables = [.t, .x]
            let (ex, text) = try expression(e, "definitions", local)
            scope.definitions[e.key] = ex
            expressions["definitions.\(e.key)"] = text
        }

        let name = try string(try required("", "name"), "")
        let description = try table("")?["description"].map { try string($0, "") } ?? ""
        let source = try table("")?["source"].map { try string($0, "") } ?? ""

        // Domain.
        let xEntry = try required("domain", "x")
        guard case let .array(bounds) = xEntry.value, bounds.count == 2 else {
            throw fail(xEntry, "domain", "expected the interval as [lower, upper]")
        }
        var ends: [Double] = []
        for b in bounds {
            let e = TOMLEntry(key: "x", value: b, line: xEntry.line)
            ends.append(try constant(e, "domain", scope))
        }
        guard ends[0] < ends[1] else {
            throw fail(xEntry, "domain", "the interval [\(ends[0]), \(ends[1])] is empty; write [lower, upper] with lower < upper")
        }
        let boundaryEntry = try required("domain", "boundary")
        let boundaryName = try string(boundaryEntry, "domain")
        guard let boundary = Boundary(rawValue: boundaryName) else {
            throw fail(boundaryEntry, "domain", "unknown boundary '\(boundaryName)'; use \"periodic\" or \"reflecting\"")
        }

        if let yEntry = table("domain")?["y"] {
            return try build2D(yEntry: yEntry, xBounds: (ends[0], ends[1]), boundary: boundary, boundaryName: boundaryName,
                               name: name, description: description, source: source, parameters: parameters,
                               scope: scope, expressions: expressions)
        }
        for key in ["exit_bottom", "exit_top", "exit_left_where", "exit_right_where", "exit_bottom_where", "exit_top_where", "obstacle", "ny"] {
            if let e = table("domain")?[key] ?? table("discretisation")?[key] {
                throw fail(e, table("domain")?[key] != nil ? "domain" : "discretisation", "\(key) is for 2D problems; add [domain] y = [lower, upper]")
            }
        }
        var exits: [Double?] = [nil, nil]
        for (k, key) in ["exit_left", "exit_right"].enumerated() {
            guard let e = table("domain")?[key] else { continue }
            guard boundary == .reflecting else {
                throw fail(e, "domain", "exits need boundary = \"reflecting\" (a bounded domain), not \"\(boundaryName)\"")
            }
            exits[k] = try constant(e, "domain", scope)
        }

        // Time and dynamics.
        let (ergodic, horizon) = try timeSettings(scope)
        let (nu, hamiltonian) = try dynamics(scope)

        // Costs.
        func field(_ table: String, _ key: String, _ variables: Set<Variable>) throws -> Expression? {
            try optionalField(table, key, variables, scope, &expressions)
        }
        let running = try field("costs", "running", [.t, .x, .m, .mean]) ?? .constant(0)
        let potential = try field("costs", "potential", [.t, .x]) ?? .constant(0)
        let terminal = try field("costs", "terminal", [.x, .m, .mean]) ?? .constant(0)
        // The kernel of the nonlocal coupling, a function of the displacement (written x).
        let kernel = try field("costs", "nonlocal", [.x]).map(CompiledExpression.init)
        if let e = table("costs")?["nonlocal"], boundary != .periodic {
            throw fail(e, "costs", "nonlocal couplings need boundary = \"periodic\"")
        }
        _ = try required("initial", "density")
        let m0 = try field("initial", "density", [.x]) ?? .constant(0)
        let exactVariables: Set<Variable> = ergodic ? [.x] : [.t, .x]
        let exact = ExactSolution(
            density: try field("exact", "density", exactVariables).map(CompiledExpression.init),
            value: try field("exact", "value", exactVariables).map(CompiledExpression.init),
            control: try field("exact", "control", exactVariables).map(CompiledExpression.init),
            lambda: try table("exact")?["lambda"].map { e -> Double in
                guard ergodic else { throw fail(e, "exact", "lambda is the constant of ergodic problems; this one has a horizon") }
                return try constant(e, "exact", scope)
            })

        let nx = try table("discretisation")?["nx"].map { try integer($0, "discretisation", minimum: 4) } ?? 200
        let nt = try table("discretisation")?["nt"].map { try integer($0, "discretisation", minimum: 1) } ?? 100
        let initial = CompiledExpression(m0)
        var problem = MFGProblem(
            name: name, lower: ends[0], upper: ends[1], boundary: boundary, horizon: horizon, viscosity: nu,
            hamiltonian: hamiltonian,
            coupling: Self.fieldFunction(Expression.binary(.add, running, potential).simplified()),
            terminalCost: Self.fieldFunction(terminal),
            initialDensity: { x in initial.value(x: x) }, leftExit: exits[0], rightExit: exits[1],
            defaultNx: nx, defaultNt: nt)
        problem.isErgodic = ergodic
        if let kernel { problem.nonlocalKernel = { d in kernel.value(x: d) } }
        let exitEntry = table("domain")?["exit_left"] ?? table("domain")?["exit_right"]
        let social = capture {
            try socialRequirements(hamiltonian)
            var p = problem
            let f = try marginal(running, "running"), g = try marginal(terminal, "terminal")
            if let e = exitEntry, (f.variables.contains(.mean) || g.variables.contains(.mean)) {
                throw fail(e, "domain", "the social objective with a mean coupling needs a domain without exits (the mass must stay 1)")
            }
            p.coupling = Self.fieldFunction(Expression.binary(.add, f, potential).simplified())
            p.terminalCost = Self.fieldFunction(g)
            if let kernel { p.nonlocalKernel = { d in kernel.value(x: d) + kernel.value(x: -d) } }
            return .oneD(p)
        }
        return ProblemFile(
            path: path, name: name, description: description, source: source, parameters: parameters,
            model: .oneD(problem), objective: try objective(), social: social, exact: exact, expressions: expressions,
            solver: try solverDefaults(scope), lines: lineTable())
    }

    /// The social model, or the error that refuses it (kept until the social objective is asked for).
    func capture(_ body: () throws -> MFGModel) -> Result<MFGModel, ProblemFileError> {
        do { return .success(try body()) } catch let e as ProblemFileError { return .failure(e) } catch {
            return .failure(ProblemFileError(path: path, line: nil, field: nil, message: "the social objective is not available: \(error)"))
        }
    }

    /// `[game] objective`.
    func objective() throws -> Objective {
        guard let e = table("game")?["objective"] else { return .nash }
        let name = try string(e, "game")
        guard let o = Objective(rawValue: name) else {
            throw fail(e, "game", "unknown objective '\(name)'; use \"nash\" (the equilibrium) or \"social\" (the social optimum)")
        }
        return o
    }

    /// The social objective needs a Hamiltonian that does not depend on m.
    func socialRequirements(_ h: Hamiltonian) throws {
        guard h.isSeparable else {
            throw fail(table("dynamics")?["kappa"] ?? table("dynamics")?["hamiltonian"], "dynamics",
                       "the social objective is not supported with a density-dependent (congestion) Hamiltonian yet: "
                       + "its optimality system gains m dH/dm in the HJB equation, which the scheme does not discretise")
        }
    }

    /// The planner's marginal cost of a `[costs]` field, or an error naming it.
    func marginal(_ f: Expression, _ key: String) throws -> Expression {
        do { return try SocialCosts.marginal(f) } catch let r as SocialCosts.Refusal {
            throw fail(table("costs")?[key], "costs", "the social objective cannot use this \(key) cost: \(r.message)")
        }
    }

    func lineTable() -> [String: Int] {
        Dictionary(tables.flatMap { t in t.entries.map { (t.name.isEmpty ? $0.key : "\(t.name).\($0.key)", $0.line) } },
                   uniquingKeysWith: { a, _ in a })
    }

    /// `[time]`: ergodic flag and horizon (an ergodic problem has neither horizon nor terminal cost).
    func timeSettings(_ scope: ExpressionScope) throws -> (ergodic: Bool, horizon: Double) {
        var ergodic = false
        if let e = table("time")?["ergodic"] {
            guard case let .bool(v) = e.value else { throw fail(e, "time", "expected true or false, found \(e.value.kind)") }
            ergodic = v
        }
        if ergodic {
            if let e = table("time")?["horizon"] { throw fail(e, "time", "an ergodic problem has no horizon; remove it or set ergodic = false") }
            if let e = table("costs")?["terminal"] { throw fail(e, "costs", "an ergodic problem has no terminal cost; remove it") }
            return (true, 1)
        }
        let horizonEntry = try required("time", "horizon")
        let horizon = try constant(horizonEntry, "time", scope)
        guard horizon > 0 else { throw fail(horizonEntry, "time", "the horizon T must be > 0, got \(horizon)") }
        return (false, horizon)
    }

    /// `[dynamics]`: viscosity and Hamiltonian.
    func dynamics(_ scope: ExpressionScope) throws -> (viscosity: Double, hamiltonian: Hamiltonian) {
        let nuEntry = try required("dynamics", "viscosity")
        let nu = try constant(nuEntry, "dynamics", scope)
        guard nu >= 0 else {
            throw fail(nuEntry, "dynamics", "the viscosity nu = sigma^2/2 must be >= 0, got \(nu)")
        }
        var hamiltonian = Hamiltonian.quadratic
        let congestionKeys = ["kappa", "alpha"]
        if let hEntry = table("dynamics")?["hamiltonian"] {
            func value(_ key: String, default fallback: Double? = nil) throws -> (Double, TOMLEntry?) {
                guard let e = table("dynamics")?[key] else {
                    if let fallback { return (fallback, nil) }
                    _ = try required("dynamics", key)
                    return (0, nil)
                }
                return (try constant(e, "dynamics", scope), e)
            }
            let name = try string(hEntry, "dynamics")
            switch name {
            case "quadratic":
                if let stray = table("dynamics")?["exponent"] ?? table("dynamics")?["kappa"] ?? table("dynamics")?["alpha"] {
                    throw fail(stray, "dynamics", "\(stray.key) needs hamiltonian = \"power\" or \"congestion\"")
                }
            case "congestion", "power":
                if name == "congestion", let stray = table("dynamics")?["exponent"] {
                    throw fail(stray, "dynamics", "the congestion Hamiltonian has exponent 2; use hamiltonian = \"power\" for another exponent")
                }
                let (gamma, gEntry) = try value("exponent", default: name == "congestion" ? 2 : nil)
                let (kappa, kEntry) = try value("kappa", default: name == "power" ? 0 : nil)
                let (alpha, aEntry) = try value("alpha", default: name == "power" ? 0 : nil)
                if let e = gEntry, !(gamma > 1 && gamma <= 2) { throw fail(e, "dynamics", "the exponent gamma must lie in (1, 2], got \(gamma)") }
                if let e = kEntry, kappa < 0 { throw fail(e, "dynamics", "kappa must be >= 0, got \(kappa)") }
                if let e = aEntry, alpha < 0 { throw fail(e, "dynamics", "alpha must be >= 0, got \(alpha)") }
                hamiltonian = try .power(exponent: gamma, kappa: kappa, alpha: alpha)
            case let other:
                throw fail(hEntry, "dynamics", "unknown Hamiltonian '\(other)'; use \"quadratic\" (|p|^2/2), \"congestion\" "
                           + "(|p|^2/(2(1+kappa m)^alpha)) or \"power\" (|p|^gamma/(gamma (1+kappa m)^alpha)), gamma = exponent")
            }
        } else if let stray = congestionKeys.compactMap({ table("dynamics")?[$0] }).first ?? table("dynamics")?["exponent"] {
            throw fail(stray, "dynamics", "\(stray.key) needs hamiltonian = \"power\" or \"congestion\"")
        }
        return (nu, hamiltonian)
    }

    /// An optional expression field, read with the given variables; its text is recorded.
    func optionalField(
        _ table: String, _ key: String, _ variables: Set<Variable>, _ scope: ExpressionScope,
        _ expressions: inout [String: String]
    ) throws -> Expression? {
        guard let e = self.table(table)?[key] else { return nil }
        var local = scope
        local.variables = variables
        let (ex, text) = try expression(e, table, local)
        expressions["\(table).\(key)"] = text
        return ex
    }

    /// The optional [solver] table.
    func solverDefaults(_ scope: ExpressionScope) throws -> ProblemFile.SolverDefaults {
        var solver = ProblemFile.SolverDefaults()
        if let t = table("solver") {
            if let e = t["method"] {
                let name = try string(e, "solver")
                guard let m = SolverMethod(rawValue: name) else {
                    throw fail(e, "solver", "unknown method '\(name)'; use " + SolverMethod.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", "))
                }
                solver.method = m
            }
            if let e = t["tolerance"] {
                let v = try constant(e, "solver", scope)
                guard v > 0 else { throw fail(e, "solver", "the tolerance must be > 0, got \(v)") }
                solver.tolerance = v
            }
            if let e = t["max_iterations"] { solver.maxIterations = try integer(e, "solver", minimum: 1) }
            if let e = t["damping"] {
                let v = try constant(e, "solver", scope)
                guard v >= 0, v <= 1 else { throw fail(e, "solver", "the damping must lie in [0, 1], got \(v)") }
                solver.damping = v
            }
            if let e = t["relaxation"] {
                let v = try constant(e, "solver", scope)
                guard v > 0, v <= 1 else { throw fail(e, "solver", "the relaxation must lie in (0, 1], got \(v)") }
                solver.relaxation = v
            }
            if let e = t["error_estimate"] {
                guard case let .bool(v) = e.value else {
                    throw fail(e, "solver", "error_estimate must be true or false, found \(e.value.kind)")
                }
                solver.errorEstimate = v
            }
        }
        return solver
    }

    /// A 2D problem: `[domain] y` present.
    func build2D(
        yEntry: TOMLEntry, xBounds: (Double, Double), boundary: Boundary, boundaryName: String, name: String,
        description: String, source: String, parameters: [(name: String, value: Double)], scope: ExpressionScope,
        expressions: [String: String]
    ) throws -> ProblemFile {
        var expressions = expressions
        guard case let .array(bounds) = yEntry.value, bounds.count == 2 else {
            throw fail(yEntry, "domain", "expected the interval as [lower, upper]")
        }
        let ends = try bounds.map { try constant(TOMLEntry(key: "y", value: $0, line: yEntry.line), "domain", scope) }
        guard ends[0] < ends[1] else {
            throw fail(yEntry, "domain", "the interval [\(ends[0]), \(ends[1])] is empty; write [lower, upper] with lower < upper")
        }
        if let e = table("costs")?["nonlocal"], boundary != .periodic {
            throw fail(e, "costs", "nonlocal couplings need boundary = \"periodic\"")
        }
        let (ergodic, horizon) = try timeSettings(scope)
        if let e = table("exact")?["control"] { throw fail(e, "exact", "the 2D control has two components; give density, value and lambda") }
        let (nu, hamiltonian) = try dynamics(scope)
        func field(_ table: String, _ key: String, _ variables: Set<Variable>) throws -> Expression? {
            try optionalField(table, key, variables, scope, &expressions)
        }
        let running = try field("costs", "running", [.t, .x, .y, .m]) ?? .constant(0)
        let potential = try field("costs", "potential", [.t, .x, .y]) ?? .constant(0)
        let terminal = CompiledExpression(try field("costs", "terminal", [.x, .y]) ?? .constant(0))
        // The kernel of the nonlocal coupling, a function of the displacement (written x, y).
        let kernel = try field("costs", "nonlocal", [.x, .y]).map(CompiledExpression.init)
        _ = try required("initial", "density")
        let m0 = CompiledExpression(try field("initial", "density", [.x, .y]) ?? .constant(0))
        let obstacle = try field("domain", "obstacle", [.x, .y]).map(CompiledExpression.init)
        var exits: [Exit2D] = []
        for side in Side.allCases {
            guard let e = table("domain")?["exit_\(side.rawValue)"] else {
                if let w = table("domain")?["exit_\(side.rawValue)_where"] {
                    throw fail(w, "domain", "exit_\(side.rawValue)_where needs exit_\(side.rawValue) = cost")
                }
                continue
            }
            guard boundary == .reflecting else {
                throw fail(e, "domain", "exits need boundary = \"reflecting\" (a bounded domain), not \"\(boundaryName)\"")
            }
            let cost = try constant(e, "domain", scope)
            var located: (@Sendable (Double, Double) -> Bool)? = nil
            if let w = try field("domain", "exit_\(side.rawValue)_where", [.x, .y]) {
                let c = CompiledExpression(w)
                located = { x, y in c.value(x: x, y: y) != 0 }
            }
            exits.append(Exit2D(side: side, cost: cost, located: located))
        }
        let nx = try table("discretisation")?["nx"].map { try integer($0, "discretisation", minimum: 4) } ?? 100
        let ny = try table("discretisation")?["ny"].map { try integer($0, "discretisation", minimum: 4) } ?? nx
        let nt = try table("discretisation")?["nt"].map { try integer($0, "discretisation", minimum: 1) } ?? 100
        var blocked: (@Sendable (Double, Double) -> Bool)? = nil
        if let o = obstacle { blocked = { x, y in o.value(x: x, y: y) != 0 } }
        let (coupling, couplingDerivative, usesDensity) = Self.coupling2D(Expression.binary(.add, running, potential).simplified())
        let problem = MFGProblem2D(
            name: name, x: xBounds, y: (ends[0], ends[1]), boundary: boundary, horizon: horizon, viscosity: nu,
            hamiltonian: hamiltonian,
            coupling: coupling,
            couplingUsesDensity: usesDensity, couplingDensityDerivative: couplingDerivative,
            terminalCost: { x, y in terminal.value(x: x, y: y) }, initialDensity: { x, y in m0.value(x: x, y: y) },
            obstacle: blocked, exits: exits,
            defaultNx: nx, defaultNy: ny, defaultNt: nt)
        var problem2 = problem
        problem2.isErgodic = ergodic
        if let kernel { problem2.nonlocalKernel = { dx, dy in kernel.value(x: dx, y: dy) } }
        let exactVariables: Set<Variable> = ergodic ? [.x, .y] : [.t, .x, .y]
        let exact = ExactSolution(
            density: try field("exact", "density", exactVariables).map(CompiledExpression.init),
            value: try field("exact", "value", exactVariables).map(CompiledExpression.init), control: nil,
            lambda: try table("exact")?["lambda"].map { e -> Double in
                guard ergodic else { throw fail(e, "exact", "lambda is the constant of ergodic problems; this one has a horizon") }
                return try constant(e, "exact", scope)
            })
        let social = capture {
            try socialRequirements(hamiltonian)
            var p = problem2
            let f = try marginal(running, "running")
            (p.coupling, p.couplingDensityDerivative, p.couplingUsesDensity) = Self.coupling2D(Expression.binary(.add, f, potential).simplified())
            if let kernel { p.nonlocalKernel = { dx, dy in kernel.value(x: dx, y: dy) + kernel.value(x: -dx, y: -dy) } }
            return .twoD(p)
        }
        return ProblemFile(
            path: path, name: name, description: description, source: source, parameters: parameters,
            model: .twoD(problem2), objective: try objective(), social: social, exact: exact,
            expressions: expressions, solver: try solverDefaults(scope), lines: lineTable())
    }

    /// A compiled 2D running cost `F(t, x, y, m)`, its exact `dF/dm`, and whether it reads m.
    static func coupling2D(_ e: Expression) -> (MFGProblem2D.Coupling, MFGProblem2D.Coupling, Bool) {
        let f = CompiledExpression(e), df = CompiledExpression(e.derivative(.m))
        return ({ t, x, y, m, out, n in f.evaluate(t: t, x: x, y: y, m: m, mean: 0, into: out, count: n) },
                { t, x, y, m, out, n in df.evaluate(t: t, x: x, y: y, m: m, mean: 0, into: out, count: n) },
                e.variables.contains(.m))
    }

    /// A compiled cost with its exact partial derivatives in m and mean.
    static func fieldFunction(_ e: Expression) -> FieldFunction {
        let f = CompiledExpression(e)
        let dm = CompiledExpression(e.derivative(.m)), dmean = CompiledExpression(e.derivative(.mean))
        let v = e.variables
        return FieldFunction(
            usesDensity: v.contains(.m), usesMean: v.contains(.mean), usesTime: v.contains(.t),
            value: { t, x, m, mean in f.value(x: x, t: t, m: m, mean: mean) },
            derivativeInDensity: { t, x, m, mean in dm.value(x: x, t: t, m: m, mean: mean) },
            derivativeInMean: { t, x, m, mean in dmean.value(x: x, t: t, m: m, mean: mean) },
            row: { t, x, m, mean, out, count in f.evaluate(t: t, x: x, m: m, mean: mean, into: out, count: count) },
            densityDerivativeRow: { t, x, m, mean, out, count in dm.evaluate(t: t, x: x, m: m, mean: mean, into: out, count: count) },
            meanDerivativeRow: { t, x, m, mean, out, count in dmean.evaluate(t: t, x: x, m: m, mean: mean, into: out, count: count) })
    }
}
