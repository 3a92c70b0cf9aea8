import Foundation

/// Pictures of 2D fields.
extension Figures {
    /// Heat maps of several frames of a 2D field (each `nx * ny`, index `i ny + j`: x across, y up)
    /// side by side on one colour scale, with obstacles in grey, walls as a thick black border and
    /// exits as red segments. `exits` are segments `(x0, y0, x1, y1)` on the boundary. Frames fill
    /// rows of `columns` panels of `panel` points. `range` fixes the colour scale (values beyond it
    /// saturate); by default it spans the frames' values.
    public static func snapshots2D(
        _ frames: [[Double]], labels: [String], x: [Double], y: [Double], extent: (Double, Double, Double, Double),
        active: [Bool], walls: Bool, exits: [(Double, Double, Double, Double)], title: String, colorLabel: String,
        columns perRow: Int = 2, panel: Double = 330, range: (Double, Double)? = nil, to url: URL
    ) throws {
        let nx = x.count, ny = y.count
        let columns = min(frames.count, max(perRow, 1)), rows = (frames.count + columns - 1) / columns
        let gap = 70.0, left = 70.0, top = 60.0
        let width = Int(left + Double(columns) * (panel + gap) + 110)
        let height = Int(top + Double(rows) * (panel + gap) + 10)
        let canvas = Canvas(width: width, height: height)
        let values = frames.flatMap { f in zip(f, active).compactMap { $1 && $0.isFinite ? $0 : nil } }
        var lo = range?.0 ?? values.min() ?? 0, hi = range?.1 ?? values.max() ?? 1
        if hi <= lo { hi = lo + 1 }
        let (x0, x1, y0, y1) = extent
        let aspect = (y1 - y0) / (x1 - x0)
        let pw = aspect <= 1 ? panel : panel / aspect, ph = aspect <= 1 ? panel * aspect : panel
        for (k, frame) in frames.enumerated() {
            let px = left + Double(k % columns) * (panel + gap), py = top + Double(k / columns) * (panel + gap)
            // Row r of the image is y[r]; column c is x[c].
            var rgb = [(Double, Double, Double)](repeating: (0.6, 0.6, 0.6), count: nx * ny)
            for i in 0..<nx {
                for j in 0..<ny where active[i * ny + j] {
                    rgb[j * nx + i] = Viridis.color(min(max((frame[i * ny + j] - lo) / (hi - lo), 0), 1))
                }
            }
            canvas.image(rgb, rows: ny, cols: nx, x: px, y: py, w: pw, h: ph)
            canvas.color(0, 0, 0)
            canvas.rectangle(px, py, pw, ph, fill: false)
            if walls {
                canvas.line(px, py, px + pw, py, width: 3); canvas.line(px, py + ph, px + pw, py + ph, width: 3)
                canvas.line(px, py, px, py + ph, width: 3); canvas.line(px + pw, py, px + pw, py + ph, width: 3)
            }
            canvas.color(0.85, 0.1, 0.1)
            for (ax, ay, bx, by) in exits {
                canvas.line(px + pw * (ax - x0) / (x1 - x0), py + ph * (1 - (ay - y0) / (y1 - y0)),
                            px + pw * (bx - x0) / (x1 - x0), py + ph * (1 - (by - y0) / (y1 - y0)), width: 6)
            }
            canvas.color(0, 0, 0)
            for t in niceTicks(x0, x1, target: 4) {
                let tx = px + pw * (t - x0) / (x1 - x0)
                canvas.line(tx, py + ph, tx, py + ph + 4)
                canvas.text(tickLabel(t), tx, py + ph + 6, anchor: (0.5, 0), size: 11)
            }
            for t in niceTicks(y0, y1, target: 4) {
                let ty = py + ph * (1 - (t - y0) / (y1 - y0))
                canvas.line(px - 4, ty, px, ty)
                canvas.text(tickLabel(t), px - 6, ty, anchor: (1, 0.5), size: 11)
            }
            canvas.text(labels[k], px + pw / 2, py - 6, anchor: (0.5, 1), size: 13)
            canvas.text("x", px + pw / 2, py + ph + 22, anchor: (0.5, 0), size: 12)
            canvas.text("y", px - 40, py + ph / 2, anchor: (0.5, 0.5), size: 12)
        }
        // Colour bar.
        let bx = left + Double(columns) * (panel + gap) - gap + 30, bh = Double(rows) * (panel + gap) - gap
        canvas.image((0..<256).map { Viridis.color(Double($0) / 255) }, rows: 256, cols: 1, x: bx, y: top, w: 20, h: bh)
        canvas.color(0, 0, 0)
        canvas.rectangle(bx, top, 20, bh, fill: false)
        for t in niceTicks(lo, hi) {
            let ty = top + bh * (1 - (t - lo) / (hi - lo))
            canvas.line(bx + 20, ty, bx + 25, ty)
            canvas.text(tickLabel(t), bx + 28, ty, anchor: (0, 0.5), size: 11)
        }
        canvas.text(colorLabel, bx + 10, top - 8, anchor: (0.5, 1), size: 12)
        canvas.text(title, Double(width) / 2, 12, anchor: (0.5, 0), size: 15)
        try canvas.write(to: url)
    }
}
