// libFuzzer target: the offline-dataset readers (compiled by scripts/fuzz.sh with the Datasets,
// RLBridge, PDE, Neural and Writers modules). The first byte chooses what the rest of the input is:
// even, a whole `.npz` dataset; odd, the `data/metadata.json` of a Minari dataset directory whose
// `main_data.hdf5` is a valid one written at start-up (the HDF5 file format itself is libhdf5's
// parser, not ours). Seeds: both forms of a small valid dataset, written into ./corpus on start.
import Datasets
import Foundation
import RLBridge

private let scratch = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("solve-mfg-fuzz-dataset-\(getpid())")
private var minariMetadata: URL { scratch.appendingPathComponent("minari/data/metadata.json") }

private func sample() -> OfflineDataset {
    let states = 5, actions = 3, horizon = 4, episodes = 3, n = episodes * horizon
    return OfflineDataset(
        gameSpec: ["game": "four_rooms"], gameName: "four rooms", states: states, actions: actions, horizon: horizon, episodes: episodes,
        behaviors: [BehaviorComponent(name: "expert", proportion: 0.5), BehaviorComponent(name: "random", proportion: 0.5)], seed: 7,
        statesVisited: (0..<(episodes * (horizon + 1))).map { Int32($0 % states) }, actionsTaken: (0..<n).map { Int32($0 % actions) },
        rewards: (0..<n).map { -Double($0) / 7 }, logProbabilities: (0..<n).map { _ in log(1.0 / 3) },
        meanField: (0..<n).map { Double($0 % 5) / 5 }, components: (0..<episodes).map { Int32($0 % 2) })
}

@_cdecl("LLVMFuzzerInitialize")
public func fuzzDatasetInitialize(_ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>>>) -> CInt {
    let fm = FileManager.default
    try? fm.createDirectory(at: scratch, withIntermediateDirectories: true)
    do {
        let d = sample()
        try MinariDataset.write(d, to: scratch.appendingPathComponent("minari"))
        let npz = scratch.appendingPathComponent("seed.npz")
        try NPZDataset.write(d, to: npz)
        try? fm.createDirectory(atPath: "corpus", withIntermediateDirectories: true)
        if (try? fm.contentsOfDirectory(atPath: "corpus"))?.isEmpty ?? true {
            try (Data([0]) + Data(contentsOf: npz)).write(to: URL(fileURLWithPath: "corpus/npz"))
            try (Data([1]) + Data(contentsOf: minariMetadata)).write(to: URL(fileURLWithPath: "corpus/minari"))
        }
    } catch { fatalError("cannot write the seed datasets: \(error)") }
    atexit { try? FileManager.default.removeItem(at: scratch) }
    return 0
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzDataset(_ data: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    guard count > 0 else { return 0 }
    let bytes = Data(UnsafeBufferPointer(start: data + 1, count: count - 1))
    if data[0] & 1 == 0 {
        let url = scratch.appendingPathComponent("input.npz")
        guard (try? bytes.write(to: url)) != nil else { return 0 }
        _ = try? NPZDataset.read(url)
    } else {
        guard (try? bytes.write(to: minariMetadata)) != nil else { return 0 }
        _ = try? MinariDataset.read(scratch.appendingPathComponent("minari"))
    }
    return 0
}
