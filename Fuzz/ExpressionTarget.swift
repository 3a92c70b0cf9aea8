// libFuzzer target: the expression parser, simplifier, symbolic derivative and compiler (compiled with
// Sources/Problems/Expression by scripts/fuzz.sh). The first line of the input is a definition `d`,
// the rest the expression, so chained and repeated definitions are explored too.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzExpression(_ data: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: count), as: UTF8.self)
    let parts = text.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
    var scope = ExpressionScope(variables: [.t, .x, .m, .mean], parameters: ["a": 2, "b": -0.5])
    if parts.count == 2, let d = try? ExpressionParser.parse(parts[0], scope: scope) { scope.definitions["d"] = d }
    guard let e = try? ExpressionParser.parse(parts.last ?? "", scope: scope) else { return 0 }
    let compiled = CompiledExpression(e)
    _ = compiled.value(x: 0.3, t: 0.1, m: 1.5, mean: 0.2)
    let dm = e.derivative(.m)
    _ = CompiledExpression(dm).value(x: -1, t: 2, m: 0, mean: 1)
    return 0
}
