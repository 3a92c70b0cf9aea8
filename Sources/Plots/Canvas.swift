import CCairo
import Foundation

/// A PNG picture drawn with cairo; the thin wrapper the project's pictures go through.
final class Canvas {
    let width: Int, height: Int
    let surface: OpaquePointer
    let cr: OpaquePointer

    init(width: Int, height: Int) {
        self.width = width
        self.height = height
        surface = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, Int32(width), Int32(height))
        cr = cairo_create(surface)
        cairo_set_source_rgb(cr, 1, 1, 1)
        cairo_paint(cr)
        cairo_select_font_face(cr, "DejaVu Sans", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL)
        cairo_set_font_size(cr, 13)
    }

    deinit {
        cairo_destroy(cr)
        cairo_surface_destroy(surface)
    }

    func color(_ r: Double, _ g: Double, _ b: Double) { cairo_set_source_rgb(cr, r, g, b) }

    func line(_ x0: Double, _ y0: Double, _ x1: Double, _ y1: Double, width: Double = 1) {
        cairo_set_line_width(cr, width)
        cairo_move_to(cr, x0, y0)
        cairo_line_to(cr, x1, y1)
        cairo_stroke(cr)
    }

    func rectangle(_ x: Double, _ y: Double, _ w: Double, _ h: Double, fill: Bool) {
        cairo_rectangle(cr, x, y, w, h)
        if fill { cairo_fill(cr) } else { cairo_set_line_width(cr, 1); cairo_stroke(cr) }
    }

    /// Text anchored by (ax, ay) in [0, 1]: (0, 0) top-left, (0.5, 0.5) centre, (1, 1) bottom-right.
    func text(_ s: String, _ x: Double, _ y: Double, anchor: (Double, Double) = (0, 0), size: Double = 13, rotated: Bool = false) {
        cairo_set_font_size(cr, size)
        var e = cairo_text_extents_t()
        cairo_text_extents(cr, s, &e)
        cairo_save(cr)
        cairo_translate(cr, x, y)
        if rotated { cairo_rotate(cr, -Double.pi / 2) }
        cairo_move_to(cr, -e.x_bearing - anchor.0 * e.width, -e.y_bearing - anchor.1 * e.height)
        cairo_show_text(cr, s)
        cairo_restore(cr)
    }

    /// Paints `values` (`rows` x `cols`, row 0 at the bottom) scaled to the rectangle, nearest-neighbour.
    func image(_ rgb: [(Double, Double, Double)], rows: Int, cols: Int, x: Double, y: Double, w: Double, h: Double) {
        let img = cairo_image_surface_create(CAIRO_FORMAT_RGB24, Int32(cols), Int32(rows))!
        cairo_surface_flush(img)
        let stride = Int(cairo_image_surface_get_stride(img))
        let data = cairo_image_surface_get_data(img)!
        for r in 0..<rows {
            let rowPointer = UnsafeMutableRawPointer(data + (rows - 1 - r) * stride).assumingMemoryBound(to: UInt32.self)
            for c in 0..<cols {
                let (R, G, B) = rgb[r * cols + c]
                rowPointer[c] = UInt32(R * 255) << 16 | UInt32(G * 255) << 8 | UInt32(B * 255)
            }
        }
        cairo_surface_mark_dirty(img)
        cairo_save(cr)
        cairo_translate(cr, x, y)
        cairo_scale(cr, w / Double(cols), h / Double(rows))
        cairo_set_source_surface(cr, img, 0, 0)
        cairo_pattern_set_filter(cairo_get_source(cr), CAIRO_FILTER_NEAREST)
        cairo_rectangle(cr, 0, 0, Double(cols), Double(rows))
        cairo_fill(cr)
        cairo_restore(cr)
        cairo_surface_destroy(img)
    }

    /// Writes the PNG atomically (temporary file, then rename).
    func write(to url: URL) throws {
        let temporary = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).partial-\(getpid())")
        let status = cairo_surface_write_to_png(surface, temporary.path)
        guard status == CAIRO_STATUS_SUCCESS, rename(temporary.path, url.path) == 0 else {
            try? FileManager.default.removeItem(at: temporary)
            throw PlotError.cannotWrite(url.path, String(cString: cairo_status_to_string(status)))
        }
    }
}

public enum PlotError: Error, CustomStringConvertible {
    case cannotWrite(String, String)
    public var description: String {
        switch self { case let .cannotWrite(path, why): return "cannot write \(path): \(why)" }
    }
}
