import Foundation

/// The independent variables an expression may read.
public enum Variable: String, Sendable, CaseIterable, Hashable {
    case x, y, t, m, mean
}

/// Functions of one argument.
public enum UnaryFunction: String, Sendable, CaseIterable {
    case negate = "-"
    case exp, log, sqrt, sin, cos, tan, tanh, cosh, sinh, abs
    /// Internal: `sign(a)` in {-1, 0, 1}, from differentiating `abs`.
    case sign
    /// Internal: `a * a`.
    case square

    @inline(__always)
    func apply(_ a: Double) -> Double {
        switch self {
        case .negate: return -a
        case .exp: return Foundation.exp(a)
        case .log: return Foundation.log(a)
        case .sqrt: return a.squareRoot()
        case .sin: return Foundation.sin(a)
        case .cos: return Foundation.cos(a)
        case .tan: return Foundation.tan(a)
        case .tanh: return Foundation.tanh(a)
        case .cosh: return Foundation.cosh(a)
        case .sinh: return Foundation.sinh(a)
        case .abs: return Swift.abs(a)
        case .sign: return a > 0 ? 1 : (a < 0 ? -1 : 0)
        case .square: return a * a
        }
    }
}

/// Operators and functions of two arguments.
public enum BinaryFunction: String, Sendable, CaseIterable {
    case add = "+", subtract = "-", multiply = "*", divide = "/", power = "^"
    case min, max
    /// Comparisons: 1 where true, else 0 (indicators such as `(x > 0.2) * (x < 0.4)`).
    case less = "<", lessOrEqual = "<=", greater = ">", greaterOrEqual = ">="

    @inline(__always)
    func apply(_ a: Double, _ b: Double) -> Double {
        switch self {
        case .add: return a + b
        case .subtract: return a - b
        case .multiply: return a * b
        case .divide: return a / b
        case .power: return Foundation.pow(a, b)
        case .min: return Swift.min(a, b)
        case .max: return Swift.max(a, b)
        case .less: return a < b ? 1 : 0
        case .lessOrEqual: return a <= b ? 1 : 0
        case .greater: return a > b ? 1 : 0
        case .greaterOrEqual: return a >= b ? 1 : 0
        }
    }
}

/// A bound expression: names are resolved, parameters are numbers, definitions are inlined.
public indirect enum Expression: Sendable, Equatable, CustomStringConvertible {
    case constant(Double)
    case variable(Variable)
    case unary(UnaryFunction, Expression)
    case binary(BinaryFunction, Expression, Expression)

    /// The variables the expression reads.
    public var variables: Set<Variable> {
        switch self {
        case .constant: return []
        case let .variable(v): return [v]
        case let .unary(_, a): return a.variables
        case let .binary(_, a, b): return a.variables.union(b.variables)
        }
    }

    public var description: String {
        switch self {
        case let .constant(c): return "\(c)"
        case let .variable(v): return v.rawValue
        case let .unary(.negate, a): return "(-\(a))"
        case let .unary(f, a): return "\(f.rawValue)(\(a))"
        case let .binary(f, a, b) where f == .min || f == .max: return "\(f.rawValue)(\(a), \(b))"
        case let .binary(f, a, b): return "(\(a) \(f.rawValue) \(b))"
        }
    }

    /// Whether the tree has at most `budget` nodes and is at most `depth` deep; stops as soon as either
    /// is exceeded, so the walk costs at most `budget` steps however large the (shared) tree is.
    func fits(budget: inout Int, depth: Int) -> Bool {
        budget -= 1
        guard budget >= 0, depth > 0 else { return false }
        switch self {
        case .constant, .variable: return true
        case let .unary(_, a): return a.fits(budget: &budget, depth: depth - 1)
        case let .binary(_, a, b): return a.fits(budget: &budget, depth: depth - 1) && b.fits(budget: &budget, depth: depth - 1)
        }
    }

    /// Evaluates at a point (slow path: for checks and one-off values).
    public func value(_ env: [Variable: Double]) -> Double {
        switch self {
        case let .constant(c): return c
        case let .variable(v): return env[v] ?? .nan
        case let .unary(f, a): return f.apply(a.value(env))
        case let .binary(f, a, b): return f.apply(a.value(env), b.value(env))
        }
    }
}

// MARK: - Simplification and derivatives

extension Expression {
    /// Folds constants and drops neutral elements (`0 + a`, `1 * a`, `a ^ 1`, ...).
    public func simplified() -> Expression {
        switch self {
        case .constant, .variable:
            return self
        case let .unary(f, a):
            let s = a.simplified()
            if case let .constant(c) = s { return .constant(f.apply(c)) }
            return .unary(f, s)
        case let .binary(f, a, b):
            let sa = a.simplified(), sb = b.simplified()
            if case let .constant(ca) = sa, case let .constant(cb) = sb { return .constant(f.apply(ca, cb)) }
            switch (f, sa, sb) {
            case (.add, .constant(0), _): return sb
            case (.add, _, .constant(0)), (.subtract, _, .constant(0)): return sa
            case (.subtract, .constant(0), _): return .unary(.negate, sb)
            case (.multiply, .constant(0), _), (.multiply, _, .constant(0)): return .constant(0)
            case (.multiply, .constant(1), _): return sb
            case (.multiply, _, .constant(1)), (.divide, _, .constant(1)): return sa
            case (.divide, .constant(0), _): return .constant(0)
            case (.power, _, .constant(1)): return sa
            case (.power, _, .constant(0)): return .constant(1)
            case (.power, _, .constant(2)): return .unary(.square, sa)
            case (.power, _, .constant(0.5)): return .unary(.sqrt, sa)
            default: return .binary(f, sa, sb)
            }
        }
    }

    /// The expression with every occurrence of `v` replaced by `e`.
    public func substituting(_ v: Variable, with e: Expression) -> Expression {
        switch self {
        case .constant: return self
        case let .variable(w): return w == v ? e : self
        case let .unary(f, a): return .unary(f, a.substituting(v, with: e))
        case let .binary(f, a, b): return .binary(f, a.substituting(v, with: e), b.substituting(v, with: e))
        }
    }

    /// True when the expression is identically zero after simplification.
    public var isZero: Bool {
        if case .constant(0) = simplified() { return true }
        return false
    }

    /// The partial derivative with respect to `v` (simplified).
    public func derivative(_ v: Variable) -> Expression {
        derivativeUnsimplified(v).simplified()
    }

    private func derivativeUnsimplified(_ v: Variable) -> Expression {
        if !variables.contains(v) { return .constant(0) }
        switch self {
        case .constant: return .constant(0)
        case let .variable(w): return .constant(w == v ? 1 : 0)
        case let .unary(f, a):
            let da = a.derivativeUnsimplified(v)
            let outer: Expression
            switch f {
            case .negate: return .unary(.negate, da)
            case .exp: outer = self
            case .log: outer = .binary(.divide, .constant(1), a)
            case .sqrt: outer = .binary(.divide, .constant(0.5), self)
            case .sin: outer = .unary(.cos, a)
            case .cos: outer = .unary(.negate, .unary(.sin, a))
            case .tan: outer = .binary(.add, .constant(1), .unary(.square, self))
            case .tanh: outer = .binary(.subtract, .constant(1), .unary(.square, self))
            case .cosh: outer = .unary(.sinh, a)
            case .sinh: outer = .unary(.cosh, a)
            case .abs: outer = .unary(.sign, a)
            case .sign: return .constant(0)
            case .square: outer = .binary(.multiply, .constant(2), a)
            }
            return .binary(.multiply, outer, da)
        case let .binary(f, a, b):
            let da = a.derivativeUnsimplified(v), db = b.derivativeUnsimplified(v)
            switch f {
            case .add: return .binary(.add, da, db)
            case .subtract: return .binary(.subtract, da, db)
            case .multiply: return .binary(.add, .binary(.multiply, da, b), .binary(.multiply, a, db))
            case .divide:
                return .binary(.divide, .binary(.subtract, .binary(.multiply, da, b), .binary(.multiply, a, db)),
                               .unary(.square, b))
            case .power:
                if !b.variables.contains(v) {  // d(a^c) = c a^(c-1) da
                    return .binary(.multiply, .binary(.multiply, b, .binary(.power, a, .binary(.subtract, b, .constant(1)))), da)
                }  // d(a^b) = a^b (db log a + b da / a)
                return .binary(.multiply, self, .binary(.add, .binary(.multiply, db, .unary(.log, a)),
                                                         .binary(.divide, .binary(.multiply, b, da), a)))
            case .min, .max:
                // min: da where a < b, else db; max the other way round.
                let first = Expression.binary(.less, a, b)
                let (p, q) = f == .min ? (da, db) : (db, da)
                return .binary(.add, .binary(.multiply, first, p),
                               .binary(.multiply, .binary(.subtract, .constant(1), first), q))
            case .less, .lessOrEqual, .greater, .greaterOrEqual: return .constant(0)
            }
        }
    }
}
