import Foundation
import Testing
@testable import Problems

@Suite struct ExpressionTests {
    let scope = ExpressionScope(variables: [.x, .t, .m, .mean], parameters: ["q": 2, "nu": 0.1])

    func value(_ text: String, x: Double = 3, m: Double = 0.5, mean: Double = 0.25) throws -> Double {
        try CompiledExpression(ExpressionParser.parse(text, scope: scope)).value(x: x, t: 0.5, m: m, mean: mean)
    }

    @Test func precedenceAndAssociativity() throws {
        #expect(try value("-x^2") == -9)
        #expect(try value("2^3^2") == 512)
        #expect(try value("1 + 2*3") == 7)
        #expect(try value("(1 + 2)*3") == 9)
        #expect(try value("2*-3") == -6)
        #expect(try value("x**2") == 9)
        #expect(try value("12/3/2") == 2)
        #expect(try value("8 - 3 - 2") == 3)
        #expect(try value("q*x + nu") == 6.1)
        #expect(try value("min(x, 1) + max(m, mean)") == 1.5)
        #expect(try value("(x > 2)*(x <= 3) + (x < 3) + (x >= 4)") == 1)
        #expect(try value("2.5e-1 + .75 + 1E1") == 11)
        #expect(abs(try value("sin(pi/2) + cos(0) + exp(0) + log(1) + sqrt(4) + abs(-1) + tanh(0) + cosh(0) + sinh(0) + tan(0)") - 7) < 1e-15)
    }

    func error(_ text: String, scope: ExpressionScope? = nil) -> ExpressionError? {
        do { _ = try ExpressionParser.parse(text, scope: scope ?? self.scope); return nil } catch let e as ExpressionError { return e } catch { return nil }
    }

    @Test func errorsNameTheColumnAndTheFix() {
        let unknown = error("q*xx + 1")
        #expect(unknown?.column == 3)
        #expect(unknown?.message.contains("unknown name 'xx'") == true && unknown?.message.contains("did you mean 'x'") == true)
        #expect(error("min(x)")?.message == "min takes 2 arguments, got 1")
        #expect(error("exp(x, 1)")?.message == "exp takes 1 argument, got 2")
        #expect(error("expp(x)")?.message.contains("did you mean 'exp'") == true)
        #expect(error("(x + 1")?.message.contains("expected ')'") == true)
        #expect(error("x 2")?.column == 3)
        #expect(error("x $ 2")?.message.contains("unexpected character '$'") == true)
        #expect(error("x +")?.message.contains("end of expression") == true)
        #expect(error("exp + 1")?.message.contains("is a function") == true)
        let m0Scope = ExpressionScope(variables: [.x])
        #expect(error("m + x", scope: m0Scope)?.message.contains("'m' cannot be used here; this field may use x") == true)
        #expect(error("", scope: m0Scope) != nil)
    }

    @Test func definitionsAreInlinedAndChecked() throws {
        var s = ExpressionScope(variables: [.t, .x], parameters: ["a": 2])
        s.definitions["w"] = try ExpressionParser.parse("a*t + x", scope: s)
        #expect(try CompiledExpression(ExpressionParser.parse("w^2", scope: s)).value(x: 1, t: 3) == 49)
        var m0 = s
        m0.variables = [.x]
        #expect(error("w", scope: m0)?.message.contains("definition 'w' depends on t") == true)
    }

    /// Symbolic derivatives against central differences, at random points.
    @Test(arguments: [
        "m*log(m) + exp(-m)*sin(mean)", "sqrt(1 + m^2)/(1 + mean^2)", "max(m, 0.5)*tanh(m) + min(mean, m)",
        "abs(m - 0.3)^1.5 + cosh(m)*sinh(mean) + tan(m/3)", "m^mean + x*m^3 - 2/m", "(1 + 4*m)^(-1.5)*mean",
    ])
    func derivativesMatchDifferences(text: String) throws {
        let e = try ExpressionParser.parse(text, scope: scope)
        let f = CompiledExpression(e), dm = CompiledExpression(e.derivative(.m)), dmean = CompiledExpression(e.derivative(.mean))
        var random = SeededRandom(seed: UInt64(text.count))
        for _ in 0..<20 {
            let x = random.uniform(-1, 1), m = random.uniform(0.6, 2), mean = random.uniform(0.1, 1)
            let step = 1e-6
            let fdm = (f.value(x: x, m: m + step, mean: mean) - f.value(x: x, m: m - step, mean: mean)) / (2 * step)
            let fdmean = (f.value(x: x, m: m, mean: mean + step) - f.value(x: x, m: m, mean: mean - step)) / (2 * step)
            // Central differences: O(step^2) truncation plus O(eps/step) round-off.
            #expect(abs(dm.value(x: x, m: m, mean: mean) - fdm) <= 1e-7 * max(1, abs(fdm)), "\(text) d/dm at m = \(m)")
            #expect(abs(dmean.value(x: x, m: m, mean: mean) - fdmean) <= 1e-7 * max(1, abs(fdmean)), "\(text) d/dmean")
        }
    }

    /// Row evaluation (chunked bytecode) equals point evaluation bit for bit, across chunk edges.
    @Test(arguments: [1, 63, 64, 65, 200])
    func rowEvaluationEqualsPointEvaluation(count: Int) throws {
        let e = try ExpressionParser.parse("0.5*q*(x - 0.5*mean)^2 + log(m)*(x > 0) - min(m, x) + t", scope: scope)
        let c = CompiledExpression(e)
        var random = SeededRandom(seed: 9)
        let xs = (0..<count).map { _ in random.uniform(-2, 2) }
        let ms = (0..<count).map { _ in random.uniform(0.1, 3) }
        var out = [Double](repeating: 0, count: count)
        out.withUnsafeMutableBufferPointer { o in
            c.evaluate(t: 0.7, x: xs, m: ms, mean: 0.3, into: o.baseAddress!, count: count)
        }
        for i in 0..<count {
            #expect(out[i] == c.value(x: xs[i], t: 0.7, m: ms[i], mean: 0.3))
            #expect(abs(out[i] - e.value([.x: xs[i], .t: 0.7, .m: ms[i], .mean: 0.3])) <= 1e-14 * max(1, abs(out[i])))
        }
    }
}

/// Deterministic pseudo-random numbers for tests (SplitMix64).
struct SeededRandom {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> Double {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        z ^= z >> 31
        return Double(z >> 11) / Double(1 << 53)
    }
    mutating func uniform(_ a: Double, _ b: Double) -> Double { a + (b - a) * next() }
}
