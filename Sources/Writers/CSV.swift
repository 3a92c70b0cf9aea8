import Foundation

/// Comma-separated tables with a header row; numbers written with full precision.
public enum CSV {
    /// `integerColumns`: how many leading columns hold counts (an iteration), written as integers (`3`, not `3.0`).
    public static func encode(header: [String], rows: [[Double]], integerColumns: Int = 0) -> Data {
        encode(header: header, cells: rows.map { row in
            row.enumerated().map { k, v in k < integerColumns && v.isFinite && abs(v) < 9e15 ? String(Int(v)) : "\(v)" }
        })
    }

    /// Rows of cells already written as text (an empty cell is a missing value); a cell with a
    /// comma, a quote or a line break is quoted (RFC 4180).
    public static func encode(header: [String], cells: [[String]]) -> Data {
        func field(_ s: String) -> String {
            s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" })
                ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
        }
        var text = header.map(field).joined(separator: ",") + "\n"
        for row in cells { text += row.map(field).joined(separator: ",") + "\n" }
        return Data(text.utf8)
    }

    public static func write(header: [String], rows: [[Double]], integerColumns: Int = 0, to url: URL) throws {
        try AtomicFile.write(encode(header: header, rows: rows, integerColumns: integerColumns), to: url)
    }

    public static func write(header: [String], cells: [[String]], to url: URL) throws {
        try AtomicFile.write(encode(header: header, cells: cells), to: url)
    }
}

/// Pretty-printed, key-sorted JSON of an `Encodable` value.
public enum JSONFile {
    public static func write<T: Encodable>(_ value: T, to url: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.nonConformingFloatEncodingStrategy = .convertToString(
            positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
        try AtomicFile.write(try encoder.encode(value), to: url)
    }
}
