import Neural

/// The transitions of a dataset, `i = e H + t: (t, s, a, s')`, and minibatches of them drawn with
/// replacement: their indices (`picked`) and the features of their (t, s) (`input`, `[B][F]`).
struct TransitionBatches {
    var dataset: OfflineDataset
    let features: OfflineFeatures
    let batchSize: Int
    /// The sampler of the minibatches (and of D-MOMD's episodes).
    var rng: SeededGenerator
    private(set) var picked: [Int]
    private(set) var input: [Float]

    init(dataset: OfflineDataset, features: OfflineFeatures, batchSize: Int, seed: UInt64) {
        self.dataset = dataset
        self.features = features
        self.batchSize = batchSize
        rng = SeededGenerator(seed: seed)
        picked = [Int](repeating: 0, count: batchSize)
        input = [Float](repeating: 0, count: batchSize * features.count)
    }

    /// The number of transitions, `episodes H`.
    var count: Int { dataset.episodes * dataset.horizon }

    /// Transition i = e H + t: (t, s, a, s').
    @inline(__always) func transition(_ i: Int) -> (t: Int, s: Int, a: Int, next: Int) {
        let H = dataset.horizon, e = i / H, t = i % H
        return (t, Int(dataset.statesVisited[e * (H + 1) + t]), Int(dataset.actionsTaken[i]), Int(dataset.statesVisited[e * (H + 1) + t + 1]))
    }

    /// Draws a minibatch and copies its features into `input`.
    mutating func draw() {
        let n = count, F = features.count, S = dataset.states, H = dataset.horizon
        input.withUnsafeMutableBufferPointer { x in
            features.table.withUnsafeBufferPointer { f in
                for b in 0..<batchSize {
                    let i = rng.index(below: n)
                    picked[b] = i
                    let t = i % H, s = Int(dataset.statesVisited[(i / H) * (H + 1) + t])
                    (x.baseAddress! + b * F).update(from: f.baseAddress! + (t * S + s) * F, count: F)
                }
            }
        }
    }
}
