import Foundation

/// What an expression may refer to: some variables, named parameters (numbers) and earlier
/// definitions (expressions, inlined where used).
public struct ExpressionScope: Sendable {
    public var variables: Set<Variable>
    public var parameters: [String: Double]
    public var definitions: [String: Expression]

    public init(variables: Set<Variable>, parameters: [String: Double] = [:], definitions: [String: Expression] = [:]) {
        self.variables = variables
        self.parameters = parameters
        self.definitions = definitions
    }

    static let unaryNames: [String: UnaryFunction] = [
        "exp": .exp, "log": .log, "sqrt": .sqrt, "sin": .sin, "cos": .cos, "tan": .tan,
        "tanh": .tanh, "cosh": .cosh, "sinh": .sinh, "abs": .abs,
    ]
    static let binaryNames: [String: BinaryFunction] = ["min": .min, "max": .max]

    /// Every name valid here, for suggestions.
    var knownNames: [String] {
        variables.map(\.rawValue) + Array(parameters.keys) + Array(definitions.keys) + ["pi"]
            + Array(Self.unaryNames.keys) + Array(Self.binaryNames.keys)
    }
}

/// A problem in an expression, with the 1-based column where it was found.
public struct ExpressionError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public let column: Int
    public var description: String { "column \(column): \(message)" }
}

/// Parses expressions written with `+ - * / ^` (also `**`), parentheses, numbers, `pi`,
/// `exp log sqrt sin cos tan tanh cosh sinh abs min max`, variables and named parameters.
/// `^` binds tighter than unary minus and is right-associative: `-x^2 = -(x^2)`, `2^3^2 = 2^9`.
/// Comparisons `< <= > >=` bind loosest and give 1 or 0 (for indicator functions).
public struct ExpressionParser {
    enum Token: Equatable {
        case number(Double), name(String), symbol(String), end
    }

    let text: [Character]
    let scope: ExpressionScope
    var tokens: [(Token, Int)] = []
    var position = 0
    /// Nesting depth of the recursive descent, bounded so that no input can exhaust the stack.
    var depth = 0
    static let maximumDepth = 200

    /// The largest expression, counted with its definitions inlined: operations and depth. Chained
    /// definitions grow exponentially (`d2 = d1*d1`, `d3 = d2*d2`, ...) or deeply (`d_k = d_{k-1} + 1`),
    /// and every later pass (simplification, derivatives, compilation) walks the inlined tree.
    static let maximumInlinedSize = 20_000
    static let maximumInlinedDepth = 500

    public static func parse(_ text: String, scope: ExpressionScope) throws -> Expression {
        var parser = try ExpressionParser(text: text, scope: scope)
        let e = try parser.parseComparison()
        let (token, column) = parser.tokens[parser.position]
        guard token == .end else {
            throw ExpressionError(message: "unexpected \(describe(token)) after a complete expression", column: column)
        }
        var budget = maximumInlinedSize
        guard e.fits(budget: &budget, depth: maximumInlinedDepth) else {
            throw ExpressionError(
                message: "with its definitions inlined, the expression has more than \(maximumInlinedSize) operations or is nested more than "
                    + "\(maximumInlinedDepth) deep; use fewer chained definitions", column: 1)
        }
        return e.simplified()
    }

    init(text: String, scope: ExpressionScope) throws {
        self.text = Array(text)
        self.scope = scope
        tokens = try tokenize()
    }

    static func describe(_ t: Token) -> String {
        switch t {
        case let .number(v): return "number \(v)"
        case let .name(n): return "name '\(n)'"
        case let .symbol(s): return "'\(s)'"
        case .end: return "end of expression"
        }
    }

    func tokenize() throws -> [(Token, Int)] {
        var out: [(Token, Int)] = []
        var i = 0
        while i < text.count {
            let c = text[i]
            if c.isWhitespace { i += 1; continue }
            let column = i + 1
            if c.isNumber || (c == "." && i + 1 < text.count && text[i + 1].isNumber) {
                var j = i
                while j < text.count, text[j].isNumber || text[j] == "." { j += 1 }
                if j < text.count, text[j] == "e" || text[j] == "E" {
                    var k = j + 1
                    if k < text.count, text[k] == "+" || text[k] == "-" { k += 1 }
                    if k < text.count, text[k].isNumber {
                        while k < text.count, text[k].isNumber { k += 1 }
                        j = k
                    }
                }
                let literal = String(text[i..<j])
                guard let v = Double(literal) else {
                    throw ExpressionError(message: "malformed number '\(literal)'", column: column)
                }
                out.append((.number(v), column))
                i = j
            } else if c.isLetter || c == "_" {
                var j = i
                while j < text.count, text[j].isLetter || text[j].isNumber || text[j] == "_" { j += 1 }
                out.append((.name(String(text[i..<j])), column))
                i = j
            } else if c == "*", i + 1 < text.count, text[i + 1] == "*" {
                out.append((.symbol("^"), column))
                i += 2
            } else if c == "<" || c == ">" {
                let twoChar = i + 1 < text.count && text[i + 1] == "="
                out.append((.symbol(String(c) + (twoChar ? "=" : "")), column))
                i += twoChar ? 2 : 1
            } else if "+-*/^(),".contains(c) {
                out.append((.symbol(String(c)), column))
                i += 1
            } else {
                throw ExpressionError(message: "unexpected character '\(c)'", column: column)
            }
        }
        out.append((.end, text.count + 1))
        return out
    }

    var current: Token { tokens[position].0 }
    var column: Int { tokens[position].1 }

    mutating func accept(_ symbol: String) -> Bool {
        if current == .symbol(symbol) { position += 1; return true }
        return false
    }

    mutating func expect(_ symbol: String, _ context: String) throws {
        guard accept(symbol) else {
            throw ExpressionError(message: "expected '\(symbol)' \(context), found \(Self.describe(current))", column: column)
        }
    }

    mutating func parseComparison() throws -> Expression {
        depth += 1
        defer { depth -= 1 }
        guard depth <= Self.maximumDepth else {
            throw ExpressionError(message: "the expression is nested more than \(Self.maximumDepth) levels deep", column: column)
        }
        let e = try parseSum()
        for (symbol, f) in [("<=", BinaryFunction.lessOrEqual), (">=", .greaterOrEqual), ("<", .less), (">", .greater)] where accept(symbol) {
            return .binary(f, e, try parseSum())
        }
        return e
    }

    mutating func parseSum() throws -> Expression {
        var e = try parseProduct()
        while true {
            if accept("+") { e = .binary(.add, e, try parseProduct()) }
            else if accept("-") { e = .binary(.subtract, e, try parseProduct()) }
            else { return e }
        }
    }

    mutating func parseProduct() throws -> Expression {
        var e = try parseUnary()
        while true {
            if accept("*") { e = .binary(.multiply, e, try parseUnary()) }
            else if accept("/") { e = .binary(.divide, e, try parseUnary()) }
            else { return e }
        }
    }

    mutating func parseUnary() throws -> Expression {
        depth += 1
        defer { depth -= 1 }
        guard depth <= Self.maximumDepth else {
            throw ExpressionError(message: "the expression is nested more than \(Self.maximumDepth) levels deep", column: column)
        }
        if accept("-") { return .unary(.negate, try parseUnary()) }
        if accept("+") { return try parseUnary() }
        return try parsePower()
    }

    mutating func parsePower() throws -> Expression {
        let base = try parsePrimary()
        if accept("^") { return .binary(.power, base, try parseUnary()) }
        return base
    }

    mutating func parsePrimary() throws -> Expression {
        let (token, col) = tokens[position]
        switch token {
        case let .number(v):
            position += 1
            return .constant(v)
        case .symbol("("):
            position += 1
            let e = try parseComparison()
            try expect(")", "to close the '(' at column \(col)")
            return e
        case let .name(name):
            position += 1
            if current == .symbol("(") { return try parseCall(name, column: col) }
            return try resolve(name, column: col)
        default:
            throw ExpressionError(message: "expected a number, a name or '(', found \(Self.describe(token))", column: col)
        }
    }

    mutating func parseCall(_ name: String, column col: Int) throws -> Expression {
        position += 1  // "("
        var args: [Expression] = []
        if !accept(")") {
            repeat { args.append(try parseComparison()) } while accept(",")
            try expect(")", "to close the call of \(name)")
        }
        if let f = ExpressionScope.unaryNames[name] {
            guard args.count == 1 else {
                throw ExpressionError(message: "\(name) takes 1 argument, got \(args.count)", column: col)
            }
            return .unary(f, args[0])
        }
        if let f = ExpressionScope.binaryNames[name] {
            guard args.count == 2 else {
                throw ExpressionError(message: "\(name) takes 2 arguments, got \(args.count)", column: col)
            }
            return .binary(f, args[0], args[1])
        }
        let functions = Array(ExpressionScope.unaryNames.keys) + Array(ExpressionScope.binaryNames.keys)
        throw ExpressionError(
            message: "unknown function '\(name)'" + suggestion(name, among: functions)
                + "; functions: exp log sqrt sin cos tan tanh cosh sinh abs min max", column: col)
    }

    func resolve(_ name: String, column col: Int) throws -> Expression {
        if let v = Variable(rawValue: name) {
            guard scope.variables.contains(v) else {
                let allowed = scope.variables.map(\.rawValue).sorted().joined(separator: ", ")
                throw ExpressionError(
                    message: "'\(name)' cannot be used here" + (allowed.isEmpty ? " (only parameters can)" : "; this field may use \(allowed) and parameters"),
                    column: col)
            }
            return .variable(v)
        }
        if let p = scope.parameters[name] { return .constant(p) }
        if let d = scope.definitions[name] {
            let extra = d.variables.subtracting(scope.variables).map(\.rawValue).sorted()
            guard extra.isEmpty else {
                throw ExpressionError(
                    message: "the definition '\(name)' depends on \(extra.joined(separator: ", ")), which this field cannot use",
                    column: col)
            }
            return d
        }
        if name == "pi" { return .constant(Double.pi) }
        if ExpressionScope.unaryNames[name] != nil || ExpressionScope.binaryNames[name] != nil {
            throw ExpressionError(message: "'\(name)' is a function: write \(name)(...)", column: col)
        }
        throw ExpressionError(message: "unknown name '\(name)'" + suggestion(name, among: scope.knownNames), column: col)
    }
}

/// "; did you mean 'x'?" for the closest name within a small edit distance, else "".
func suggestion(_ name: String, among candidates: [String]) -> String {
    guard let best = closest(name, among: candidates) else { return "" }
    return " (did you mean '\(best)'?)"
}

/// The candidate closest to `name` in edit distance, if it is close enough to be a typo.
public func closest(_ name: String, among candidates: [String]) -> String? {
    let scored = candidates.map { ($0, editDistance(name.lowercased(), $0.lowercased())) }
    guard let best = scored.min(by: { $0.1 < $1.1 || ($0.1 == $1.1 && $0.0 < $1.0) }) else { return nil }
    return best.1 <= max(2, name.count / 3) ? best.0 : nil
}

/// Levenshtein distance.
func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a), b = Array(b)
    if a.isEmpty { return b.count }
    if b.isEmpty { return a.count }
    var previous = Array(0...b.count)
    var current = [Int](repeating: 0, count: b.count + 1)
    for i in 1...a.count {
        current[0] = i
        for j in 1...b.count {
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
        }
        swap(&previous, &current)
    }
    return previous[b.count]
}
