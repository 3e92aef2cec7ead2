import Foundation
import GSL
import Safetensors
import XCTest

@testable import CTRNN

/// The `.ckpt` reader and writer (Checkpoint+Safetensors.swift) over the
/// Safetensors target.
///
/// Every file a test reads is assembled here by hand — length prefix, header
/// JSON text, little-endian bytes — never by the code under test, so a bug in
/// the writer cannot hide the same bug in the reader.
final class CheckpointTests: XCTestCase {
  // MARK: - Hand-crafted files

  /// One tensor as written into a crafted file: the header entry's fields
  /// and the raw data bytes.
  struct Spec {
    var name: String
    var dtype: String
    var shape: [Int]
    var data: [UInt8]
  }

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

  /// A file with the tensors' data in the listed order (contiguous offsets),
  /// header entries in the same order with `__metadata__` inserted at
  /// `metadataIndex` (nil: no metadata), and the header space-padded to a
  /// multiple of 8 when `pad`.
  static func craft(
    _ specs: [Spec], metadata: [(String, String)]?, metadataIndex: Int = 3, pad: Bool = true,
    separator: String = ","
  ) -> [UInt8] {
    var entries: [String] = []
    var offset = 0
    for s in specs {
      let shape = s.shape.map(String.init).joined(separator: ",")
      entries.append(
        "\"\(s.name)\":{\"data_offsets\":[\(offset),\(offset + s.data.count)],\"dtype\":\"\(s.dtype)\",\"shape\":[\(shape)]}"
      )
      offset += s.data.count
    }
    if let metadata {
      let m = metadata.map { "\"\($0.0)\":\"\($0.1)\"" }.joined(separator: ",")
      entries.insert("\"__metadata__\":{\(m)}", at: min(metadataIndex, entries.count))
    }
    var header = "{" + entries.joined(separator: separator) + "}"
    if pad { header += String(repeating: " ", count: (8 - header.utf8.count % 8) % 8) }
    return raw(header, specs.flatMap(\.data))
  }

  // The reference network: N = 3, I = 2, O = 1.
  /// W_rec and W_in are dyadic (exact in F32); b, W_out, b_out are not.
  static let wRec: [Double] = [0.5, -0.25, 0.125, 0.0625, 0.75, -0.375, -1.5, 2.0, 0.875]
  static let wIn: [Double] = [1.0, -1.0, 0.5, 0.25, -0.125, 3.0]
  static let b: [Double] = [0.01, -0.02, 0.03]
  static let wOut: [Double] = [0.7, -0.8, 0.9]
  static let bOut: [Double] = [-0.1]

  /// The five tensors, in sorted-name order (the canonical layout).
  static func specs(_ dtype: String = "F64") -> [Spec] {
    func bytes(_ xs: [Double]) -> [UInt8] { dtype == "F32" ? f32(xs.map { Float($0) }) : f64(xs) }
    return [
      Spec(name: "W_in", dtype: dtype, shape: [3, 2], data: bytes(wIn)),
      Spec(name: "W_out", dtype: dtype, shape: [1, 3], data: bytes(wOut)),
      Spec(name: "W_rec", dtype: dtype, shape: [3, 3], data: bytes(wRec)),
      Spec(name: "b", dtype: dtype, shape: [3], data: bytes(b)),
      Spec(name: "b_out", dtype: dtype, shape: [1], data: bytes(bOut)),
    ]
  }

  /// The metadata, in sorted-key order, with values as Swift prints them.
  static let metadata: [(String, String)] = [
    ("activation", "relu"), ("dt", "0.1"), ("format", "fixedpoints-ctrnn/1"), ("loss", "0.0031287761159670617"),
    ("lr", "0.001"), ("noise", "in"), ("seed", "7"), ("sigma_train", "0.5"), ("task", "function"), ("tau", "1.0"),
  ]

  static func replacing(_ key: String, with value: String?) -> [(String, String)] {
    var m = metadata.filter { $0.0 != key }
    if let value { m.append((key, value)) }
    return m
  }

  static func replacing(_ name: String, shape: [Int], count: Int) -> [Spec] {
    specs().map {
      $0.name == name
        ? Spec(name: name, dtype: "F64", shape: shape, data: f64((0..<count).map { 0.01 * Double($0) })) : $0
    }
  }

  /// A checkpoint built in Swift, for write-then-read tests.
  static func network(dtype: Checkpoint.DType = .f64, extra: [String: String] = ["lr": "0.001"]) throws -> Checkpoint {
    try Checkpoint(
      activation: .tanh, noise: .outside, sigmaTrain: 1e-5, dt: 0.1, tau: 0.30000000000000004,
      recurrent: Matrix(rows: 3, columns: 3, elements: wRec), inputWeights: Matrix(rows: 3, columns: 2, elements: wIn),
      bias: b, readoutWeights: Matrix(rows: 1, columns: 3, elements: wOut), readoutBias: bOut, task: "function", seed: "42",
      loss: 1.2345678901234567e-7, extraMetadata: extra, dtype: dtype)
  }

  // MARK: - Error assertions

  enum Kind { case unreadable, unwritable, malformed, missingTensor, shapeMismatch, nonFiniteWeight, badMetadata }

  static func kind(_ e: CheckpointError) -> Kind {
    switch e {
    case .unreadable: return .unreadable
    case .unwritable: return .unwritable
    case .malformed: return .malformed
    case .missingTensor, .foreignLayout: return .missingTensor
    case .shapeMismatch: return .shapeMismatch
    case .nonFiniteWeight: return .nonFiniteWeight
    case .badMetadata: return .badMetadata
    }
  }

  /// The bytes are rejected with an error of `kind` whose message contains
  /// every fragment.
  func assertRejects(
    _ bytes: [UInt8], _ kind: Kind, _ fragments: String..., file: StaticString = #filePath, line: UInt = #line
  ) {
    do {
      let c = try Checkpoint(safetensors: bytes)
      XCTFail("accepted a bad file: \(c)", file: file, line: line)
    } catch {
      XCTAssertEqual(Self.kind(error), kind, "wrong kind: \(error)", file: file, line: line)
      for f in fragments {
        XCTAssert(error.description.contains(f), "message lacks \"\(f)\": \(error.description)", file: file, line: line)
      }
      XCTAssertFalse(error.description.contains("\n"), "message is not one line: \(error)", file: file, line: line)
    }
  }

  // MARK: - Reading good files

  func testReadsTheHandCraftedReferenceFile() throws {
    let c = try Checkpoint(safetensors: Self.craft(Self.specs(), metadata: Self.metadata))
    XCTAssertEqual(c.hiddenSize, 3)
    XCTAssertEqual(c.inputSize, 2)
    XCTAssertEqual(c.outputSize, 1)
    XCTAssertEqual(c.recurrent.elements, Self.wRec)
    XCTAssertEqual(c.recurrent[2, 1], 2.0, "row-major: W_rec[2,1] is the 8th value")
    XCTAssertEqual(c.inputWeights.elements, Self.wIn)
    XCTAssertEqual(c.inputWeights[0, 1], -1.0)
    XCTAssertEqual(c.bias, Self.b)
    XCTAssertEqual(c.readoutWeights.elements, Self.wOut)
    XCTAssertEqual(c.readoutBias, Self.bOut)
    XCTAssertEqual(c.activation, .relu)
    XCTAssertEqual(c.noise, .inside)
    XCTAssertEqual(c.sigmaTrain, 0.5)
    XCTAssertEqual(c.dt, 0.1)
    XCTAssertEqual(c.tau, 1.0)
    XCTAssertEqual(c.gamma, 0.1)
    XCTAssertEqual(c.task, "function")
    XCTAssertEqual(c.seed, "7")
    XCTAssertEqual(c.loss, 0.0031287761159670617)
    XCTAssertEqual(c.extraMetadata, ["lr": "0.001"], "format and the typed keys are not extra")
    XCTAssertEqual(c.dtype, .f64)
  }

  /// Python's writer puts `__metadata__` anywhere (hash order), orders
  /// tensors by dtype then name, and pads with spaces; JSON may carry
  /// whitespace. None of that matters to the content.
  func testReadsPythonStyleFilesWithAnyKeyOrderAndWhitespace() throws {
    let reference = try Checkpoint(safetensors: Self.craft(Self.specs(), metadata: Self.metadata))
    let shuffled = Array(Self.specs().reversed())
    for (metadataIndex, pad, separator) in [(0, true, ","), (5, false, ", "), (2, true, ",\n  ")] {
      let bytes = Self.craft(
        shuffled, metadata: Array(Self.metadata.reversed()), metadataIndex: metadataIndex, pad: pad,
        separator: separator)
      XCTAssertEqual(try Checkpoint(safetensors: bytes), reference, "metadata at \(metadataIndex), pad \(pad)")
    }
    // Optional metadata absent; no format key at all is accepted.
    let minimal = Self.metadata.filter { ["activation", "noise", "sigma_train", "dt", "tau"].contains($0.0) }
    let c = try Checkpoint(safetensors: Self.craft(Self.specs(), metadata: minimal))
    XCTAssertNil(c.task)
    XCTAssertNil(c.seed)
    XCTAssertNil(c.loss)
    XCTAssertEqual(c.extraMetadata, [:])
    // An empty task is no task.
    XCTAssertNil(try Checkpoint(safetensors: Self.craft(Self.specs(), metadata: minimal + [("task", "")])).task)
  }

  func testReadsF32AndWidensExactly() throws {
    let c = try Checkpoint(safetensors: Self.craft(Self.specs("F32"), metadata: Self.metadata))
    XCTAssertEqual(c.dtype, .f32)
    // 0.1 as F32 is 0.100000001490116…; widening keeps exactly that value.
    XCTAssertEqual(c.readoutWeights.elements, Self.wOut.map { Double(Float($0)) })
    XCTAssertEqual(c.bias, Self.b.map { Double(Float($0)) })
    XCTAssertEqual(c.recurrent.elements, Self.wRec, "dyadic values are exact in F32")
  }

  func testExtraTensorsAreIgnored() throws {
    let extra = Spec(name: "optimizer.step", dtype: "F32", shape: [], data: Self.f32([12]))
    let c = try Checkpoint(safetensors: Self.craft(Self.specs() + [extra], metadata: Self.metadata))
    XCTAssertEqual(c, try Checkpoint(safetensors: Self.craft(Self.specs(), metadata: Self.metadata)))
  }


  // MARK: - Writing

  func testRoundTripF64IsExactToTheBit() throws {
    var c = try Self.network()
    // Values whose shortest decimal is long, subnormals, signed zero, extremes.
    c.recurrent.elements = [
      0.1, -0.0, .leastNonzeroMagnitude, 1.7976931348623157e308, -2.2250738585072014e-308, 1.0 / 3, .pi, -.ulpOfOne, 7,
    ]
    let back = try Checkpoint(safetensors: c.safetensorsBytes())
    XCTAssertEqual(back, c)
    XCTAssertEqual(back.recurrent.elements.map(\.bitPattern), c.recurrent.elements.map(\.bitPattern), "-0.0 kept")
    XCTAssertEqual(back.tau, 0.30000000000000004, "metadata doubles round-trip exactly")
    XCTAssertEqual(back.sigmaTrain, 1e-5)
    XCTAssertEqual(back.loss, 1.2345678901234567e-7)

    // Through a file as well.
    let dir = try temporaryDirectory()
    let url = dir.appendingPathComponent("net.ckpt")
    try c.write(to: url)
    XCTAssertEqual(try Checkpoint(contentsOf: url), c)
  }

  func testRoundTripF32() throws {
    var c = try Self.network(dtype: .f32)
    // Every weight exactly representable in F32.
    func exact(_ xs: [Double]) -> [Double] { xs.map { Double(Float($0)) } }
    c.bias = exact(c.bias)
    c.readoutWeights.elements = [0.5, -1.25, Double(Float(0.1))]
    c.readoutBias = exact(c.readoutBias)
    let bytes = try c.safetensorsBytes()
    let back = try Checkpoint(safetensors: bytes)
    XCTAssertEqual(back, c)
    XCTAssertEqual(back.dtype, .f32)
    // Four bytes a value: 9 + 6 + 3 + 3 + 1 = 22 values.
    let headerLength = Int(bytes[0]) | Int(bytes[1]) << 8
    XCTAssertEqual(bytes.count, 8 + headerLength + 4 * 22)

    // Writing F64 values as F32 rounds each to the nearest Float.
    c.readoutWeights.elements = [0.1, 1.0 / 3, 1e-40]
    XCTAssertEqual(
      try Checkpoint(safetensors: c.safetensorsBytes()).readoutWeights.elements, c.readoutWeights.elements.map { Double(Float($0)) })
  }

  func testWritingIsCanonicalByteForByte() throws {
    // The hand-crafted reference file is canonical: reading and rewriting it
    // gives the same bytes.
    let crafted = Self.craft(Self.specs(), metadata: Self.metadata)
    XCTAssertEqual(try Checkpoint(safetensors: crafted).safetensorsBytes(), crafted)
    let craftedF32 = Self.craft(Self.specs("F32"), metadata: Self.metadata)
    XCTAssertEqual(try Checkpoint(safetensors: craftedF32).safetensorsBytes(), craftedF32)
    // The same file with Python's ordering comes out canonical too.
    let python = Self.craft(
      Array(Self.specs().reversed()), metadata: Array(Self.metadata.reversed()), metadataIndex: 0, pad: false)
    XCTAssertEqual(try Checkpoint(safetensors: python).safetensorsBytes(), crafted)
  }

  func testEqualContentGivesEqualBytes() throws {
    var extraA: [String: String] = [:]
    var extraB: [String: String] = [:]
    let keys = (0..<20).map { "key\($0)" }
    for k in keys { extraA[k] = "v" + k }
    for k in keys.reversed() { extraB[k] = "v" + k }
    let a = try Self.network(extra: extraA)
    let b = try Self.network(extra: extraB)
    XCTAssertEqual(try a.safetensorsBytes(), try b.safetensorsBytes())
    XCTAssertEqual(try a.safetensorsBytes(), try a.safetensorsBytes())

    let dir = try temporaryDirectory()
    let first = dir.appendingPathComponent("first.ckpt")
    let second = dir.appendingPathComponent("second.ckpt")
    try a.write(to: first)
    try b.write(to: second)
    try a.write(to: second)  // overwriting an existing file
    XCTAssertEqual(try Data(contentsOf: first), try Data(contentsOf: second))
    XCTAssertEqual(try Data(contentsOf: first), Data(try a.safetensorsBytes()))
    XCTAssertEqual(
      try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted(), ["first.ckpt", "second.ckpt"],
      "no temporary file left behind")
  }

  func testHeaderIsPaddedWithSpacesToAMultipleOfEight() throws {
    // Task names of 0…8 characters move the header length through every
    // residue mod 8.
    for length in 0...8 {
      var c = try Self.network()
      c.task = String(repeating: "t", count: length)
      let bytes = try c.safetensorsBytes()
      let n = Int(Self.le64Value(bytes))
      XCTAssertEqual(n % 8, 0, "task of \(length) characters: header length \(n)")
      let header = Array(bytes[8..<(8 + n)])
      let close = try XCTUnwrap(header.lastIndex(of: UInt8(ascii: "}")))
      XCTAssert(header[(close + 1)...].allSatisfy { $0 == UInt8(ascii: " ") }, "padding is spaces")
      XCTAssertLessThan(header.count - close - 1, 8, "at most 7 bytes of padding")
      XCTAssertEqual(bytes.count, 8 + n + 8 * 22)
      // Keys in sorted order in the text itself.
      let text = String(decoding: header, as: UTF8.self)
      let positions = ["\"W_in\"", "\"W_out\"", "\"W_rec\"", "\"__metadata__\"", "\"b\":", "\"b_out\""].map {
        text.range(of: $0)?.lowerBound
      }
      XCTAssertEqual(positions.compactMap { $0 }.count, 6)
      XCTAssertEqual(positions.compactMap { $0 }, positions.compactMap { $0 }.sorted(), text)
    }
  }

  func testMetadataStringsAreEscapedAndRoundTrip() throws {
    let note = "a \"quoted\" \\ back\\slash\nnew line\ttab \u{1} ctrl — ünï 😀"
    let c = try Self.network(extra: ["note": note, "ключ": "значение"])
    let bytes = try c.safetensorsBytes()
    XCTAssertEqual(try Checkpoint(safetensors: bytes).extraMetadata, ["note": note, "ключ": "значение"])
    // And the header is JSON any parser reads.
    let n = Int(Self.le64Value(bytes))
    let json = try JSONSerialization.jsonObject(with: Data(bytes[8..<(8 + n)])) as? [String: Any]
    XCTAssertEqual((json?["__metadata__"] as? [String: String])?["note"], note)
  }


  func testWriteRefusesWhatItCannotWriteFaithfully() throws {
    var c = try Self.network(dtype: .f32)
    c.bias[1] = 1e300
    XCTAssertThrowsError(try c.safetensorsBytes()) { e in
      XCTAssertEqual(Self.kind(e as! CheckpointError), .nonFiniteWeight)
      XCTAssert("\(e)".contains("b[1]") && "\(e)".contains("F32"), "\(e)")
    }
    c.dtype = .f64
    XCTAssertNoThrow(try c.safetensorsBytes())

    let clash = try Self.network(extra: ["dt": "0.5"])
    XCTAssertThrowsError(try clash.safetensorsBytes()) { e in
      XCTAssertEqual(Self.kind(e as! CheckpointError), .badMetadata)
      XCTAssert("\(e)".contains("'dt'"), "\(e)")
    }
  }

  func testWriteFailureLeavesNothingBehind() throws {
    let dir = try temporaryDirectory()
    let c = try Self.network()
    // Into a directory that does not exist.
    let missing = dir.appendingPathComponent("no/such/dir/net.ckpt")
    XCTAssertThrowsError(try c.write(to: missing)) { e in
      XCTAssert("\(e)".contains("cannot write") && "\(e)".contains(missing.path), "\(e)")
    }
    // Over a directory: the rename fails after the temporary file was written.
    let occupied = dir.appendingPathComponent("occupied.ckpt")
    try FileManager.default.createDirectory(at: occupied, withIntermediateDirectories: false)
    try Data("keep".utf8).write(to: occupied.appendingPathComponent("inside"))
    XCTAssertThrowsError(try c.write(to: occupied))
    XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path), ["occupied.ckpt"])
    XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: occupied.path), ["inside"])
  }

  func testUnreadableFiles() throws {
    let dir = try temporaryDirectory()
    let missing = dir.appendingPathComponent("absent.ckpt")
    XCTAssertThrowsError(try Checkpoint(contentsOf: missing)) { e in
      XCTAssertEqual(Self.kind(e as! CheckpointError), .unreadable)
      XCTAssert("\(e)".contains(missing.path) && "\(e)".contains("No such file"), "\(e)")
    }
    XCTAssertThrowsError(try Checkpoint(contentsOf: dir)) { e in
      XCTAssertEqual(Self.kind(e as! CheckpointError), .unreadable)
      XCTAssert("\(e)".contains("not a regular file"), "\(e)")
    }
  }

  // MARK: - Malformed safetensors

  /// The format layer's verdict reaches the user unchanged, as a checkpoint
  /// error (the format's own cases are tested in SafetensorsTests).
  func testMalformedFilesKeepTheFormatLayersMessage() {
    let bytes = Self.raw(#"{"b":{"dtype":"F64","shape":[3],"data_offsets":[0,24]}}"#, Self.f64([1, 2]))
    let formatError: SafetensorsError
    do {
      _ = try SafetensorsFile.decode(bytes)
      return XCTFail("the format layer accepted a truncated file")
    } catch { formatError = error }
    guard case .malformed(let m) = formatError else { return XCTFail("\(formatError)") }
    do {
      _ = try Checkpoint(safetensors: bytes)
      XCTFail("accepted a truncated file")
    } catch {
      XCTAssertEqual(error, .malformed(m))
      XCTAssertEqual(error.description, "malformed checkpoint: " + m)
    }
    assertRejects(Self.raw("{not json"), .malformed, "not valid JSON")
  }

  func testTruncatedFile() throws {
    let good = Self.craft(Self.specs(), metadata: Self.metadata)
    assertRejects(Array(good.dropLast(3)), .malformed, "'b_out'", "past the end of the data buffer", "truncated")
    assertRejects(Array(good.dropLast(8)), .malformed, "'b_out'", "truncated")
    // Cut inside the header: the declared length runs past the end.
    let headerLength = Int(Self.le64Value(good))
    assertRejects(Array(good.prefix(8 + headerLength / 2)), .malformed, "past the end of the file")
  }

  func testMetadataValuesMustBeStrings() {
    // "dt":"0.1" becomes "dt":0.100, the same length, so the offsets stay right.
    let bytes = Self.patch(#""dt":"0.1""#, with: #""dt":0.100"#, in: Self.craft(Self.specs(), metadata: Self.metadata))
    assertRejects(bytes, .malformed, "__metadata__", "'dt'", "not a string")
  }

  /// Nothing a file says can crash the reader: every prefix of a good file,
  /// and thousands of seeded random corruptions, either read or throw.
  func testCorruptedFilesNeverCrash() throws {
    let good = Self.craft(Self.specs(), metadata: Self.metadata)
    for count in 0..<good.count {
      XCTAssertThrowsError(try Checkpoint(safetensors: good.prefix(count)), "prefix of \(count) bytes was accepted")
    }
    var state: UInt64 = 0x9E37_79B9_7F4A_7C15
    func next() -> UInt64 {  // SplitMix64
      state &+= 0x9E37_79B9_7F4A_7C15
      var z = state
      z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
      z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
      return z ^ (z >> 31)
    }
    var accepted = 0
    for _ in 0..<5000 {
      var bytes = good
      for _ in 0..<(1 + Int(next() % 3)) {
        bytes[Int(next() % UInt64(bytes.count))] = UInt8(truncatingIfNeeded: next())
      }
      if let c = try? Checkpoint(safetensors: bytes) {
        accepted += 1  // e.g. a flipped bit in a weight: still a valid file
        XCTAssertEqual(try Checkpoint(safetensors: c.safetensorsBytes()), c)
      }
    }
    XCTAssertLessThan(accepted, 5000)
  }

  // MARK: - Missing tensors and shape disagreements

  func testEachMissingTensorIsNamed() {
    for name in Checkpoint.tensorNames {
      let bytes = Self.craft(Self.specs().filter { $0.name != name }, metadata: Self.metadata)
      assertRejects(bytes, .missingTensor, "'\(name)'")
      XCTAssertThrowsError(try Checkpoint(safetensors: bytes)) { e in
        XCTAssertEqual(e as? CheckpointError, .missingTensor(name))
      }
    }
  }

  /// Another framework's names: the error names the layout and the
  /// converter command (with the file's path when read from a file); names
  /// that fit no known layout keep the plain missing-tensor error.
  func testForeignLayoutNamesTheConverter() throws {
    let torchNames = ["W_rec": "rnn.weight_hh_l0", "W_in": "rnn.weight_ih_l0", "b": "rnn.bias_hh_l0",
                      "W_out": "fc.weight", "b_out": "fc.bias"]
    let renamed = Self.specs().map { Spec(name: torchNames[$0.name]!, dtype: $0.dtype, shape: $0.shape, data: $0.data) }
    let bytes = Self.craft(renamed, metadata: [])
    XCTAssertThrowsError(try Checkpoint(safetensors: bytes)) { e in
      guard case .foreignLayout(let missing, let layout, let file, _)? = e as? CheckpointError else {
        return XCTFail("expected foreignLayout, got \(e)")
      }
      XCTAssertEqual(missing, "W_rec")
      XCTAssertTrue(layout.contains("nn.RNN"), layout)
      XCTAssertNil(file)
    }
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ckpt-foreign-\(getpid())")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    let url = dir.appendingPathComponent("it's a net.safetensors")
    try Data(bytes).write(to: url)
    XCTAssertThrowsError(try Checkpoint(contentsOf: url)) { e in
      let message = "\(e)"
      XCTAssertTrue(message.contains("python3 scripts/torch_to_ckpt.py '\(dir.path)/it'\\''s a net.safetensors' "), message)
      XCTAssertTrue(message.contains("it'\\''s a net.ckpt' --activation tanh --noise-scaling in --sigma-train SIGMA"), message)
    }
    let unrelated = Self.specs().map { Spec(name: "x." + $0.name.lowercased(), dtype: $0.dtype, shape: $0.shape, data: $0.data) }
    XCTAssertThrowsError(try Checkpoint(safetensors: Self.craft(unrelated, metadata: []))) { e in
      XCTAssertEqual(e as? CheckpointError, .missingTensor("W_rec"))
    }
  }

  func testEachShapeDisagreementIsNamed() {
    let cases: [(String, [Int], Int, [String])] = [
      ("W_rec", [9], 9, ["W_rec must be 2-D", "[9]"]),
      ("W_rec", [3, 3, 1], 9, ["W_rec must be 2-D", "[3, 3, 1]"]),
      ("W_rec", [3, 2], 6, ["W_rec has shape [3, 2]", "square"]),
      ("W_in", [6], 6, ["W_in must be 2-D"]),
      ("W_in", [2, 2], 4, ["W_in has shape [2, 2] but W_rec is 3×3"]),
      ("W_in", [4, 2], 8, ["W_in has shape [4, 2] but W_rec is 3×3"]),
      ("b", [3, 1], 3, ["b must be 1-D", "[3, 1]"]),
      ("b", [2], 2, ["b has shape [2] but W_rec is 3×3"]),
      ("W_out", [3], 3, ["W_out must be 2-D"]),
      ("W_out", [1, 2], 2, ["W_out has shape [1, 2] but W_rec is 3×3"]),
      ("b_out", [], 1, ["b_out must be 1-D"]),
      ("b_out", [2], 2, ["b_out has shape [2] but W_out is 1×3"]),
    ]
    for (name, shape, count, fragments) in cases {
      let bytes = Self.craft(Self.replacing(name, shape: shape, count: count), metadata: Self.metadata)
      do {
        _ = try Checkpoint(safetensors: bytes)
        XCTFail("\(name) \(shape) accepted")
      } catch {
        XCTAssertEqual(Self.kind(error), .shapeMismatch, "\(name) \(shape): \(error)")
        for f in fragments { XCTAssert(error.description.contains(f), "\(name) \(shape): \(error)") }
      }
    }
    // N = 0 and O = 0 are not networks.
    let emptyShapes: [String: [Int]] = ["W_rec": [0, 0], "W_in": [0, 2], "b": [0], "W_out": [1, 0]]
    let empty = Self.specs().map { s -> Spec in
      guard let shape = emptyShapes[s.name] else { return s }
      return Spec(name: s.name, dtype: "F64", shape: shape, data: [])
    }
    assertRejects(Self.craft(empty, metadata: Self.metadata), .shapeMismatch, "N ≥ 1")
    var noOutput = Self.replacing("W_out", shape: [0, 3], count: 0)
    noOutput = noOutput.map { $0.name == "b_out" ? Spec(name: "b_out", dtype: "F64", shape: [0], data: []) : $0 }
    assertRejects(Self.craft(noOutput, metadata: Self.metadata), .shapeMismatch, "W_out")
    // No inputs (I = 0) is a valid autonomous network.
    let autonomous = Self.replacing("W_in", shape: [3, 0], count: 0)
    XCTAssertEqual(try Checkpoint(safetensors: Self.craft(autonomous, metadata: Self.metadata)).inputSize, 0)
  }

  func testNonFiniteWeights() {
    var specs = Self.specs()
    var w = Self.wRec
    w[4] = .nan
    specs[2] = Spec(name: "W_rec", dtype: "F64", shape: [3, 3], data: Self.f64(w))
    assertRejects(Self.craft(specs, metadata: Self.metadata), .nonFiniteWeight, "W_rec", "nan", "index 4")

    specs = Self.specs("F32")
    specs[3] = Spec(name: "b", dtype: "F32", shape: [3], data: Self.f32([0, .infinity, 0]))
    assertRejects(Self.craft(specs, metadata: Self.metadata), .nonFiniteWeight, "b has", "inf", "index 1")

    specs = Self.specs()
    specs[1] = Spec(name: "W_out", dtype: "F64", shape: [1, 3], data: Self.f64([0, 0, -.infinity]))
    assertRejects(Self.craft(specs, metadata: Self.metadata), .nonFiniteWeight, "W_out", "-inf")

    specs = Self.specs()
    specs[4] = Spec(name: "b_out", dtype: "F64", shape: [1], data: Self.f64([.signalingNaN]))
    assertRejects(Self.craft(specs, metadata: Self.metadata), .nonFiniteWeight, "b_out")
  }

  // MARK: - Metadata

  func testBadMetadata() {
    func rejects(_ key: String, _ value: String?, _ fragments: String..., line: UInt = #line) {
      let bytes = Self.craft(Self.specs(), metadata: Self.replacing(key, with: value))
      do {
        _ = try Checkpoint(safetensors: bytes)
        XCTFail("\(key) = \(value ?? "nil") accepted", line: line)
      } catch {
        XCTAssertEqual(Self.kind(error), .badMetadata, "\(error)", line: line)
        for f in fragments { XCTAssert(error.description.contains(f), "lacks \(f): \(error)", line: line) }
      }
    }
    rejects("activation", "swish", "activation 'swish'", "linear, relu, softplus, tanh, sigmoid, hardtanh, erf")
    rejects("activation", "ReLU", "'ReLU'")
    rejects("activation", nil, "missing 'activation'")
    rejects("noise", "both", "noise 'both'", "in, out")
    rejects("noise", nil, "missing 'noise'")
    rejects("dt", nil, "missing 'dt'")
    rejects("dt", "0.1s", "dt = '0.1s' is not a number")
    rejects("dt", "", "dt = ''")
    rejects("dt", "2", "dt = 2.0 > tau = 1.0")
    rejects("dt", "0", "dt must be", "> 0")
    rejects("dt", "nan", "dt must be")
    rejects("tau", nil, "missing 'tau'")
    rejects("tau", "one", "tau = 'one'")
    rejects("sigma_train", nil, "missing 'sigma_train'")
    rejects("sigma_train", "-0.5", "sigma_train", ">= 0")
    rejects("sigma_train", "inf", "sigma_train")
    rejects("loss", "low", "loss = 'low'")
    rejects("format", "fixedpoints-ctrnn/2", "format is 'fixedpoints-ctrnn/2'", "fixedpoints-ctrnn/1")
    rejects("format", "pt", "format is 'pt'")
    // No metadata at all.
    assertRejects(Self.craft(Self.specs(), metadata: nil), .badMetadata, "missing 'activation'")
    // dt = tau (gamma = 1, the discrete RNN) is fine.
    XCTAssertNoThrow(try Checkpoint(safetensors: Self.craft(Self.specs(), metadata: Self.replacing("dt", with: "1"))))
  }

  // MARK: - Helpers

  /// `bytes` with the first occurrence of `old` replaced by `new` (bytes,
  /// not text: the data buffer is not UTF-8).
  static func patch(_ old: String, with new: String, in bytes: [UInt8]) -> [UInt8] {
    let o = Array(old.utf8)
    guard let i = (0...(bytes.count - o.count)).first(where: { Array(bytes[$0..<($0 + o.count)]) == o }) else {
      XCTFail("\(old) not found")
      return bytes
    }
    return Array(bytes[..<i]) + Array(new.utf8) + Array(bytes[(i + o.count)...])
  }

  static func le64Value(_ bytes: [UInt8]) -> UInt64 {
    (0..<8).reduce(0) { $0 | UInt64(bytes[$1]) << (8 * UInt64($1)) }
  }

  func temporaryDirectory() throws -> URL {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("checkpoint-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
    return dir
  }
}
