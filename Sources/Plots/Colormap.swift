/// The viridis colour map (perceptually uniform, readable in grey and by colour-blind readers),
/// by linear interpolation between 11 samples of the original.
enum Viridis {
    static let samples: [(Double, Double, Double)] = [
        (0.267, 0.005, 0.329), (0.283, 0.141, 0.458), (0.254, 0.265, 0.530), (0.207, 0.372, 0.553),
        (0.164, 0.471, 0.558), (0.128, 0.567, 0.551), (0.135, 0.659, 0.518), (0.267, 0.749, 0.441),
        (0.478, 0.821, 0.318), (0.741, 0.873, 0.150), (0.993, 0.906, 0.144),
    ]

    /// Colour of `v` in [0, 1] (clamped; NaN is grey).
    static func color(_ v: Double) -> (Double, Double, Double) {
        guard v.isFinite else { return (0.5, 0.5, 0.5) }
        let x = min(max(v, 0), 1) * Double(samples.count - 1)
        let i = min(Int(x), samples.count - 2)
        let f = x - Double(i)
        let a = samples[i], b = samples[i + 1]
        return (a.0 + f * (b.0 - a.0), a.1 + f * (b.1 - a.1), a.2 + f * (b.2 - a.2))
    }
}

/// Tick positions at 1, 2 or 5 times a power of ten, about `target` of them.
func niceTicks(_ lo: Double, _ hi: Double, target: Int = 5) -> [Double] {
    guard lo.isFinite, hi.isFinite, hi > lo else { return [lo] }
    let raw = (hi - lo) / Double(target)
    let magnitude = pow(10, floor(log10(raw)))
    let step = [1.0, 2, 5, 10].map { $0 * magnitude }.first { $0 >= raw } ?? 10 * magnitude
    var ticks: [Double] = []
    var t = ceil(lo / step - 1e-9) * step
    while t <= hi + 1e-9 * step {
        ticks.append(abs(t) < 1e-12 * step ? 0 : t)
        t += step
    }
    return ticks
}

/// Ticks of a log10 axis from `lo` to `hi` (exponents): `(position, label)`, each label distinct.
/// Whole decades (`1e3`) every 1, 2, 5, ... decades; on an axis of at most two decades also the 2
/// and 5 multiples (`2e2`, `5e2`), so that a short axis still has a few ticks and never repeats one.
public func logTicks(_ lo: Double, _ hi: Double) -> [(position: Double, label: String)] {
    guard lo.isFinite, hi.isFinite, hi > lo else { return [(lo, lo.isFinite ? "1e\(Int(lo.rounded()))" : "")] }
    let first = Int(ceil(lo - 1e-9)), last = Int(floor(hi + 1e-9))
    let span = hi - lo
    if span <= 2 {
        var ticks: [(Double, String)] = []
        for e in (first - 1)...last {
            for (m, offset) in [(1, 0.0), (2, log10(2.0)), (5, log10(5.0))] {
                let p = Double(e) + offset
                if p >= lo - 1e-9 && p <= hi + 1e-9 { ticks.append((p, "\(m)e\(e)")) }
            }
        }
        return ticks
    }
    let nice = niceTicks(lo, hi)
    let step = nice.count > 1 ? max(1, Int((nice[1] - nice[0]).rounded())) : 1
    return stride(from: first, through: last, by: 1).filter { $0 % step == 0 }.map { (Double($0), "1e\($0)") }
}

/// A short label for a tick value.
func tickLabel(_ v: Double) -> String {
    if v == 0 { return "0" }
    let a = abs(v)
    if a >= 1e4 || a < 1e-3 { return String(format: "%.0e", v) }
    var s = String(format: "%.4f", v)
    while s.hasSuffix("0") { s.removeLast() }
    if s.hasSuffix(".") { s.removeLast() }
    return s
}

import Foundation
