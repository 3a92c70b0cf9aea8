import Foundation

// MARK: - File format
//
// An `.mlp` file holds one `MLP`, every field little-endian:
//
//     offset      size        field
//     0           8           magic, the ASCII bytes "SMFG-MLP"
//     8           4           format version, UInt32 = 1
//     12          4           k = layerSizes.count, UInt32 (2 ... 1024)
//     16          4 k         layerSizes, UInt32 each (1 ... 2^24)
//     16 + 4k     8           P = parameter count, UInt64 (must equal Σ (n_l + 1) n_{l+1})
//     24 + 4k     4 P         parameters, IEEE 754 binary32 bit patterns, in the order of
//                             `MLP.parameters` (per layer: W [out, in] row-major, then b [out])
//     24 + 4k+4P  8           checksum, UInt64: FNV-1a (64-bit) of all preceding bytes
//
// and nothing after. Loading checks each field and throws an `MLPFileError` naming the file
// and the problem.

/// An error reading or writing an ``MLP`` file: the file and what is wrong with it.
public struct MLPFileError: Error, CustomStringConvertible, Equatable {
    /// What went wrong.
    public enum Problem: Equatable, Sendable {
        /// The file could not be read or written (the system's message).
        case io(String)
        /// The file ends before a field: `needed` bytes, `found` in the file.
        case truncated(field: String, needed: Int, found: Int)
        /// The first eight bytes are not "SMFG-MLP".
        case wrongMagic
        /// A format version this code does not read.
        case unsupportedVersion(UInt32)
        /// Layer sizes out of range.
        case invalidLayerSizes(String)
        /// The stored parameter count does not match the layer sizes.
        case parameterCountMismatch(stored: UInt64, expected: Int)
        /// The stored checksum differs from that of the content.
        case checksumMismatch
        /// Extra bytes after the checksum.
        case trailingBytes(Int)
    }

    /// The file.
    public let url: URL
    /// What is wrong with it.
    public let problem: Problem

    public init(url: URL, problem: Problem) {
        self.url = url
        self.problem = problem
    }

    public var description: String {
        let what: String
        switch problem {
        case .io(let message): what = message
        case let .truncated(field, needed, found):
            what = "truncated: the \(field) needs \(needed) bytes but the file has \(found)"
        case .wrongMagic: what = "not an MLP file (wrong magic; expected \"SMFG-MLP\")"
        case .unsupportedVersion(let version): what = "unsupported MLP file version \(version) (this reads 1)"
        case .invalidLayerSizes(let detail): what = "invalid layer sizes: \(detail)"
        case let .parameterCountMismatch(stored, expected):
            what = "corrupt: \(stored) parameters stored, the layer sizes need \(expected)"
        case .checksumMismatch: what = "corrupt: checksum mismatch"
        case .trailingBytes(let count): what = "corrupt: \(count) unexpected bytes after the checksum"
        }
        return "\(url.path): \(what)"
    }
}

extension MLP {
    /// The eight bytes that open every MLP file.
    public static let fileMagic: [UInt8] = Array("SMFG-MLP".utf8)
    /// The format version written by ``write(to:)``.
    public static let fileVersion: UInt32 = 1

    /// Writes the layer sizes and parameters to `url` in the MLP file format (see
    /// `MLPFile.swift`), atomically. Reading it back gives bit-identical parameters.
    ///
    /// The format stores ReLU networks (the Q-networks of the RL side); a tanh network is
    /// refused rather than written as a file that would load with the wrong activation.
    ///
    /// - Throws: ``MLPFileError`` when the file cannot be written.
    public func write(to url: URL) throws {
        guard activation == .relu else {
            throw MLPFileError(url: url, problem: .io("the MLP file format stores ReLU networks; "
                                                      + "this one uses \(activation.rawValue)"))
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(32 + 4 * layerSizes.count + 4 * parameterCount)
        func append<T: FixedWidthInteger>(_ value: T) {
            withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
        }
        bytes.append(contentsOf: MLP.fileMagic)
        append(MLP.fileVersion)
        append(UInt32(layerSizes.count))
        for size in layerSizes { append(UInt32(size)) }
        append(UInt64(parameterCount))
        for value in parameters { append(value.bitPattern) }
        append(fnv1a64(bytes[...]))
        do {
            try Data(bytes).write(to: url, options: .atomic)
        } catch {
            throw MLPFileError(url: url, problem: .io("cannot write: \(error.localizedDescription)"))
        }
    }

    /// Reads a network written by ``write(to:)``.
    ///
    /// - Throws: ``MLPFileError`` naming the file when it cannot be read, is truncated, has
    ///   the wrong magic or version, invalid layer sizes, a wrong parameter count, a checksum
    ///   mismatch, or trailing bytes.
    public convenience init(contentsOf url: URL) throws {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw MLPFileError(url: url, problem: .io("cannot read: \(error.localizedDescription)"))
        }
        let bytes = [UInt8](data)
        var reader = ByteReader(bytes: bytes, url: url)
        guard try reader.take(8, field: "magic") == MLP.fileMagic[...] else {
            throw MLPFileError(url: url, problem: .wrongMagic)
        }
        let version: UInt32 = try reader.integer(field: "version")
        guard version == MLP.fileVersion else {
            throw MLPFileError(url: url, problem: .unsupportedVersion(version))
        }
        let layerCount: UInt32 = try reader.integer(field: "layer count")
        guard (2 ... 1024).contains(layerCount) else {
            throw MLPFileError(url: url, problem: .invalidLayerSizes("\(layerCount) layers (2...1024 allowed)"))
        }
        var sizes: [Int] = []
        for _ in 0 ..< layerCount {
            let size: UInt32 = try reader.integer(field: "layer sizes")
            sizes.append(Int(size))
        }
        guard sizes.allSatisfy({ (1 ... 1 << 24).contains($0) }) else {
            throw MLPFileError(url: url, problem: .invalidLayerSizes("\(sizes) (each must be 1...2^24)"))
        }
        let stored: UInt64 = try reader.integer(field: "parameter count")
        let expected = MLP.parameterCount(layerSizes: sizes)
        guard stored == UInt64(expected) else {
            throw MLPFileError(url: url, problem: .parameterCountMismatch(stored: stored, expected: expected))
        }
        try reader.require(4 * expected + 8, field: "parameters and checksum")
        var parameters = [Float](repeating: 0, count: expected)
        for k in 0 ..< expected {
            let bits: UInt32 = try reader.integer(field: "parameters")
            parameters[k] = Float(bitPattern: bits)
        }
        let contentEnd = reader.offset
        let checksum: UInt64 = try reader.integer(field: "checksum")
        guard checksum == fnv1a64(bytes[..<contentEnd]) else {
            throw MLPFileError(url: url, problem: .checksumMismatch)
        }
        guard reader.offset == bytes.count else {
            throw MLPFileError(url: url, problem: .trailingBytes(bytes.count - reader.offset))
        }
        self.init(layerSizes: sizes, parameters: parameters)
    }
}

/// FNV-1a, 64-bit (Fowler, Noll, Vo): a simple checksum against corruption, not tampering.
private func fnv1a64(_ bytes: ArraySlice<UInt8>) -> UInt64 {
    var hash: UInt64 = 0xCBF2_9CE4_8422_2325
    for byte in bytes {
        hash ^= UInt64(byte)
        hash &*= 0x0000_0100_0000_01B3
    }
    return hash
}

/// Sequential little-endian reads with truncation errors naming the field.
private struct ByteReader {
    let bytes: [UInt8]
    let url: URL
    var offset = 0

    func require(_ count: Int, field: String) throws {
        guard bytes.count - offset >= count else {
            throw MLPFileError(url: url, problem: .truncated(field: field, needed: offset + count,
                                                             found: bytes.count))
        }
    }

    mutating func take(_ count: Int, field: String) throws -> ArraySlice<UInt8> {
        try require(count, field: field)
        defer { offset += count }
        return bytes[offset ..< offset + count]
    }

    mutating func integer<T: FixedWidthInteger>(field: String) throws -> T {
        let size = MemoryLayout<T>.size
        try require(size, field: field)
        var value: T = 0
        for k in 0 ..< size { value |= T(bytes[offset + k]) << (8 * k) }
        offset += size
        return value
    }
}
