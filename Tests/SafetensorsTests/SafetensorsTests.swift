import Foundation
import XCTest

@testable import Safetensors

/// The file format alone: decoding trusts nothing, encoding is canonical.
///
/// Every file a test reads is assembled here by hand — length prefix, header
/// JSON text, little-endian bytes — never by the code under test, so a bug in
/// the writer cannot hide the same bug in the reader.
final class SafetensorsTests: XCTestCase {
  static func le64(_ x: UInt64) -> [UInt8] { (0..<8).map { UInt8(truncatingIfNeeded: x >> (8 * UInt64($0))) } }
  static func f64(_ xs: [Double]) -> [UInt8] { xs.flatMap { le64($0.bitPattern) } }
  static func f32(_ xs: [Float]) -> [UInt8] {
    xs.flatMap { x in (0..<4).map { UInt8(truncatingIfNeeded: x.bitPattern >> (8 * UInt32($0))) } }
  }

  /// Length prefix + header text + data, the length declared as given (to
  /// lie about it) or as the header's true length.
  static func raw(_ header: String, _ data: [UInt8] = [], declaredLength: UInt64? = nil) -> [UInt8] {
    let h = Array(header.utf8)
    return le64(declaredLength ?? UInt64(h.count)) + h + data
  }

  static func le64Value(_ bytes: [UInt8]) -> UInt64 {
    (0..<8).reduce(0) { $0 | UInt64(bytes[$1]) << (8 * UInt64($1)) }
  }

  /// The bytes are rejected as malformed with a one-line message containing
  /// every fragment. (`kind` is always `.malformed`: the format has one kind
  /// of error; the parameter keeps the call sites as they read in the
  /// checkpoint tests these came from.)
  func assertRejects(
    _ bytes: [UInt8], _ kind: Kind, _ fragments: String..., file: StaticString = #filePath, line: UInt = #line
  ) {
    do {
      let f = try SafetensorsFile.decode(bytes)
      XCTFail("accepted a bad file: \(f)", file: file, line: line)
    } catch {
      guard case .malformed(let m) = error else { return XCTFail("\(error)", file: file, line: line) }
      for f in fragments {
        XCTAssert(m.contains(f), "message lacks \"\(f)\": \(m)", file: file, line: line)
      }
      XCTAssertFalse(error.description.contains("\n"), "message is not one line: \(error)", file: file, line: line)
    }
  }

  enum Kind { case malformed }

  func testItemSizes() {
    XCTAssertEqual(SafetensorsFile.DType.f32.itemSize, 4)
    XCTAssertEqual(SafetensorsFile.DType.f64.itemSize, 8)
  }

  /// A test vector of the reference implementation (huggingface/safetensors
  /// `test_serialization`): its own key order, no padding.
  func testDecodesTheReferenceImplementationsVector() throws {
    let header = #"{"attn.0":{"dtype":"F32","shape":[1,2,3],"data_offsets":[0,24]}}"#
    let file = try SafetensorsFile.decode(Self.raw(header, Self.f32([0, 1, 2, 3, 4, 5])))
    XCTAssertEqual(
      file.tensors["attn.0"], SafetensorsFile.Tensor(dtype: .f32, shape: [1, 2, 3], values: [0, 1, 2, 3, 4, 5]))
    XCTAssertEqual(file.metadata, [:])
    // Its empty-file vectors are exactly what we write.
    XCTAssertEqual(SafetensorsFile().encode(), Self.raw("{}      "))
    XCTAssertEqual(
      SafetensorsFile(metadata: ["framework": "pt"]).encode(), Self.raw(#"{"__metadata__":{"framework":"pt"}}     "#))
  }

  func testMixedDTypesAreLaidOutLargestElementFirstAndAligned() throws {
    let file = SafetensorsFile(
      tensors: [
        "a": .init(dtype: .f32, shape: [3], values: [1, 2, 3]),
        "z": .init(dtype: .f64, shape: [2], values: [4, 5]),
        "m": .init(dtype: .f32, shape: [0, 4], values: []),
        "s": .init(dtype: .f64, shape: [], values: [6]),
      ], metadata: ["k": "v"])
    let bytes = file.encode()
    XCTAssertEqual(try SafetensorsFile.decode(bytes), file)
    let n = Int(Self.le64Value(bytes))
    let header = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(bytes[8..<(8 + n)])) as? [String: Any])
    func offsets(_ name: String) -> [Int] { ((header[name] as? [String: Any])?["data_offsets"] as? [Int]) ?? [] }
    XCTAssertEqual(offsets("s"), [0, 8])
    XCTAssertEqual(offsets("z"), [8, 24])
    XCTAssertEqual(offsets("a"), [24, 36])
    XCTAssertEqual(offsets("m"), [36, 36])
    XCTAssertEqual(try SafetensorsFile.decode(Data(bytes)), file, "Data input")
  }

  func testFileShorterThanTheLengthPrefix() {
    for count in [0, 1, 7] {
      assertRejects(Array(repeating: 0, count: count), .malformed, "\(count) bytes", "8-byte header length")
    }
  }

  func testHeaderLengthPastTheEndOfTheFile() {
    assertRejects(
      Self.raw("{}", [], declaredLength: 1000), .malformed, "header length 1000", "past the end", "10 bytes")
    assertRejects(Self.raw("{}", [], declaredLength: 3), .malformed, "past the end")
    // Hostile lengths are refused before any allocation.
    assertRejects(Self.raw("{}", [], declaredLength: .max), .malformed, "exceeds the limit")
    assertRejects(Self.raw("{}", [], declaredLength: 100_000_001), .malformed, "exceeds the limit")
    // The limit itself is allowed, as in the reference reader (`n > MAX_HEADER_SIZE`):
    // this one fails only because the file is short.
    assertRejects(Self.raw("{}", [], declaredLength: 100_000_000), .malformed, "past the end")
  }

  // MARK: As strict as Python's reader (safetensors 0.8, serde_json)

  static let oneTensor = #""a":{"dtype":"F64","shape":[1],"data_offsets":[0,8]}"#

  /// JSONSerialization skips a byte-order mark; serde_json does not.
  func testByteOrderMarkIsRefused() {
    let header = [0xEF, 0xBB, 0xBF] + Array("{\(Self.oneTensor)}".utf8)
    assertRejects(
      Self.le64(UInt64(header.count)) + header + Self.f64([1]), .malformed, "byte-order mark")
  }

  /// JSONSerialization guesses UTF-16 from NUL bytes; the reference reader
  /// takes the header as UTF-8 only.
  func testUTF16HeaderAndNULBytesAreRefused() {
    let utf16 = Array("{\(Self.oneTensor)}".utf16).flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }
    assertRejects(Self.le64(UInt64(utf16.count)) + utf16 + Self.f64([1]), .malformed, "NUL byte at offset 1")
    assertRejects(Self.raw("{\(Self.oneTensor)}\0", Self.f64([1])), .malformed, "NUL byte")
  }

  /// Python refuses a second __metadata__ (also spelled with an escape) and
  /// a repeated field of an entry; it keeps the last of two equal tensor
  /// names or metadata keys, which we refuse too: one reading per file.
  func testDuplicateKeysAreRefused() {
    assertRejects(
      Self.raw(#"{"__metadata__":{"x":"1"},"__metadata__":{"y":"2"},"# + Self.oneTensor + "}", Self.f64([1])),
      .malformed, "duplicate key \"__metadata__\"", "in the header")
    assertRejects(
      Self.raw(#"{"__metadata__":{"x":"1"},"\u005f_metadata__":{"y":"2"},"# + Self.oneTensor + "}", Self.f64([1])),
      .malformed, "duplicate key \"__metadata__\"")
    assertRejects(
      Self.raw("{" + Self.oneTensor + "," + Self.oneTensor + "}", Self.f64([1])), .malformed, "duplicate key \"a\"")
    assertRejects(
      Self.raw(#"{"__metadata__":{"x":"1","x":"2"},"# + Self.oneTensor + "}", Self.f64([1])),
      .malformed, "duplicate key \"x\"", "in an object of the header")
    assertRejects(
      Self.raw(#"{"a":{"dtype":"F64","dtype":"F64","shape":[1],"data_offsets":[0,8]}}"#, Self.f64([1])),
      .malformed, "duplicate key \"dtype\"")
    // Equal strings as values, and keys that only look alike, are fine.
    XCTAssertNoThrow(
      try SafetensorsFile.decode(
        Self.raw(#"{"__metadata__":{"x":"x","y":"x","x\"":"{\"x\":1,"},"# + Self.oneTensor + "}", Self.f64([1]))))
  }

  /// JSONSerialization accepts a trailing comma; serde_json does not.
  func testTrailingCommasAreRefused() {
    assertRejects(Self.raw("{" + Self.oneTensor + ",}", Self.f64([1])), .malformed, "comma before '}'")
    assertRejects(
      Self.raw(#"{"a":{"dtype":"F64","shape":[1,],"data_offsets":[0,8]}}"#, Self.f64([1])), .malformed,
      "comma before ']'")
    assertRejects(Self.raw("{" + Self.oneTensor + " ,\n }", Self.f64([1])), .malformed, "comma before '}'")
  }

  /// JSONSerialization reads -0 as the integer 0; Python refuses it as an offset.
  func testNegativeZeroIntegerIsRefused() throws {
    assertRejects(
      Self.raw(#"{"a":{"dtype":"F64","shape":[1],"data_offsets":[-0,8]}}"#, Self.f64([1])), .malformed, "-0")
    // -0.0 and -0e0 are not integers: ignored in an unknown field, as in Python.
    for token in ["-0.0", "-0e0", "-1"] {
      XCTAssertNoThrow(
        try SafetensorsFile.decode(
          Self.raw(#"{"a":{"dtype":"F64","shape":[1],"data_offsets":[0,8],"z":"# + token + "}}", Self.f64([1]))),
        token)
    }
  }

  /// Python's reader accepts 127 levels of nesting and refuses 128 (serde_json's
  /// recursion limit); the same boundary here. Unknown fields of an entry are
  /// ignored by both, so the depth is all that differs.
  func testNestingDepthMatchesPython() throws {
    func nested(_ arrays: Int) -> [UInt8] {
      let z = String(repeating: "[", count: arrays) + String(repeating: "]", count: arrays)
      return Self.raw(#"{"a":{"dtype":"F64","shape":[1],"data_offsets":[0,8],"z":"# + z + "}}", Self.f64([1]))
    }
    // The header object and the entry are two levels.
    XCTAssertNoThrow(try SafetensorsFile.decode(nested(125)))
    assertRejects(nested(126), .malformed, "deeper than 127 levels")
  }

  /// serde's HashMap<String, String>: a number, boolean, null, array or
  /// object as a metadata value is an error, not a string.
  func testNonStringMetadataValuesAreRefused() {
    for value in ["1", "true", "null", "[]", "{}", "1.5"] {
      assertRejects(
        Self.raw(#"{"__metadata__":{"k":"# + value + "}," + Self.oneTensor + "}", Self.f64([1])),
        .malformed, "value of 'k' is not a string")
    }
  }

  func testHeaderNotJSON() {
    assertRejects(Self.raw("{not json"), .malformed, "not valid JSON")
    assertRejects(Self.raw(""), .malformed, "not valid JSON")
    assertRejects(Self.le64(4) + [0x7B, 0x22, 0xFF, 0x7D], .malformed, "not valid UTF-8")
    assertRejects(Self.raw(#"{"a":1} trailing"#), .malformed, "not valid JSON")
  }

  func testHeaderJSONNotAnObject() {
    assertRejects(Self.raw("[1, 2]  "), .malformed, "not an object")
    assertRejects(Self.raw(#"{"W_rec": [1]}"#), .malformed, "'W_rec'", "not an object")
    assertRejects(Self.raw(#"{"__metadata__": [1]}"#), .malformed, "__metadata__", "not an object")
  }

  func testUnknownAndUnsupportedDTypes() {
    let data = Self.f64([1, 2])
    assertRejects(
      Self.raw(#"{"W_rec":{"dtype":"Q7","shape":[2],"data_offsets":[0,16]}}"#, data), .malformed, "'W_rec'",
      "unknown dtype Q7", "F32 and F64")
    assertRejects(
      Self.raw(#"{"W_rec":{"dtype":"F16","shape":[8],"data_offsets":[0,16]}}"#, data), .malformed, "dtype F16",
      "F32 and F64")
    assertRejects(
      Self.raw(#"{"W_rec":{"dtype":"BF16","shape":[8],"data_offsets":[0,16]}}"#, data), .malformed, "dtype BF16")
    assertRejects(Self.raw(#"{"W_rec":{"shape":[2],"data_offsets":[0,16]}}"#, data), .malformed, "\"dtype\"")
    assertRejects(
      Self.raw(#"{"W_rec":{"dtype":64,"shape":[2],"data_offsets":[0,16]}}"#, data), .malformed, "\"dtype\"")
  }

  func testBadShapes() {
    let data = Self.f64([1, 2])
    for shape in ["[-2]", "[2.5]", "[2.0]", "[true]", "[\"2\"]", "2", "[null]", "[18446744073709551615]"] {
      assertRejects(
        Self.raw(#"{"W_rec":{"dtype":"F64","shape":\#(shape),"data_offsets":[0,16]}}"#, data), .malformed, "'W_rec'",
        "shape")
    }
    // An element count that overflows is an error, not a trap.
    assertRejects(
      Self.raw(#"{"x":{"dtype":"F64","shape":[4294967296,4294967296],"data_offsets":[0,0]}}"#), .malformed,
      "too many elements")
    assertRejects(
      Self.raw(#"{"x":{"dtype":"F64","shape":[2305843009213693952],"data_offsets":[0,0]}}"#), .malformed,
      "more bytes than fit")
  }

  func testShapeAndOffsetsDisagreeOnTheByteCount() {
    assertRejects(
      Self.raw(#"{"W_in":{"dtype":"F64","shape":[3,2],"data_offsets":[0,40]}}"#, Array(repeating: 0, count: 40)),
      .malformed, "'W_in'", "[3, 2]", "needs 48 bytes", "span 40")
    assertRejects(
      Self.raw(#"{"b":{"dtype":"F32","shape":[3],"data_offsets":[0,24]}}"#, Array(repeating: 0, count: 24)),
      .malformed, "needs 12 bytes", "span 24")
  }

  func testOffsetsPastTheEndOfTheData() {
    assertRejects(
      Self.raw(#"{"b":{"dtype":"F64","shape":[3],"data_offsets":[0,24]}}"#, Self.f64([1, 2])), .malformed, "'b'",
      "[0, 24]", "past the end of the data buffer", "16 bytes")
    assertRejects(
      Self.raw(#"{"b":{"dtype":"F64","shape":[1],"data_offsets":[18446744073709551600,18446744073709551608]}}"#),
      .malformed, "data_offsets")
    assertRejects(
      Self.raw(#"{"b":{"dtype":"F64","shape":[1],"data_offsets":[16,8]}}"#, Self.f64([1, 2])), .malformed, "[16, 8]",
      "end before")
    for offsets in ["[0]", "[0,8,16]", "[-8,0]", "\"0,8\"", "[0,8.0]"] {
      assertRejects(
        Self.raw(#"{"b":{"dtype":"F64","shape":[1],"data_offsets":\#(offsets)}}"#, Self.f64([1])), .malformed,
        "data_offsets")
    }
  }


  func testTensorsMustTileTheDataBuffer() {
    let d = Self.f64([1, 2, 3])
    assertRejects(
      Self.raw(#"{"a":{"dtype":"F64","shape":[1],"data_offsets":[8,16]}}"#, Self.f64([1, 2])), .malformed,
      "gap of 8 bytes", "'a'")
    assertRejects(
      Self.raw(
        #"{"a":{"dtype":"F64","shape":[2],"data_offsets":[0,16]},"b":{"dtype":"F64","shape":[2],"data_offsets":[8,24]}}"#,
        d), .malformed, "'a' and 'b' overlap")
    assertRejects(
      Self.raw(#"{"a":{"dtype":"F64","shape":[2],"data_offsets":[0,16]}}"#, d), .malformed,
      "8 bytes after the last tensor")
    assertRejects(Self.raw("{}", [0]), .malformed, "1 bytes after the last tensor")
  }

}
