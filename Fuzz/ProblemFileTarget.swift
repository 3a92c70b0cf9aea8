// libFuzzer target: problem-file building (compiled by scripts/fuzz.sh with the Problems and PDE
// modules): parse, compile every expression, build the game and its social-optimum form, and
// check the data on a small grid of the file's shape.
import PDE
import Problems

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzProblemFile(_ data: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: count), as: UTF8.self)
    guard let file = try? ProblemFile.parse(text, path: "fuzz.toml") else { return 0 }
    _ = try? file.model(for: .social)
    let g = file.model.defaultGrid
    let small = GridSize(nx: min(max(g.nx, 2), 24), ny: g.ny.map { min(max($0, 2), 24) }, nt: g.nt.map { min(max($0, 2), 12) })
    try? file.checkData(grid: small)
    return 0
}
