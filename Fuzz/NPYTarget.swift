// libFuzzer target: the .npy and .npz readers (compiled with Sources/Writers by scripts/fuzz.sh); the
// first byte chooses the format.
import Foundation

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzNPY(_ data: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    guard count > 0 else { return 0 }
    let bytes = Data(UnsafeBufferPointer(start: data + 1, count: count - 1))
    if data[0] & 1 == 0 {
        if let a = try? NPY.decode(bytes, path: "fuzz.npy") { _ = a.doubles(); _ = a.integers(); _ = a.bytes() }
    } else {
        if let members = try? NPZ.decode(bytes, path: "fuzz.npz") { for m in members { _ = m.array.doubles() } }
    }
    return 0
}
