import Foundation

/// NumPy `.npy` files (format version 1.0, C order, little-endian).
/// `numpy.load(path)` returns an array of the given shape.
///
/// The `[Double]` functions are the original float64 interface; `NPYArray` carries the other
/// element types that `.npz` archives need (int64, int32, uint8).
public enum NPY {
    /// The bytes of an `.npy` file holding `values` with `shape` (row-major).
    public static func encode(_ values: [Double], shape: [Int]) -> Data {
        encode(NPYArray(values, shape: shape))
    }

    /// The bytes of an `.npy` file holding `array`.
    public static func encode(_ array: NPYArray) -> Data {
        let dims: String
        switch array.shape.count {
        case 0: dims = "()"
        case 1: dims = "(\(array.shape[0]),)"
        default: dims = "(" + array.shape.map(String.init).joined(separator: ", ") + ")"
        }
        var header = "{'descr': '\(array.dtype.rawValue)', 'fortran_order': False, 'shape': \(dims), }"
        // magic (6) + version (2) + header length (2) + header, padded with spaces to a multiple of 64, ending in \n.
        let unpadded = 10 + header.utf8.count + 1
        header += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
        var data = Data([0x93] + Array("NUMPY".utf8) + [1, 0])
        let length = UInt16(header.utf8.count)
        data.append(contentsOf: [UInt8(length & 0xff), UInt8(length >> 8)])
        data.append(contentsOf: Array(header.utf8))
        data.append(array.payload)
        return data
    }

    public static func write(_ values: [Double], shape: [Int], to url: URL) throws {
        try AtomicFile.write(encode(values, shape: shape), to: url)
    }

    /// Reads a float64 C-order `.npy` file: `(values, shape)`.
    public static func read(_ url: URL) throws -> (values: [Double], shape: [Int]) {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw WriterError.malformed(path: url.path, reason: "cannot read it: \(FileProblem.reason(error))")
        }
        let array = try decode(data, path: url.path)
        guard let values = array.doubles() else {
            throw WriterError.malformed(path: url.path, reason: "only float64 C-order arrays are read")
        }
        return (values, array.shape)
    }

    /// Parses the bytes of an `.npy` file (versions 1.0 to 3.0; little-endian float64, int64, int32
    /// or uint8 in C order). `path` names the file (or `archive.npz:key.npy`) in errors.
    public static func decode(_ data: Data, path: String) throws -> NPYArray {
        let bytes = [UInt8](data)
        guard bytes.count >= 10, bytes[0] == 0x93, Array(bytes[1..<6]) == Array("NUMPY".utf8) else {
            throw WriterError.malformed(path: path, reason: "not an .npy file")
        }
        let length: Int, start: Int
        switch bytes[6] {
        case 1:
            length = Int(bytes[8]) | Int(bytes[9]) << 8
            start = 10
        case 2, 3:
            guard bytes.count >= 12 else { throw WriterError.malformed(path: path, reason: "truncated .npy header") }
            length = Int(bytes[8]) | Int(bytes[9]) << 8 | Int(bytes[10]) << 16 | Int(bytes[11]) << 24
            start = 12
        default:
            throw WriterError.malformed(path: path, reason: "unsupported .npy version \(bytes[6])")
        }
        guard bytes.count >= start + length,
              let header = String(bytes: bytes[start..<(start + length)], encoding: .utf8)
        else { throw WriterError.malformed(path: path, reason: "truncated .npy header") }
        let fields = try headerFields(header, path: path)
        let descr = fields.descr
        guard let dtype = NPYDType(descr: descr) else {
            throw WriterError.malformed(path: path, reason: "unsupported element type '\(descr)' (float64, int64, int32 and uint8, little-endian, are read)")
        }
        guard !fields.fortranOrder else {
            throw WriterError.malformed(path: path, reason: "only C-order (fortran_order False) arrays are read")
        }
        let shape = fields.shape
        let (count, overflow) = shape.reduce((1, false)) { acc, n in
            let (p, o) = acc.0.multipliedReportingOverflow(by: n); return (p, acc.1 || o)
        }
        let payloadStart = start + length
        guard !overflow, count <= (bytes.count - payloadStart) / dtype.size,
              bytes.count == payloadStart + dtype.size * count
        else {
            throw WriterError.malformed(path: path, reason: "data size \(bytes.count - payloadStart) bytes does not match shape \(shape) of \(dtype.rawValue) (\(dtype.size) bytes each): truncated or corrupt")
        }
        return NPYArray(dtype: dtype, shape: shape, payload: data.subdata(in: (data.startIndex + payloadStart)..<data.endIndex))
    }

    /// The header dictionary, read strictly: exactly the keys 'descr' (a quoted string), 'fortran_order'
    /// (True or False) and 'shape' (a tuple of non-negative integers), each once.
    static func headerFields(_ header: String, path: String) throws -> (descr: String, fortranOrder: Bool, shape: [Int]) {
        func bad(_ reason: String) -> WriterError { WriterError.malformed(path: path, reason: "the .npy header \(reason)") }
        let text = header.trimmingCharacters(in: .whitespacesAndNewlines)
        guard text.hasPrefix("{"), text.hasSuffix("}") else { throw bad("is not a dictionary") }
        // Items split at the commas outside parentheses and quotes.
        var items: [String] = [], current = "", depth = 0, quote: Character? = nil
        for c in text.dropFirst().dropLast() {
            if let q = quote { if c == q { quote = nil } } else if c == "'" || c == "\"" { quote = c } else if c == "(" { depth += 1 } else if c == ")" { depth -= 1 }
            if c == ",", depth == 0, quote == nil { items.append(current); current = "" } else { current.append(c) }
        }
        items.append(current)
        var values: [String: String] = [:]
        for item in items.map({ $0.trimmingCharacters(in: .whitespaces) }) where !item.isEmpty {
            guard let colon = item.firstIndex(of: ":") else { throw bad("has an entry without a key: '\(item)'") }
            let key = item[..<colon].trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: "'\""))
            guard ["descr", "fortran_order", "shape"].contains(key) else { throw bad("has an unknown key '\(key)'") }
            guard values[key] == nil else { throw bad("gives '\(key)' twice") }
            values[key] = item[item.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        guard let d = values["descr"], d.count >= 2, let q = d.first, q == "'" || q == "\"", d.last == q else {
            throw bad("has no quoted 'descr'")
        }
        let fortran: Bool
        switch values["fortran_order"] {
        case "False": fortran = false
        case "True": fortran = true
        default: throw bad("has no 'fortran_order' True or False")
        }
        guard let tuple = values["shape"], tuple.hasPrefix("("), tuple.hasSuffix(")") else { throw bad("has no 'shape' tuple") }
        var shape: [Int] = []
        for part in tuple.dropFirst().dropLast().split(separator: ",", omittingEmptySubsequences: false).enumerated() {
            let entry = part.element.trimmingCharacters(in: .whitespaces)
            if entry.isEmpty, part.offset > 0 { continue }   // the trailing comma of (3,)
            if entry.isEmpty, tuple == "()" { continue }
            guard let n = Int(entry), n >= 0 else { throw bad("has a bad shape entry '\(entry)'") }
            shape.append(n)
        }
        return (String(d.dropFirst().dropLast()), fortran, shape)
    }

}

/// The element types that `NPY` reads and writes, by their NumPy `descr`.
public enum NPYDType: String, Sendable, Equatable {
    case float64 = "<f8", int64 = "<i8", int32 = "<i4", uint8 = "|u1"

    public var size: Int {
        switch self { case .float64, .int64: return 8; case .int32: return 4; case .uint8: return 1 }
    }

    init?(descr: String) {
        switch descr {
        case "<f8": self = .float64
        case "<i8": self = .int64
        case "<i4": self = .int32
        case "|u1", "<u1", "u1": self = .uint8
        default: return nil
        }
    }
}

/// A C-order array with its element type and raw little-endian bytes, as held in an `.npy` file.
public struct NPYArray: Sendable, Equatable {
    public let dtype: NPYDType
    public let shape: [Int]
    /// The elements' bytes, little-endian, row-major (x86_64 and arm64 are little-endian).
    public let payload: Data

    public var count: Int { shape.reduce(1, *) }

    init(dtype: NPYDType, shape: [Int], payload: Data) {
        self.dtype = dtype; self.shape = shape; self.payload = payload
    }

    private init<T>(dtype: NPYDType, values: [T], shape: [Int]) {
        precondition(shape.reduce(1, *) == values.count, "NPY shape \(shape) does not match the \(values.count) values")
        precondition(MemoryLayout<T>.size == dtype.size)
        self.init(dtype: dtype, shape: shape, payload: values.withUnsafeBytes { Data($0) })
    }

    public init(_ values: [Double], shape: [Int]) { self.init(dtype: .float64, values: values, shape: shape) }
    public init(_ values: [Int64], shape: [Int]) { self.init(dtype: .int64, values: values, shape: shape) }
    public init(_ values: [Int32], shape: [Int]) { self.init(dtype: .int32, values: values, shape: shape) }
    public init(_ values: [UInt8], shape: [Int]) { self.init(dtype: .uint8, values: values, shape: shape) }

    private func elements<T>(_: T.Type) -> [T] {
        let n = payload.count / MemoryLayout<T>.size
        return [T](unsafeUninitializedCapacity: n) { buffer, initialised in
            _ = payload.copyBytes(to: UnsafeMutableRawBufferPointer(buffer))
            initialised = n
        }
    }

    /// The values if the array is float64, else nil.
    public func doubles() -> [Double]? { dtype == .float64 ? elements(Double.self) : nil }

    /// The values if the array holds integers (int64, int32 or uint8, widened), else nil.
    public func integers() -> [Int64]? {
        switch dtype {
        case .int64: return elements(Int64.self)
        case .int32: return elements(Int32.self).map(Int64.init)
        case .uint8: return elements(UInt8.self).map(Int64.init)
        case .float64: return nil
        }
    }

    /// The raw bytes if the array is uint8, else nil.
    public func bytes() -> [UInt8]? { dtype == .uint8 ? [UInt8](payload) : nil }
}
