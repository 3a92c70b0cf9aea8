/// Zero-filled `Double` buffers allocated together and freed together: the storage of a solver's
/// workspace (reused across iterations for speed; it carries no meaning between calls).
final class Workspace {
    private var buffers: [UnsafeMutablePointer<Double>] = []

    /// A new buffer of `count` zeros, freed with this workspace.
    func make(_ count: Int) -> UnsafeMutablePointer<Double> {
        let p = UnsafeMutablePointer<Double>.allocate(capacity: count)
        p.initialize(repeating: 0, count: count)
        buffers.append(p)
        return p
    }

    deinit { for p in buffers { p.deallocate() } }
}
