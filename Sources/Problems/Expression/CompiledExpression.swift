/// An expression compiled to straight-line register code, evaluated over chunks of points so the
/// dispatch cost is paid once per chunk, not once per point. Immutable and thread-safe; scratch
/// registers live on the stack of each call (no heap allocation per evaluation).
public final class CompiledExpression: Sendable {
    enum Instruction: Sendable {
        case constant(Int, Double)
        case variable(Int, Variable)
        case unary(UnaryFunction, Int, Int)
        case binary(BinaryFunction, Int, Int, Int)
    }

    public let expression: Expression
    let code: [Instruction]
    let registers: Int
    static let chunk = 64

    public init(_ expression: Expression) {
        self.expression = expression
        var code: [Instruction] = []
        var highest = 0
        // Post-order; the register of a node is its depth on the evaluation stack.
        func emit(_ e: Expression, _ r: Int) {
            highest = max(highest, r + 1)
            switch e {
            case let .constant(c): code.append(.constant(r, c))
            case let .variable(v): code.append(.variable(r, v))
            case let .unary(f, a):
                emit(a, r)
                code.append(.unary(f, r, r))
            case let .binary(f, a, b):
                emit(a, r)
                emit(b, r + 1)
                code.append(.binary(f, r, r, r + 1))
            }
        }
        emit(expression, 0)
        self.code = code
        registers = highest
    }

    /// The value at one point.
    public func value(x: Double = 0, y: Double = 0, t: Double = 0, m: Double = 0, mean: Double = 0) -> Double {
        withUnsafeTemporaryAllocation(of: Double.self, capacity: registers) { reg in
            let base = reg.baseAddress!
            for instruction in code {
                switch instruction {
                case let .constant(d, c): base[d] = c
                case let .variable(d, v):
                    switch v {
                    case .x: base[d] = x
                    case .y: base[d] = y
                    case .t: base[d] = t
                    case .m: base[d] = m
                    case .mean: base[d] = mean
                    }
                case let .unary(f, d, a): base[d] = f.apply(base[a])
                case let .binary(f, d, a, b): base[d] = f.apply(base[a], base[b])
                }
            }
            return base[0]
        }
    }

    /// `out[i] = e(t, x[i], y[i], m[i], mean)`, `i < count`; `y` and `m` may be nil when the
    /// expression does not read them.
    public func evaluate(
        t: Double, x: UnsafePointer<Double>, y: UnsafePointer<Double>? = nil, m: UnsafePointer<Double>?, mean: Double,
        into out: UnsafeMutablePointer<Double>, count: Int
    ) {
        let width = Self.chunk
        withUnsafeTemporaryAllocation(of: Double.self, capacity: registers * width) { reg in
            let base = reg.baseAddress!
            var start = 0
            while start < count {
                let n = min(width, count - start)
                for instruction in code {
                    switch instruction {
                    case let .constant(d, c):
                        let r = base + d * width
                        for i in 0..<n { r[i] = c }
                    case let .variable(d, v):
                        let r = base + d * width
                        switch v {
                        case .x: for i in 0..<n { r[i] = x[start + i] }
                        case .m: if let m { for i in 0..<n { r[i] = m[start + i] } } else { for i in 0..<n { r[i] = .nan } }
                        case .t: for i in 0..<n { r[i] = t }
                        case .mean: for i in 0..<n { r[i] = mean }
                        case .y: if let y { for i in 0..<n { r[i] = y[start + i] } } else { for i in 0..<n { r[i] = .nan } }
                        }
                    case let .unary(f, d, a):
                        let rd = base + d * width, ra = base + a * width
                        switch f {
                        case .negate: for i in 0..<n { rd[i] = -ra[i] }
                        case .square: for i in 0..<n { rd[i] = ra[i] * ra[i] }
                        case .sqrt: for i in 0..<n { rd[i] = ra[i].squareRoot() }
                        case .abs: for i in 0..<n { rd[i] = Swift.abs(ra[i]) }
                        default: for i in 0..<n { rd[i] = f.apply(ra[i]) }
                        }
                    case let .binary(f, d, a, b):
                        let rd = base + d * width, ra = base + a * width, rb = base + b * width
                        switch f {
                        case .add: for i in 0..<n { rd[i] = ra[i] + rb[i] }
                        case .subtract: for i in 0..<n { rd[i] = ra[i] - rb[i] }
                        case .multiply: for i in 0..<n { rd[i] = ra[i] * rb[i] }
                        case .divide: for i in 0..<n { rd[i] = ra[i] / rb[i] }
                        case .min: for i in 0..<n { rd[i] = Swift.min(ra[i], rb[i]) }
                        case .max: for i in 0..<n { rd[i] = Swift.max(ra[i], rb[i]) }
                        default: for i in 0..<n { rd[i] = f.apply(ra[i], rb[i]) }
                        }
                    }
                }
                (out + start).update(from: base, count: n)
                start += n
            }
        }
    }
}
