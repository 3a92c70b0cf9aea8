import Foundation
import Writers
import XCTest

final class NPZTests: XCTestCase {
    func testCRC32OfTheStandardCheckString() {
        XCTAssertEqual(CRC32.checksum(Array("123456789".utf8)), 0xCBF4_3926)
    }

    func testArchiveRoundTripKeepsTypesShapesAndBits() throws {
        let members: [(key: String, array: NPYArray)] = [
            ("f", NPYArray([1.0 / 3.0, -0.0, .nan, -.infinity, .leastNonzeroMagnitude, 2, 3], shape: [7])),
            ("i", NPYArray([Int64.min, -1, 0, Int64.max, 7, 8], shape: [2, 3])),
            ("j", NPYArray([Int32.min, Int32.max], shape: [2, 1, 1])),
            ("bytes", NPYArray([UInt8](repeating: 255, count: 3), shape: [3])),
            ("empty", NPYArray([Double](), shape: [0, 4])),
        ]
        let data = try NPZ.encode(members)
        let back = try NPZ.decode(data, path: "test.npz")
        XCTAssertEqual(back.map(\.key), members.map(\.key))
        XCTAssertEqual(back.map(\.array), members.map(\.array))
        XCTAssertEqual(back[1].array.integers(), [Int64.min, -1, 0, Int64.max, 7, 8])
        XCTAssertEqual(back[2].array.integers(), [Int64(Int32.min), Int64(Int32.max)])
        XCTAssertNil(back[1].array.doubles())
    }

    func testNPYDecodeRefusesAShortPayload() {
        let full = NPY.encode(NPYArray([1, 2, 3] as [Int64], shape: [3]))
        XCTAssertThrowsError(try NPY.decode(full.dropLast(), path: "x.npy")) { error in
            XCTAssertTrue("\(error)".contains("x.npy"))
        }
    }
}
