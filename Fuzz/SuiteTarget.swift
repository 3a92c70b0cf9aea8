// libFuzzer target: benchmark suite files (compiled by scripts/fuzz.sh with the Benchmark module and
// its dependencies): parse, check and expand a suite; the fingerprint; a `--shard I/N` text.
import Benchmark

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSuite(_ data: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: count), as: UTF8.self)
    if let suite = try? Suite.parse(text, path: "fuzz.toml") { _ = suite.fingerprint; for c in suite.cells { _ = c.id } }
    _ = try? BenchmarkRun.Shard(text)
    return 0
}
