@preconcurrency import CHDF5
import Foundation

// A thin wrapper over the HDF5 C API: files, groups, one-dimensional datasets of int64 / float64 /
// bool, and scalar int64 attributes. Just what the Minari layout needs; nothing else here knows
// about CHDF5.
//
// Notes on the C API as imported into Swift:
// - The predefined type ids (H5T_NATIVE_INT64, ...) are macros that call H5open() and then read a
//   global variable; Swift does not import them, so `HDF5.locked` calls H5open() and the `*_g`
//   globals are used directly.
// - H5P_DEFAULT, H5S_ALL and H5E_DEFAULT are 0; H5F_ACC_RDONLY is 0 and H5F_ACC_TRUNC is 2.
// - The library built by Debian is not thread-safe: every use goes through `HDF5.locked`.

struct HDF5Error: Error {
    let path: String
    let field: String
    let reason: String
}

enum HDF5 {
    static let defaultProperties: hid_t = 0   // H5P_DEFAULT
    static let all: hid_t = 0                 // H5S_ALL
    static let readOnly: UInt32 = 0           // H5F_ACC_RDONLY
    static let truncate: UInt32 = 2           // H5F_ACC_TRUNC

    private static let lock = NSLock()
    /// Whether the library was opened (under `lock`).
    nonisolated(unsafe) private static var opened = false

    /// Runs `body` holding the process-wide HDF5 lock, with the library initialised and its
    /// automatic error printing off. The library's own clean-up at exit is turned off (before its
    /// first use, as the C API requires): after a write failed on a full disk, it would close that
    /// file again at exit and crash; every file here is closed by its wrapper before exit anyway.
    static func locked<T>(_ body: () throws -> T) throws -> T {
        lock.lock()
        defer { lock.unlock() }
        if !opened {
            _ = H5dont_atexit()
            opened = true
        }
        _ = H5open()
        H5Eset_auto2(0, nil, nil)
        return try body()
    }

    /// The messages on HDF5's error stack (outermost first), then clears it.
    static func errorStack() -> String {
        var messages: [String] = []
        withUnsafeMutablePointer(to: &messages) { pointer in
            _ = H5Ewalk2(0, H5E_WALK_DOWNWARD, { _, error, data in
                if let error, let desc = error.pointee.desc, let data {
                    let text = String(cString: desc)
                    if !text.isEmpty { data.assumingMemoryBound(to: [String].self).pointee.append(text) }
                }
                return 0
            }, pointer)
        }
        H5Eclear2(0)
        var unique: [String] = []
        for m in messages where !unique.contains(m) { unique.append(m) }
        return unique.joined(separator: ": ")
    }

    static var int64Type: hid_t { H5T_NATIVE_INT64_g }
    static var doubleType: hid_t { H5T_NATIVE_DOUBLE_g }
}

/// An HDF5 object id that is closed when the wrapper goes away.
class HDF5Object {
    let id: hid_t
    let path: String       // the file
    let name: String       // the object's path inside the file, for messages
    private let close: (hid_t) -> herr_t

    init(id: hid_t, path: String, name: String, close: @escaping (hid_t) -> herr_t) {
        self.id = id; self.path = path; self.name = name; self.close = close
    }
    deinit { _ = close(id) }

    func fail(_ field: String, _ reason: String) -> HDF5Error {
        let stack = HDF5.errorStack()
        return HDF5Error(path: path, field: field, reason: stack.isEmpty ? reason : "\(reason) (HDF5: \(stack))")
    }

    func child(_ child: String) -> String { name == "/" ? child : "\(name)/\(child)" }

    /// Whether a link `child` exists here.
    func has(_ child: String) -> Bool { H5Lexists(id, child, HDF5.defaultProperties) > 0 }

    // MARK: Attributes (scalar int64)

    func setAttribute(_ attribute: String, _ value: Int64) throws {
        let space = H5Screate(H5S_SCALAR)
        guard space >= 0 else { throw fail(name, "cannot create a scalar dataspace") }
        defer { H5Sclose(space) }
        let a = H5Acreate2(id, attribute, H5T_STD_I64LE_g, space, HDF5.defaultProperties, HDF5.defaultProperties)
        guard a >= 0 else { throw fail("\(name) attribute \(attribute)", "cannot create the attribute") }
        defer { H5Aclose(a) }
        var v = value
        guard H5Awrite(a, HDF5.int64Type, &v) >= 0 else { throw fail("\(name) attribute \(attribute)", "cannot write the attribute") }
    }

    func int64Attribute(_ attribute: String) throws -> Int64 {
        let field = "\(name) attribute '\(attribute)'"
        guard H5Aexists(id, attribute) > 0 else { throw fail(field, "missing") }
        let a = H5Aopen(id, attribute, HDF5.defaultProperties)
        guard a >= 0 else { throw fail(field, "cannot open") }
        defer { H5Aclose(a) }
        let space = H5Aget_space(a)
        defer { H5Sclose(space) }
        guard H5Sget_simple_extent_npoints(space) == 1 else { throw fail(field, "is not a single value") }
        let type = H5Aget_type(a)
        defer { H5Tclose(type) }
        guard H5Tget_class(type) == H5T_INTEGER else { throw fail(field, "is not an integer") }
        var v: Int64 = 0
        guard H5Aread(a, HDF5.int64Type, &v) >= 0 else { throw fail(field, "cannot read") }
        return v
    }
}

final class HDF5Group: HDF5Object {
    /// Creates a subgroup.
    func createGroup(_ child: String) throws -> HDF5Group {
        let g = H5Gcreate2(id, child, HDF5.defaultProperties, HDF5.defaultProperties, HDF5.defaultProperties)
        guard g >= 0 else { throw fail(self.child(child), "cannot create the group") }
        return HDF5Group(id: g, path: path, name: self.child(child), close: H5Gclose)
    }

    /// Opens a subgroup; "missing" if there is none.
    func group(_ child: String) throws -> HDF5Group {
        guard has(child) else { throw fail(self.child(child), "missing") }
        let g = H5Gopen2(id, child, HDF5.defaultProperties)
        guard g >= 0 else { throw fail(self.child(child), "is not a group") }
        return HDF5Group(id: g, path: path, name: self.child(child), close: H5Gclose)
    }

    /// The number of links (groups, datasets) in this group.
    func linkCount() throws -> Int {
        var info = H5G_info_t()
        guard H5Gget_info(id, &info) >= 0 else { throw fail(name, "cannot list the group") }
        return Int(info.nlinks)
    }

    // MARK: One-dimensional datasets

    private func write(_ child: String, count: Int, fileType: hid_t, memoryType: hid_t, _ buffer: UnsafeRawPointer?) throws {
        var dims: [hsize_t] = [hsize_t(count)]
        let space = H5Screate_simple(1, &dims, nil)
        guard space >= 0 else { throw fail(self.child(child), "cannot create a dataspace") }
        defer { H5Sclose(space) }
        let d = H5Dcreate2(id, child, fileType, space, HDF5.defaultProperties, HDF5.defaultProperties, HDF5.defaultProperties)
        guard d >= 0 else { throw fail(self.child(child), "cannot create the dataset") }
        defer { H5Dclose(d) }
        if count > 0 {
            guard H5Dwrite(d, memoryType, HDF5.all, HDF5.all, HDF5.defaultProperties, buffer) >= 0 else {
                throw fail(self.child(child), "cannot write the dataset")
            }
        }
    }

    /// Writes `values` as a little-endian int64 dataset.
    func write(_ child: String, _ values: [Int64]) throws {
        try values.withUnsafeBytes { try write(child, count: values.count, fileType: H5T_STD_I64LE_g, memoryType: HDF5.int64Type, $0.baseAddress) }
    }

    /// Writes `values` as a little-endian IEEE float64 dataset.
    func write(_ child: String, _ values: [Double]) throws {
        try values.withUnsafeBytes { try write(child, count: values.count, fileType: H5T_IEEE_F64LE_g, memoryType: HDF5.doubleType, $0.baseAddress) }
    }

    /// Writes `values` as h5py writes numpy bool arrays: an enum over int8 with FALSE = 0, TRUE = 1.
    func write(_ child: String, _ values: [Bool]) throws {
        let type = H5Tenum_create(H5T_NATIVE_INT8_g)
        guard type >= 0 else { throw fail(self.child(child), "cannot create the bool (enum) type") }
        defer { H5Tclose(type) }
        var f: Int8 = 0, t: Int8 = 1
        guard H5Tenum_insert(type, "FALSE", &f) >= 0, H5Tenum_insert(type, "TRUE", &t) >= 0 else {
            throw fail(self.child(child), "cannot create the bool (enum) type")
        }
        let bytes: [Int8] = values.map { $0 ? 1 : 0 }
        try bytes.withUnsafeBytes { try write(child, count: values.count, fileType: type, memoryType: type, $0.baseAddress) }
    }

    /// Opens a one-dimensional dataset of `count` elements of one of `classes`: (dataset, its type).
    private func open(_ child: String, count: Int, classes: [H5T_class_t], what: String) throws -> (hid_t, hid_t) {
        let field = self.child(child)
        guard has(child) else { throw fail(field, "missing") }
        let d = H5Dopen2(id, child, HDF5.defaultProperties)
        guard d >= 0 else { throw fail(field, "is not a dataset") }
        let space = H5Dget_space(d)
        defer { H5Sclose(space) }
        let rank = H5Sget_simple_extent_ndims(space)
        guard rank >= 0 else { H5Dclose(d); throw fail(field, "cannot read the shape") }
        var dims = [hsize_t](repeating: 0, count: max(Int(rank), 1))
        _ = H5Sget_simple_extent_dims(space, &dims, nil)
        guard rank == 1, Int(dims[0]) == count else {
            H5Dclose(d)
            let shape = rank == 0 ? "a scalar" : "shape \(dims.prefix(Int(rank)).map { Int($0) })"
            throw fail(field, "has \(shape), expected [\(count)]")
        }
        let type = H5Dget_type(d)
        guard classes.contains(H5Tget_class(type)) else {
            H5Tclose(type); H5Dclose(d)
            throw fail(field, "is not \(what)")
        }
        return (d, type)
    }

    /// Reads with `memoryType` (HDF5 converts), or with the file's own type when nil (whose size
    /// must then be that of T).
    private func read<T>(_ child: String, count: Int, classes: [H5T_class_t], what: String, memoryType: hid_t?, zero: T) throws -> [T] {
        let (d, type) = try open(child, count: count, classes: classes, what: what)
        defer { H5Tclose(type); H5Dclose(d) }
        if memoryType == nil, H5Tget_size(type) != MemoryLayout<T>.size {
            throw fail(self.child(child), "is not \(what)")
        }
        var values = [T](repeating: zero, count: count)
        if count > 0 {
            let ok = values.withUnsafeMutableBytes {
                H5Dread(d, memoryType ?? type, HDF5.all, HDF5.all, HDF5.defaultProperties, $0.baseAddress) >= 0
            }
            guard ok else { throw fail(self.child(child), "cannot read the data (truncated or corrupt file?)") }
        }
        return values
    }

    /// Reads an integer dataset of exactly `count` elements as int64.
    func readInt64(_ child: String, count: Int) throws -> [Int64] {
        try read(child, count: count, classes: [H5T_INTEGER], what: "an integer array", memoryType: HDF5.int64Type, zero: 0)
    }

    /// Reads a floating-point dataset of exactly `count` elements as float64.
    func readDouble(_ child: String, count: Int) throws -> [Double] {
        try read(child, count: count, classes: [H5T_FLOAT], what: "a floating-point array", memoryType: HDF5.doubleType, zero: 0)
    }

    /// Reads a bool dataset (h5py's int8 enum, or any one-byte integer holding 0 or 1).
    func readBool(_ child: String, count: Int) throws -> [Bool] {
        let raw: [Int8] = try read(child, count: count, classes: [H5T_ENUM, H5T_INTEGER], what: "a one-byte bool array", memoryType: nil, zero: 0)
        if let bad = raw.firstIndex(where: { $0 != 0 && $0 != 1 }) {
            throw HDF5Error(path: path, field: self.child(child), reason: "entry \(bad) is \(raw[bad]), not a bool (0 or 1)")
        }
        return raw.map { $0 == 1 }
    }
}

final class HDF5File {
    let root: HDF5Group
    var path: String { root.path }

    private init(id: hid_t, path: String) {
        root = HDF5Group(id: id, path: path, name: "/", close: H5Fclose)
    }

    /// Creates (or truncates) a file. Call inside `HDF5.locked`.
    static func create(_ path: String) throws -> HDF5File {
        let id = H5Fcreate(path, HDF5.truncate, HDF5.defaultProperties, HDF5.defaultProperties)
        guard id >= 0 else {
            throw HDF5Error(path: path, field: "file", reason: "cannot create the HDF5 file (HDF5: \(HDF5.errorStack()))")
        }
        return HDF5File(id: id, path: path)
    }

    /// Opens a file read-only. Call inside `HDF5.locked`.
    static func open(_ path: String) throws -> HDF5File {
        guard FileManager.default.fileExists(atPath: path) else {
            throw HDF5Error(path: path, field: "file", reason: "missing")
        }
        let id = H5Fopen(path, HDF5.readOnly, HDF5.defaultProperties)
        guard id >= 0 else {
            throw HDF5Error(path: path, field: "file", reason: "not a readable HDF5 file, or truncated (HDF5: \(HDF5.errorStack()))")
        }
        return HDF5File(id: id, path: path)
    }

    /// Flushes the file to disk, reporting failure (closing in deinit cannot).
    func flush() throws {
        guard H5Fflush(root.id, H5F_SCOPE_GLOBAL) >= 0 else { throw root.fail("file", "cannot flush") }
    }
}
