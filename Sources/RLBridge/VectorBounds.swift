/// Whether every entry of a buffer lies in a closed interval, in one vectorised pass: `VectorExp` and
/// `VectorLog` then skip their per-lane range handling.
enum VectorBounds {
    typealias Lanes = SIMD4<Double>

    /// Whether `lo <= x[i] <= hi` for every `i < count` (false if any is NaN): the running minimum and
    /// maximum of the lanes, and the OR of the bits of `x - x` (0 for finite entries, NaN for NaN and
    /// infinities).
    static func allWithin(_ x: UnsafePointer<Double>, count: Int, lo: Double, hi: Double) -> Bool {
        let raw = UnsafeRawPointer(x)
        var low = Lanes(repeating: lo), high = Lanes(repeating: hi), poison = SIMD4<UInt64>(repeating: 0)
        var i = 0
        while i &+ 4 <= count {
            let v = raw.loadUnaligned(fromByteOffset: i &* 8, as: Lanes.self)
            low.replace(with: v, where: v .< low)      // (not pointwiseMin: IEEE minimum, lane by lane)
            high.replace(with: v, where: v .> high)
            poison |= unsafeBitCast(v - v, to: SIMD4<UInt64>.self)
            i &+= 4
        }
        var inside = all(low .>= Lanes(repeating: lo)) && all(high .<= Lanes(repeating: hi)) && poison == .zero
        for k in i..<max(i, count) { inside = inside && x[k] >= lo && x[k] <= hi }
        return inside
    }
}
