// libFuzzer target: the TOML reader (compiled with Sources/Problems/TOML by scripts/fuzz.sh).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTOML(_ data: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: count), as: UTF8.self)
    _ = try? TOMLReader.parse(text)
    return 0
}
