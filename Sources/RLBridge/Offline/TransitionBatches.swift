import Neural

/// The transitions of a dataset, `i = e H + t: (t, s, a, s')`, and minibatches of them drawn with
/// replacement.
///
/// A minibatch is `batchSize` transitions (`picked`, with their `states` and `actions`), and the
/// distinct observations (t, s) among them, `observationCount` of them in order of first
/// appearance, with their sparse features (`columns`, `values`: `features.nonzeros` entries each)
/// and their transitions (`members`). A network's outputs and gradients depend on a transition only
/// through its observation, so a training step runs the network on the distinct observations alone
/// and sums the gradients of the transitions that share one (`TrainedNetwork.step`): on four rooms
/// with an expert dataset a minibatch of 512 has about 430 distinct observations.
struct TransitionBatches {
    var dataset: OfflineDataset
    let features: OfflineFeatures
    let batchSize: Int
    /// The sampler of the minibatches (and of D-MOMD's episodes).
    var rng: SeededGenerator
    /// The last minibatch: each transition's index, state and action.
    private(set) var picked: [Int]
    private(set) var states: [Int32]
    private(set) var actions: [Int32]
    /// The transitions of each distinct observation: those of observation u are
    /// `members[memberStart[u] ..< memberStart[u + 1]]`, in the order drawn.
    private(set) var members: [Int32]
    private(set) var memberStart: [Int32]
    /// The number of distinct observations in the last minibatch, and their sparse features,
    /// `[observationCount][features.nonzeros]`.
    private(set) var observationCount = 0
    private(set) var columns: [Int32]
    private(set) var values: [Float]
    /// The slot of each observation t S + s in the current minibatch, -1 if absent (`[H S]`), and
    /// the observation of each slot: the bookkeeping of `draw`, all -1 between draws.
    private var slotOfObservation: [Int32]
    private var observationOfSlot: [Int32]
    /// The observation of each transition of the minibatch.
    private var slots: [Int32]

    init(dataset: OfflineDataset, features: OfflineFeatures, batchSize: Int, seed: UInt64) {
        self.dataset = dataset
        self.features = features
        self.batchSize = batchSize
        rng = SeededGenerator(seed: seed)
        picked = [Int](repeating: 0, count: batchSize)
        states = [Int32](repeating: 0, count: batchSize)
        actions = states
        slots = states
        members = states
        memberStart = [Int32](repeating: 0, count: batchSize + 1)
        observationOfSlot = states
        columns = [Int32](repeating: 0, count: batchSize * features.nonzeros)
        values = [Float](repeating: 0, count: batchSize * features.nonzeros)
        slotOfObservation = [Int32](repeating: -1, count: features.observations)
    }

    /// The number of transitions, `episodes H`.
    var count: Int { dataset.episodes * dataset.horizon }

    /// Transition i = e H + t: (t, s, a, s').
    @inline(__always) func transition(_ i: Int) -> (t: Int, s: Int, a: Int, next: Int) {
        let H = dataset.horizon, e = i / H, t = i % H
        return (t, Int(dataset.statesVisited[e * (H + 1) + t]), Int(dataset.actionsTaken[i]), Int(dataset.statesVisited[e * (H + 1) + t + 1]))
    }

    /// Draws a minibatch: its transitions, their distinct observations and those observations'
    /// features. Allocates nothing.
    mutating func draw() {
        let n = count, S = dataset.states, H = dataset.horizon, k = features.nonzeros
        var distinct = 0
        dataset.statesVisited.withUnsafeBufferPointer { visited in
            dataset.actionsTaken.withUnsafeBufferPointer { taken in
                features.columns.withUnsafeBufferPointer { fc in
                    features.values.withUnsafeBufferPointer { fv in
                        columns.withUnsafeMutableBufferPointer { bc in
                            values.withUnsafeMutableBufferPointer { bv in
                                slotOfObservation.withUnsafeMutableBufferPointer { slotOf in
                                    // First the transitions, whose random positions in the dataset are
                                    // cache misses: with no branch on what they load, the loads overlap.
                                    for b in 0..<batchSize {
                                        let i = rng.index(below: n)
                                        picked[b] = i
                                        states[b] = visited[(i / H) * (H + 1) + i % H]
                                        actions[b] = taken[i]
                                    }
                                    for b in 0..<batchSize {
                                        let o = (picked[b] % H) * S + Int(states[b])
                                        var slot = slotOf[o]
                                        if slot < 0 {
                                            slot = Int32(distinct)
                                            slotOf[o] = slot
                                            observationOfSlot[distinct] = Int32(o)
                                            for j in 0..<k {
                                                bc[distinct * k + j] = fc[o * k + j]
                                                bv[distinct * k + j] = fv[o * k + j]
                                            }
                                            distinct += 1
                                        }
                                        slots[b] = slot
                                    }
                                    for u in 0..<distinct { slotOf[Int(observationOfSlot[u])] = -1 }
                                    // Group the transitions by observation (a counting sort).
                                    for u in 0...distinct { memberStart[u] = 0 }
                                    for b in 0..<batchSize { memberStart[Int(slots[b]) + 1] += 1 }
                                    for u in 0..<distinct { memberStart[u + 1] += memberStart[u] }
                                    for b in 0..<batchSize {
                                        let u = Int(slots[b])
                                        members[Int(memberStart[u])] = Int32(b)
                                        memberStart[u] += 1
                                    }
                                    for u in stride(from: distinct, to: 0, by: -1) { memberStart[u] = memberStart[u - 1] }
                                    memberStart[0] = 0
                                }
                            }
                        }
                    }
                }
            }
        }
        observationCount = distinct
    }
}
