import Datasets
import Foundation
import RLBridge
import Writers
import XCTest

/// A small synthetic dataset whose doubles include awkward values (1/3, -0.0, subnormals,
/// extremes; rewards must be finite), so that the round trips are checked bit for bit.
func syntheticDataset(episodes: Int = 4, horizon: Int = 5, states: Int = 7, actions: Int = 3, seed: UInt64 = 12345) -> OfflineDataset {
    var state = seed
    func next() -> UInt64 {   // splitmix64
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    func uniform() -> Double { Double(next() >> 11) / Double(1 << 53) }
    let n = episodes * horizon
    var rewards = (0..<n).map { _ in (uniform() - 0.5) * 1e3 }
    let special: [Double] = [1.0 / 3.0, -0.0, 0.0, .leastNonzeroMagnitude, -.greatestFiniteMagnitude, .pi, 1e-300,
                             -.leastNonzeroMagnitude, .greatestFiniteMagnitude]
    for (i, v) in special.enumerated() where i < n { rewards[i] = v }
    var logProbabilities = (0..<n).map { _ in log(uniform() + 1e-12) }
    for (i, v) in [log(1.0 / 3.0), -0.0, 0.0, -699.999999999, -.leastNonzeroMagnitude].enumerated() where i < n { logProbabilities[n - 1 - i] = v }
    var meanField = (0..<n).map { _ in uniform() }
    meanField[0] = 1.0 / 3.0; meanField[1] = -0.0
    return OfflineDataset(
        gameSpec: ["game": "four_rooms", "set": "task=exploration; note=\"quoted\" ü"],
        gameName: "four rooms ü", states: states, actions: actions, horizon: horizon, episodes: episodes,
        behaviors: [BehaviorComponent(name: "expert", proportion: 1.0 / 3.0), BehaviorComponent(name: "random", proportion: 2.0 / 3.0)],
        seed: UInt64.max - 1,
        statesVisited: (0..<(episodes * (horizon + 1))).map { _ in Int32(next() % UInt64(states)) },
        actionsTaken: (0..<n).map { _ in Int32(next() % UInt64(actions)) },
        rewards: rewards, logProbabilities: logProbabilities, meanField: meanField,
        components: (0..<episodes).map { Int32($0 % 2) })
}

func assertBitIdentical(_ a: OfflineDataset, _ b: OfflineDataset, file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(a.gameSpec, b.gameSpec, file: file, line: line)
    XCTAssertEqual(a.gameName, b.gameName, file: file, line: line)
    XCTAssertEqual([a.states, a.actions, a.horizon, a.episodes], [b.states, b.actions, b.horizon, b.episodes], file: file, line: line)
    XCTAssertEqual(a.behaviors.map(\.name), b.behaviors.map(\.name), file: file, line: line)
    XCTAssertEqual(a.behaviors.map(\.proportion.bitPattern), b.behaviors.map(\.proportion.bitPattern), file: file, line: line)
    XCTAssertEqual(a.seed, b.seed, file: file, line: line)
    XCTAssertEqual(a.statesVisited, b.statesVisited, file: file, line: line)
    XCTAssertEqual(a.actionsTaken, b.actionsTaken, file: file, line: line)
    XCTAssertEqual(a.components, b.components, file: file, line: line)
    XCTAssertEqual(a.rewards.map(\.bitPattern), b.rewards.map(\.bitPattern), file: file, line: line)
    XCTAssertEqual(a.logProbabilities.map(\.bitPattern), b.logProbabilities.map(\.bitPattern), file: file, line: line)
    XCTAssertEqual(a.meanField.map(\.bitPattern), b.meanField.map(\.bitPattern), file: file, line: line)
}

final class DatasetFileTests: XCTestCase {
    var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("datasets-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    /// Expects `body` to throw a `DatasetError` whose message contains every one of `words`.
    func assertRefused(_ words: [String], file: StaticString = #filePath, line: UInt = #line, _ body: () throws -> Void) {
        do {
            try body()
            XCTFail("expected a refusal mentioning \(words)", file: file, line: line)
        } catch let error as DatasetError {
            let text = error.description
            for w in words { XCTAssertTrue(text.contains(w), "'\(text)' does not mention '\(w)'", file: file, line: line) }
        } catch {
            XCTFail("expected a DatasetError, got \(error)", file: file, line: line)
        }
    }

    // MARK: Round trips

    func testNPZRoundTripIsBitIdentical() throws {
        let d = syntheticDataset()
        let url = directory.appendingPathComponent("d.npz")
        try DatasetFile.write(d, to: url)
        assertBitIdentical(try DatasetFile.read(url), d)
    }

    func testMinariRoundTripIsBitIdentical() throws {
        let d = syntheticDataset()
        let url = directory.appendingPathComponent("four_rooms-expert-v0")
        try DatasetFile.write(d, to: url)
        XCTAssertTrue(FileManager.default.fileExists(atPath: url.appendingPathComponent("data/metadata.json").path))
        XCTAssertTrue(FileManager.default.fileExists(atPath: url.appendingPathComponent("data/main_data.hdf5").path))
        assertBitIdentical(try DatasetFile.read(url), d)
    }

    func testMinariOverwriteReplacesTheWholeDatasetAndLeavesNoTemporaries() throws {
        let url = directory.appendingPathComponent("ds")
        try DatasetFile.write(syntheticDataset(episodes: 6), to: url)
        let second = syntheticDataset(episodes: 3, horizon: 2, seed: 7)
        try DatasetFile.write(second, to: url)
        assertBitIdentical(try DatasetFile.read(url), second)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: url.path), ["data"])
    }

    func testMinariRefusesToReplaceADirectoryThatIsNotADataset() throws {
        let url = directory.appendingPathComponent("ds")
        try FileManager.default.createDirectory(at: url.appendingPathComponent("data"), withIntermediateDirectories: true)
        try Data("keep".utf8).write(to: url.appendingPathComponent("data/precious.txt"))
        assertRefused(["not a Minari dataset directory"]) { try DatasetFile.write(syntheticDataset(), to: url) }
        XCTAssertTrue(FileManager.default.fileExists(atPath: url.appendingPathComponent("data/precious.txt").path))
    }

    func testWritingAnInvalidDatasetIsRefused() {
        var d = syntheticDataset()
        d.rewards.removeLast()
        assertRefused(["rewards"]) { try DatasetFile.write(d, to: self.directory.appendingPathComponent("d.npz")) }
        assertRefused(["rewards"]) { try DatasetFile.write(d, to: self.directory.appendingPathComponent("m")) }
        XCTAssertFalse(FileManager.default.fileExists(atPath: directory.appendingPathComponent("d.npz").path))
        XCTAssertFalse(FileManager.default.fileExists(atPath: directory.appendingPathComponent("m/data").path))
    }

    // MARK: Refusals: npz

    func testTruncatedNPZIsRefused() throws {
        let url = directory.appendingPathComponent("d.npz")
        try DatasetFile.write(syntheticDataset(), to: url)
        let full = try Data(contentsOf: url)
        for keep in [0, 10, full.count / 2, full.count - 30, full.count - 1] {
            try full.prefix(keep).write(to: url)
            assertRefused([url.path]) { _ = try DatasetFile.read(url) }
        }
    }

    func testCorruptNPZIsRefusedByTheChecksum() throws {
        let url = directory.appendingPathComponent("d.npz")
        try DatasetFile.write(syntheticDataset(), to: url)
        var bytes = [UInt8](try Data(contentsOf: url))
        bytes[200] ^= 0x01
        try Data(bytes).write(to: url)
        assertRefused([url.path, "CRC-32"]) { _ = try DatasetFile.read(url) }
    }

    /// Rewrites the archive at `url` with `change` applied to its members.
    func rewriteNPZ(_ url: URL, _ change: (inout [(key: String, array: NPYArray)]) -> Void) throws {
        var members = try NPZ.read(url)
        change(&members)
        try NPZ.write(members, to: url)
    }

    func testNPZWithAMissingKeyIsRefused() throws {
        let url = directory.appendingPathComponent("d.npz")
        try DatasetFile.write(syntheticDataset(), to: url)
        try rewriteNPZ(url) { $0.removeAll { $0.key == "mean_field" } }
        assertRefused([url.path, "mean_field", "missing"]) { _ = try DatasetFile.read(url) }
    }

    func testNPZWithInconsistentShapesIsRefused() throws {
        let d = syntheticDataset()
        let url = directory.appendingPathComponent("d.npz")
        try DatasetFile.write(d, to: url)
        try rewriteNPZ(url) { members in
            let i = members.firstIndex { $0.key == "rewards" }!
            members[i].array = NPYArray(d.rewards, shape: [d.horizon, d.episodes])
        }
        assertRefused([url.path, "rewards", "shape [5, 4]", "[4, 5]"]) { _ = try DatasetFile.read(url) }
    }

    /// An .npz dataset whose metadata says `"episodes" : episodes` (the arrays hold 4).
    func datasetClaiming(episodes: Int) throws -> URL {
        let url = directory.appendingPathComponent("d.npz")
        try DatasetFile.write(syntheticDataset(), to: url)
        try rewriteNPZ(url) { members in
            let i = members.firstIndex { $0.key == "metadata" }!
            let text = String(decoding: members[i].array.bytes()!, as: UTF8.self)
                .replacingOccurrences(of: "\"episodes\" : 4", with: "\"episodes\" : \(episodes)")
            members[i].array = NPYArray([UInt8](text.utf8), shape: [text.utf8.count])
        }
        return url
    }

    func testNPZWithMetadataDisagreeingWithTheArraysIsRefused() throws {
        let url = try datasetClaiming(episodes: 5)
        assertRefused([url.path, "states", "expected [5, 6]"]) { _ = try DatasetFile.read(url) }
    }

    func testMetadataSizesAreCheckedBeforeAnythingIsAllocated() throws {
        let url = try datasetClaiming(episodes: 1_000_000_000)
        assertRefused([url.path, "metadata.episodes", "at most 5e+07 are read"]) { _ = try DatasetFile.read(url) }
    }

    func testRewardsThatAreNotFiniteAndUnknownBehavioursAreRefused() throws {
        let d = syntheticDataset()
        let url = directory.appendingPathComponent("d.npz")
        try DatasetFile.write(d, to: url)
        try rewriteNPZ(url) { members in
            let i = members.firstIndex { $0.key == "rewards" }!
            var rewards = d.rewards
            rewards[3] = .nan
            members[i].array = NPYArray(rewards, shape: [d.episodes, d.horizon])
        }
        assertRefused([url.path, "the reward nan at episode 0, step 3 is not finite"]) { _ = try DatasetFile.read(url) }
        var named = d
        named.behaviors[1].name = "expret"
        assertRefused(["behaviors[1].name", "unknown behaviour 'expret'"]) { try DatasetFile.write(named, to: url) }
        var field = d
        field.meanField[2] = 1.5
        assertRefused(["mean_field", "1.5"]) { try DatasetFile.write(field, to: url) }
    }

    func testMislabelledActionsAreRefusedByValidate() throws {
        let d = syntheticDataset()
        let url = directory.appendingPathComponent("d.npz")
        try DatasetFile.write(d, to: url)
        try rewriteNPZ(url) { members in
            let i = members.firstIndex { $0.key == "actions" }!
            var actions = d.actionsTaken.map(Int64.init)
            actions[7] = Int64(d.actions)   // one past the last action
            members[i].array = NPYArray(actions, shape: [d.episodes, d.horizon])
        }
        assertRefused([url.path, "action 3 at episode 1, step 2 is outside 0..<3"]) { _ = try DatasetFile.read(url) }
    }

    // MARK: Refusals: Minari

    func testTruncatedHDF5IsRefused() throws {
        let url = directory.appendingPathComponent("ds")
        try DatasetFile.write(syntheticDataset(), to: url)
        let hdf5 = url.appendingPathComponent("data/main_data.hdf5")
        let full = try Data(contentsOf: hdf5)
        for keep in [0, 100, full.count / 2, full.count - 1] {
            try full.prefix(keep).write(to: hdf5)
            assertRefused([hdf5.path]) { _ = try DatasetFile.read(url) }
        }
    }

    /// Edits `data/metadata.json` of the dataset at `url`.
    func editMetadata(_ url: URL, _ change: (inout [String: Any]) -> Void) throws {
        let file = url.appendingPathComponent("data/metadata.json")
        var object = try JSONSerialization.jsonObject(with: Data(contentsOf: file)) as! [String: Any]
        change(&object)
        try JSONSerialization.data(withJSONObject: object).write(to: file)
    }

    func testMetadataWithWrongTotalStepsIsRefused() throws {
        let url = directory.appendingPathComponent("ds")
        try DatasetFile.write(syntheticDataset(), to: url)
        try editMetadata(url) { $0["total_steps"] = 21 }
        assertRefused(["metadata.json", "total_steps", "is 21", "20"]) { _ = try DatasetFile.read(url) }
    }

    func testMetadataWithoutTheSolveMFGKeyIsRefused() throws {
        let url = directory.appendingPathComponent("ds")
        try DatasetFile.write(syntheticDataset(), to: url)
        try editMetadata(url) { $0["solve_mfg"] = nil }
        assertRefused(["metadata.json", "solve_mfg", "missing"]) { _ = try DatasetFile.read(url) }
    }

    func testMislabelledMinariDatasetIsRefusedByValidate() throws {
        // The metadata claims 2 actions (space and solve_mfg agree), but the data use action 2.
        var d = syntheticDataset()
        d.actionsTaken[3] = 2
        let url = directory.appendingPathComponent("ds")
        try DatasetFile.write(d, to: url)
        try editMetadata(url) { m in
            m["action_space"] = "{\"type\": \"Discrete\", \"dtype\": \"int64\", \"start\": 0, \"n\": 2}"
            var s = m["solve_mfg"] as! [String: Any]
            s["actions"] = 2
            m["solve_mfg"] = s
        }
        assertRefused([url.path, "outside 0..<2"]) { _ = try DatasetFile.read(url) }
    }

    func testMinariEpisodeCountDisagreeingWithTheFileIsRefused() throws {
        let url = directory.appendingPathComponent("ds")
        try DatasetFile.write(syntheticDataset(), to: url)
        try editMetadata(url) { m in
            m["total_episodes"] = 3
            m["total_steps"] = 15
            var s = m["solve_mfg"] as! [String: Any]
            s["episodes"] = 3
            m["solve_mfg"] = s
        }
        assertRefused(["main_data.hdf5", "holds 4", "total_episodes is 3"]) { _ = try DatasetFile.read(url) }
    }

    // MARK: Export for bench/check_minari.py

    /// Writes `$SOLVE_MFG_DATASET_EXPORT/{minari, dataset.npz}` from the same dataset, for the
    /// Python check; skipped unless the variable is set.
    func testExportForThePythonCheck() throws {
        guard let out = ProcessInfo.processInfo.environment["SOLVE_MFG_DATASET_EXPORT"] else {
            throw XCTSkip("set SOLVE_MFG_DATASET_EXPORT to a directory to export the datasets for bench/check_minari.py")
        }
        let root = URL(fileURLWithPath: out)
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        let d = syntheticDataset(episodes: 25, horizon: 12, states: 169, actions: 5, seed: 2024)
        try DatasetFile.write(d, to: root.appendingPathComponent("minari"))
        try DatasetFile.write(d, to: root.appendingPathComponent("dataset.npz"))
        assertBitIdentical(try DatasetFile.read(root.appendingPathComponent("minari")), d)
        // Written by `check_minari.py --resave` with numpy.savez (zip64 extras in the local headers).
        let resaved = root.appendingPathComponent("numpy_savez.npz")
        if FileManager.default.fileExists(atPath: resaved.path) {
            assertBitIdentical(try DatasetFile.read(resaved), d)
        }
    }
}
