import Foundation

extension SeededGenerator {
    /// A standard normal draw by the Box-Muller transform, `sqrt(-2 log u1) cos(2 pi u2)`, from two
    /// uniforms (the sine half is discarded, so a draw always consumes exactly two `next()`s and
    /// the stream stays reproducible however draws are interleaved with other uses).
    @inlinable
    public mutating func normal() -> Double {
        let u1 = max(unit(), 0x1.0p-60), u2 = unit()
        return (-2 * Foundation.log(u1)).squareRoot() * Foundation.cos(2 * Double.pi * u2)
    }
}
