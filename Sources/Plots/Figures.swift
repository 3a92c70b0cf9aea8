import Foundation

/// A line of a line plot.
public struct Series: Sendable {
    public var label: String
    public var x: [Double]
    public var y: [Double]
    public var color: (Double, Double, Double)
    public init(label: String, x: [Double], y: [Double], color: (Double, Double, Double)) {
        self.label = label; self.x = x; self.y = y; self.color = color
    }
}

/// The project's pictures: heat maps of fields over (x, t) and line plots.
public enum Figures {
    static let width = 900, height = 600
    static let left = 85.0, right = 150.0, top = 50.0, bottom = 70.0

    /// `field` is `[rows][cols]` row-major, row r at `y[r]`, column c at `x[c]`.
    public static func heatMap(
        _ field: [Double], x: [Double], y: [Double], title: String, xLabel: String, yLabel: String,
        colorLabel: String, to url: URL
    ) throws {
        let canvas = Canvas(width: width, height: height)
        let pw = Double(width) - left - right, ph = Double(height) - top - bottom
        let finite = field.filter(\.isFinite)
        var lo = finite.min() ?? 0, hi = finite.max() ?? 1
        if hi <= lo { hi = lo + 1 }
        let rgb = field.map { Viridis.color(($0 - lo) / (hi - lo)) }
        canvas.image(rgb, rows: y.count, cols: x.count, x: left, y: top, w: pw, h: ph)
        axes(canvas, xRange: (x.first!, x.last!), yRange: (y.first!, y.last!), log: false, pw: pw, ph: ph)
        labels(canvas, title: title, xLabel: xLabel, yLabel: yLabel, pw: pw, ph: ph)
        // Colour bar.
        let bx = left + pw + 30, bw = 22.0
        let steps = 256
        canvas.image((0..<steps).map { Viridis.color(Double($0) / Double(steps - 1)) }, rows: steps, cols: 1,
                     x: bx, y: top, w: bw, h: ph)
        canvas.color(0, 0, 0)
        canvas.rectangle(bx, top, bw, ph, fill: false)
        for t in niceTicks(lo, hi) {
            let py = top + ph * (1 - (t - lo) / (hi - lo))
            canvas.line(bx + bw, py, bx + bw + 5, py)
            canvas.text(tickLabel(t), bx + bw + 8, py, anchor: (0, 0.5), size: 12)
        }
        canvas.text(colorLabel, bx + bw / 2, top - 12, anchor: (0.5, 1), size: 12)
        try canvas.write(to: url)
    }

    /// Lines over a shared x axis; `markers` draws a labelled vertical line at each x (for example
    /// where a solver switched methods).
    public static func linePlot(
        _ series: [Series], title: String, xLabel: String, yLabel: String, logY: Bool,
        markers: [(x: Double, label: String)] = [], to url: URL
    ) throws {
        // The picture widens for a legend with long labels (at most 8 px a character at size 12), so
        // that no label is cut; the plot keeps its size.
        let longest = series.map(\.label.count).max() ?? 0
        let extra = max(0, 45 + 8 * Double(longest) + 15 - right)
        let canvas = Canvas(width: width + Int(extra), height: height)
        let pw = Double(width) - left - right, ph = Double(height) - top - bottom
        let xs = series.flatMap(\.x).filter(\.isFinite)
        let ys = series.flatMap(\.y).filter { $0.isFinite && (!logY || $0 > 0) }.map { logY ? log10($0) : $0 }
        var (x0, x1) = (xs.min() ?? 0, xs.max() ?? 1)
        var (y0, y1) = (ys.min() ?? 0, ys.max() ?? 1)
        if x1 <= x0 { x1 = x0 + 1 }
        if logY { y0 = floor(y0); y1 = ceil(y1) }
        if y1 <= y0 { y1 = y0 + 1 } else if !logY { let pad = 0.05 * (y1 - y0); y0 -= pad; y1 += pad }
        canvas.color(1, 1, 1)
        canvas.rectangle(left, top, pw, ph, fill: true)
        // Grid.
        canvas.color(0.9, 0.9, 0.9)
        for t in logY ? logTicks(y0, y1).map(\.position) : niceTicks(y0, y1) {   // the grid at the axis's ticks
            let py = top + ph * (1 - (t - y0) / (y1 - y0)); canvas.line(left, py, left + pw, py)
        }
        for marker in markers where marker.x >= x0 && marker.x <= x1 {
            let px = left + pw * (marker.x - x0) / (x1 - x0)
            canvas.color(0.55, 0.55, 0.55)
            canvas.line(px, top, px, top + ph, width: 1)
            // The label just above the frame, clear of the curves.
            canvas.text(marker.label, px, top - 3, anchor: (0.5, 1), size: 11)
        }
        for s in series {
            canvas.color(s.color.0, s.color.1, s.color.2)
            var started = false
            cairoPath(canvas, s, x0: x0, x1: x1, y0: y0, y1: y1, logY: logY, pw: pw, ph: ph, started: &started)
        }
        axes(canvas, xRange: (x0, x1), yRange: (y0, y1), log: logY, pw: pw, ph: ph)
        labels(canvas, title: title, xLabel: xLabel, yLabel: yLabel, pw: pw, ph: ph)
        // Legend.
        for (k, s) in series.enumerated() {
            let ly = top + 10 + Double(k) * 20
            canvas.color(s.color.0, s.color.1, s.color.2)
            canvas.line(left + pw + 15, ly, left + pw + 40, ly, width: 2.5)
            canvas.color(0, 0, 0)
            canvas.text(s.label, left + pw + 45, ly, anchor: (0, 0.5), size: 12)
        }
        try canvas.write(to: url)
    }

    static func cairoPath(
        _ canvas: Canvas, _ s: Series, x0: Double, x1: Double, y0: Double, y1: Double, logY: Bool,
        pw: Double, ph: Double, started: inout Bool
    ) {
        var points: [(Double, Double)] = []
        for (x, y) in zip(s.x, s.y) {
            let v = logY ? (y > 0 ? log10(y) : .nan) : y
            guard v.isFinite, x.isFinite else { continue }
            points.append((left + pw * (x - x0) / (x1 - x0), top + ph * (1 - (v - y0) / (y1 - y0))))
        }
        guard let first = points.first else { return }
        if points.count == 1 {
            canvas.rectangle(first.0 - 2, first.1 - 2, 4, 4, fill: true)
            return
        }
        for (a, b) in zip(points, points.dropFirst()) { canvas.line(a.0, a.1, b.0, b.1, width: 2) }
    }

    static func axes(_ canvas: Canvas, xRange: (Double, Double), yRange: (Double, Double), log: Bool, pw: Double, ph: Double) {
        canvas.color(0, 0, 0)
        canvas.rectangle(left, top, pw, ph, fill: false)
        for t in niceTicks(xRange.0, xRange.1) {
            let px = left + pw * (t - xRange.0) / (xRange.1 - xRange.0)
            canvas.line(px, top + ph, px, top + ph + 5)
            canvas.text(tickLabel(t), px, top + ph + 8, anchor: (0.5, 0), size: 12)
        }
        let yTicks = log ? logTicks(yRange.0, yRange.1) : niceTicks(yRange.0, yRange.1).map { ($0, tickLabel($0)) }
        for (t, label) in yTicks {
            let py = top + ph * (1 - (t - yRange.0) / (yRange.1 - yRange.0))
            canvas.line(left - 5, py, left, py)
            canvas.text(label, left - 8, py, anchor: (1, 0.5), size: 12)
        }
    }

    static func labels(_ canvas: Canvas, title: String, xLabel: String, yLabel: String, pw: Double, ph: Double) {
        canvas.color(0, 0, 0)
        canvas.text(title, left + pw / 2, 18, anchor: (0.5, 0), size: 15)
        canvas.text(xLabel, left + pw / 2, top + ph + 35, anchor: (0.5, 0), size: 13)
        canvas.text(yLabel, 22, top + ph / 2, anchor: (0.5, 0.5), size: 13, rotated: true)
    }

    /// Distinct line colours (colour-blind safe, Okabe-Ito).
    public static let palette: [(Double, Double, Double)] = [
        (0.0, 0.447, 0.698), (0.835, 0.369, 0.0), (0.0, 0.620, 0.451), (0.8, 0.475, 0.655),
        (0.337, 0.706, 0.914), (0.902, 0.624, 0.0), (0.0, 0.0, 0.0),
        (0.55, 0.34, 0.16), (0.6, 0.6, 0.6), (0.74, 0.74, 0.13),
    ]
}
