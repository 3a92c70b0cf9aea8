import Foundation

/// NumPy `.npy` files (format version 1.0): little-endian float64, C order.
/// `numpy.load(path)` returns an array of the given shape.
public enum NPY {
    /// The bytes of an `.npy` file holding `values` with `shape` (row-major).
    public static func encode(_ values: [Double], shape: [Int]) -> Data {
        precondition(shape.reduce(1, *) == values.count, "NPY shape does not match the data")
        let dims = shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
        var header = "{'descr': '<f8', 'fortran_order': False, 'shape': \(dims), }"
        // magic (6) + version (2) + header length (2) + header, padded with spaces to a multiple of 64, ending in \n.
        let unpadded = 10 + header.utf8.count + 1
        header += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
        var data = Data([0x93] + Array("NUMPY".utf8) + [1, 0])
        let length = UInt16(header.utf8.count)
        data.append(contentsOf: [UInt8(length & 0xff), UInt8(length >> 8)])
        data.append(contentsOf: Array(header.utf8))
        values.withUnsafeBufferPointer { buffer in
            // x86_64 and arm64 are little-endian, as '<f8' says.
            data.append(UnsafeBufferPointer(
                start: UnsafeRawPointer(buffer.baseAddress!).assumingMemoryBound(to: UInt8.self),
                count: buffer.count * 8))
        }
        return data
    }

    public static func write(_ values: [Double], shape: [Int], to url: URL) throws {
        try AtomicFile.write(encode(values, shape: shape), to: url)
    }

    /// Reads a float64 C-order `.npy` file: `(values, shape)`.
    public static func read(_ url: URL) throws -> (values: [Double], shape: [Int]) {
        let data = try Data(contentsOf: url)
        let bytes = [UInt8](data)
        guard bytes.count >= 10, bytes[0] == 0x93, Array(bytes[1..<6]) == Array("NUMPY".utf8) else {
            throw WriterError.malformed(path: url.path, reason: "not an .npy file")
        }
        let length = Int(bytes[8]) | Int(bytes[9]) << 8
        guard bytes[6] == 1, bytes.count >= 10 + length,
              let header = String(bytes: bytes[10..<(10 + length)], encoding: .ascii)
        else { throw WriterError.malformed(path: url.path, reason: "unsupported .npy header") }
        guard header.contains("'<f8'"), header.contains("'fortran_order': False"),
              let open = header.range(of: "'shape': ("), let close = header[open.upperBound...].firstIndex(of: ")")
        else { throw WriterError.malformed(path: url.path, reason: "only float64 C-order arrays are read") }
        let shape = header[open.upperBound..<close].split(separator: ",").compactMap {
            Int($0.trimmingCharacters(in: .whitespaces))
        }
        let count = shape.reduce(1, *)
        guard bytes.count == 10 + length + 8 * count else {
            throw WriterError.malformed(path: url.path, reason: "data size does not match shape \(shape)")
        }
        var values = [Double](repeating: 0, count: count)
        values.withUnsafeMutableBytes { out in
            data.copyBytes(to: out.bindMemory(to: UInt8.self), from: (10 + length)..<(10 + length + 8 * count))
        }
        return (values, shape)
    }
}
