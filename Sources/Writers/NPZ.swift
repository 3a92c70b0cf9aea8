import Foundation

/// NumPy `.npz` archives as `numpy.savez` writes them: a zip file with one `<key>.npy` member per
/// array, stored uncompressed (method 0) with CRC-32 and sizes in the local headers and the
/// central directory. `numpy.load(path)` reads it (no `allow_pickle` needed), and `NPZ.read`
/// reads uncompressed archives written by `numpy.savez` (not `savez_compressed`, nor ZIP64).
public enum NPZ {
    /// The bytes of an archive holding `arrays` in the given order (keys without `.npy`).
    public static func encode(_ arrays: [(key: String, array: NPYArray)]) throws -> Data {
        var out = Data()
        var central = Data()
        var keys = Set<String>()
        for (key, array) in arrays {
            guard !key.isEmpty, keys.insert(key).inserted else {
                throw WriterError.cannotWrite(path: key, reason: "npz keys must be distinct and non-empty")
            }
            let name = Array((key + ".npy").utf8)
            let body = NPY.encode(array)
            guard body.count < 0xFFFF_FFFF, out.count < 0xFFFF_FFFF, name.count < 0xFFFF, arrays.count < 0xFFFF else {
                throw WriterError.cannotWrite(path: key, reason: "npz member too large (ZIP64 is not written)")
            }
            let crc = CRC32.checksum(body)
            let offset = UInt32(out.count)
            // Local file header.
            out.appendLE(UInt32(0x0403_4b50))
            out.appendLE(UInt16(20))          // version needed to extract (2.0)
            out.appendLE(UInt16(0))           // flags
            out.appendLE(UInt16(0))           // method: stored
            out.appendLE(UInt16(0))           // time 00:00:00
            out.appendLE(UInt16(0x21))        // date 1980-01-01
            out.appendLE(crc)
            out.appendLE(UInt32(body.count))  // compressed size
            out.appendLE(UInt32(body.count))  // uncompressed size
            out.appendLE(UInt16(name.count))
            out.appendLE(UInt16(0))           // extra field length
            out.append(contentsOf: name)
            out.append(body)
            // Central directory entry.
            central.appendLE(UInt32(0x0201_4b50))
            central.appendLE(UInt16(20))      // version made by
            central.appendLE(UInt16(20))      // version needed
            central.appendLE(UInt16(0))
            central.appendLE(UInt16(0))
            central.appendLE(UInt16(0))
            central.appendLE(UInt16(0x21))
            central.appendLE(crc)
            central.appendLE(UInt32(body.count))
            central.appendLE(UInt32(body.count))
            central.appendLE(UInt16(name.count))
            central.appendLE(UInt16(0))       // extra
            central.appendLE(UInt16(0))       // comment
            central.appendLE(UInt16(0))       // disk number
            central.appendLE(UInt16(0))       // internal attributes
            central.appendLE(UInt32(0o100644 << 16)) // external attributes: a regular file, rw-r--r--
            central.appendLE(offset)
            central.append(contentsOf: name)
        }
        guard out.count < 0xFFFF_FFFF else {
            throw WriterError.cannotWrite(path: "npz", reason: "archive too large (ZIP64 is not written)")
        }
        let centralOffset = UInt32(out.count)
        out.append(central)
        // End of central directory.
        out.appendLE(UInt32(0x0605_4b50))
        out.appendLE(UInt16(0))
        out.appendLE(UInt16(0))
        out.appendLE(UInt16(arrays.count))
        out.appendLE(UInt16(arrays.count))
        out.appendLE(UInt32(central.count))
        out.appendLE(centralOffset)
        out.appendLE(UInt16(0))
        return out
    }

    /// Writes the archive atomically (temporary file, then rename).
    public static func write(_ arrays: [(key: String, array: NPYArray)], to url: URL) throws {
        let data: Data
        do { data = try encode(arrays) } catch let WriterError.cannotWrite(_, reason) {
            throw WriterError.cannotWrite(path: url.path, reason: reason)
        }
        try AtomicFile.write(data, to: url)
    }

    /// The arrays of an archive, by key (the member name without `.npy`), in archive order.
    public static func read(_ url: URL) throws -> [(key: String, array: NPYArray)] {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw WriterError.malformed(path: url.path, reason: "cannot read it: \(FileProblem.reason(error))")
        }
        return try decode(data, path: url.path)
    }

    /// Parses archive bytes; `path` names the archive in errors. Checks every member's local
    /// header against the central directory, its bounds, and its CRC-32.
    public static func decode(_ data: Data, path: String) throws -> [(key: String, array: NPYArray)] {
        let bytes = [UInt8](data)
        func fail(_ reason: String) -> WriterError { .malformed(path: path, reason: reason) }
        func u16(_ i: Int) -> Int { Int(bytes[i]) | Int(bytes[i + 1]) << 8 }
        func u32(_ i: Int) -> Int { u16(i) | u16(i + 2) << 16 }
        // The end-of-central-directory record is the last 22 bytes plus an optional comment.
        var eocd = -1
        if bytes.count >= 22 {
            var i = bytes.count - 22
            let lowest = max(0, bytes.count - 22 - 0xFFFF)
            while i >= lowest {
                if bytes[i] == 0x50, bytes[i + 1] == 0x4b, bytes[i + 2] == 0x05, bytes[i + 3] == 0x06,
                   i + 22 + u16(i + 20) == bytes.count { eocd = i; break }
                i -= 1
            }
        }
        guard eocd >= 0 else { throw fail("not a zip/npz archive or truncated (no end-of-central-directory record)") }
        let entries = u16(eocd + 10)
        let centralSize = u32(eocd + 12), centralOffset = u32(eocd + 16)
        guard u16(eocd + 4) == 0, u16(eocd + 6) == 0, u16(eocd + 8) == entries else { throw fail("multi-disk zip archives are not read") }
        guard entries != 0xFFFF, centralOffset != 0xFFFF_FFFF else { throw fail("ZIP64 archives are not read") }
        guard centralOffset + centralSize <= eocd else { throw fail("central directory lies outside the file: truncated or corrupt") }
        var result: [(key: String, array: NPYArray)] = []
        var seen = Set<String>()
        var p = centralOffset
        for _ in 0..<entries {
            guard p + 46 <= centralOffset + centralSize, u32(p) == 0x0201_4b50 else {
                throw fail("corrupt central directory entry at byte \(p)")
            }
            let flags = u16(p + 8), method = u16(p + 10)
            let crc = UInt32(u32(p + 16)), compressed = u32(p + 20), size = u32(p + 24)
            let nameLength = u16(p + 28), extraLength = u16(p + 30), commentLength = u16(p + 32)
            let localOffset = u32(p + 42)
            guard p + 46 + nameLength <= bytes.count,
                  let name = String(bytes: bytes[(p + 46)..<(p + 46 + nameLength)], encoding: .utf8)
            else { throw fail("corrupt member name in the central directory") }
            p += 46 + nameLength + extraLength + commentLength
            guard flags & 1 == 0 else { throw fail("member \(name) is encrypted") }
            guard method == 0 else { throw fail("member \(name) is compressed (method \(method)); only stored (numpy.savez) archives are read") }
            guard compressed == size else { throw fail("member \(name): stored sizes disagree (\(compressed) vs \(size))") }
            guard localOffset + 30 <= bytes.count, u32(localOffset) == 0x0403_4b50 else {
                throw fail("member \(name): no local header at byte \(localOffset): truncated or corrupt")
            }
            let start = localOffset + 30 + u16(localOffset + 26) + u16(localOffset + 28)
            guard start + size <= centralOffset else {
                throw fail("member \(name): \(size) bytes at \(start) run past the data: truncated or corrupt")
            }
            let body = bytes[start..<(start + size)]
            guard CRC32.checksum(body) == crc else { throw fail("member \(name): CRC-32 mismatch (corrupt)") }
            guard name.hasSuffix(".npy") else { throw fail("member \(name) is not an .npy file") }
            let key = String(name.dropLast(4))
            guard seen.insert(key).inserted else { throw fail("member \(name) appears twice") }
            let array = try NPY.decode(Data(body), path: "\(path):\(name)")
            result.append((key, array))
        }
        return result
    }
}

/// CRC-32 (IEEE 802.3, the zip checksum).
public enum CRC32 {
    private static let table: [UInt32] = (0..<256).map { n in
        var c = UInt32(n)
        for _ in 0..<8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        return c
    }

    public static func checksum<C: Collection>(_ bytes: C) -> UInt32 where C.Element == UInt8 {
        var c: UInt32 = 0xFFFF_FFFF
        table.withUnsafeBufferPointer { t in
            for b in bytes { c = t[Int((c ^ UInt32(b)) & 0xff)] ^ (c >> 8) }
        }
        return c ^ 0xFFFF_FFFF
    }
}

extension Data {
    mutating func appendLE<T: FixedWidthInteger>(_ value: T) {
        Swift.withUnsafeBytes(of: value.littleEndian) { append(contentsOf: $0) }
    }
}
