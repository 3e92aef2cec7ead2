import Foundation
import XCTest

/// `fixedpoints checkpoint inspect|convert` as a user runs them, with
/// CLITests' subprocess runner (`run`, `json`, `assertRejected`).
///
/// The files are assembled here by hand: this bundle does not link CTRNN,
/// and a test file written by the code under test would prove little.
extension CLITests {
  /// A valid .ckpt (N = 3, I = 2, O = 1, F64), canonical: header keys sorted,
  /// compact, space-padded to a multiple of 8; data in sorted-name order.
  /// W_rec is upper triangular, so its spectral radius is the largest
  /// |diagonal entry|, 0.9.
  static func checkpointFile(
    metadata: [String: String] = [:], dropping: String? = nil, wRec: [Double]? = nil
  ) -> [UInt8] {
    var meta = [
      "activation": "tanh", "dt": "0.1", "format": "fixedpoints-ctrnn/1", "noise": "out", "seed": "11",
      "sigma_train": "0.25", "task": "function", "tau": "1.0",
    ]
    meta.merge(metadata) { $1 }
    let tensors: [(String, [Int], [Double])] = [
      ("W_in", [3, 2], [1, -1, 0.5, 0.25, -0.125, 3]),
      ("W_out", [1, 3], [0.7, -0.8, 0.9]),
      ("W_rec", [3, 3], wRec ?? [0.5, 0.3, -0.2, 0, -0.9, 0.1, 0, 0, 0.25]),
      ("b", [3], [0.01, -0.02, 0.03]),
      ("b_out", [1], [-0.1]),
    ].filter { $0.0 != dropping }
    var entries: [String] = []
    var data: [UInt8] = []
    for (name, shape, values) in tensors {
      let bytes = values.flatMap { v in (0..<8).map { UInt8(truncatingIfNeeded: v.bitPattern >> (8 * UInt64($0))) } }
      let shapeText = shape.map(String.init).joined(separator: ",")
      entries.append(
        "\"\(name)\":{\"data_offsets\":[\(data.count),\(data.count + bytes.count)],\"dtype\":\"F64\",\"shape\":[\(shapeText)]}"
      )
      data += bytes
    }
    let metaText = meta.keys.sorted().map { "\"\($0)\":\"\(meta[$0] ?? "")\"" }.joined(separator: ",")
    entries.insert("\"__metadata__\":{\(metaText)}", at: min(3, entries.count))
    var header = Array(("{" + entries.joined(separator: ",") + "}").utf8)
    header += Array(repeating: UInt8(ascii: " "), count: (8 - header.count % 8) % 8)
    let length = UInt64(header.count)
    return (0..<8).map { UInt8(truncatingIfNeeded: length >> (8 * UInt64($0))) } + header + data
  }

  /// A fresh directory, removed after the test.
  func checkpointDirectory() throws -> URL {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("fixedpoints-ckpt-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
    return dir
  }

  func writeCheckpoint(_ bytes: [UInt8], _ name: String, in dir: URL) throws -> String {
    let url = dir.appendingPathComponent(name)
    try Data(bytes).write(to: url)
    return url.path
  }

  /// Exit 2, nothing on stdout, exactly one stderr line
  /// "fixedpoints: error: …" that contains `fragment`.
  func assertCheckpointRejected(
    _ arguments: [String], naming fragment: String, file: StaticString = #filePath, line: UInt = #line
  ) throws {
    try assertRejected(arguments, naming: fragment, file: file, line: line)
    let r = try run(arguments, file: file, line: line)
    XCTAssert(r.stderr.hasPrefix("fixedpoints: error: "), "\(arguments): \(r.stderr)", file: file, line: line)
  }

  // MARK: - inspect

  func testCheckpointInspectShowsTheNetwork() throws {
    let dir = try checkpointDirectory()
    let path = try writeCheckpoint(Self.checkpointFile(), "net.ckpt", in: dir)

    let table = try run(["checkpoint", "inspect", path])
    XCTAssertEqual(table.status, 0, table.stderr)
    XCTAssertEqual(table.stderr, "")
    for piece in ["N (hidden units)", "tanh", "0.25", "function", "F64", "spectral radius of W_rec"] {
      XCTAssert(table.stdout.contains(piece), "missing \(piece): \(table.stdout)")
    }
    let nLine = try XCTUnwrap(table.stdout.split(separator: "\n").first { $0.hasPrefix("N (hidden units)") })
    XCTAssertEqual(nLine.split(separator: " ").last, "3", String(nLine))

    let r = try run(["checkpoint", "inspect", path, "--json"])
    XCTAssertEqual(r.status, 0, r.stderr)
    XCTAssertEqual(r.stdout.split(separator: "\n").count, 1, "one JSON object: \(r.stdout)")
    let o = try json(r)
    XCTAssertEqual(o["hidden_size"] as? Int, 3)
    XCTAssertEqual(o["input_size"] as? Int, 2)
    XCTAssertEqual(o["output_size"] as? Int, 1)
    XCTAssertEqual(o["parameters"] as? Int, 9 + 6 + 3 + 3 + 1)
    XCTAssertEqual(o["activation"] as? String, "tanh")
    XCTAssertEqual(o["noise"] as? String, "out")
    XCTAssertEqual(o["sigma_train"] as? Double, 0.25)
    XCTAssertEqual(o["dt"] as? Double, 0.1)
    XCTAssertEqual(o["tau"] as? Double, 1.0)
    XCTAssertEqual(o["gamma"] as? Double, 0.1)
    XCTAssertEqual(o["task"] as? String, "function")
    XCTAssertEqual(o["seed"] as? String, "11")
    XCTAssert(o["loss"] is NSNull, "absent loss is null: \(o["loss"] as Any)")
    XCTAssertEqual(o["dtype"] as? String, "F64")
    XCTAssertEqual(o["format"] as? String, "fixedpoints-ctrnn/1")
    // Eigenvalues of a triangular matrix are its diagonal: ρ = 0.9. GSL's
    // QR on a 3×3 triangular matrix is exact up to rounding: 1e-14.
    XCTAssertEqual(try XCTUnwrap(o["spectral_radius"] as? Double), 0.9, accuracy: 1e-14)
    XCTAssertEqual(o["extra_metadata"] as? [String: String], [:])

    let extra = try writeCheckpoint(Self.checkpointFile(metadata: ["lr": "0.001"]), "extra.ckpt", in: dir)
    let e = try json(try run(["checkpoint", "inspect", extra, "--json"]))
    XCTAssertEqual(e["extra_metadata"] as? [String: String], ["lr": "0.001"])
  }

  func testCheckpointInspectRejectsMalformedFiles() throws {
    let dir = try checkpointDirectory()
    let good = Self.checkpointFile()
    let cases: [(String, [UInt8], String)] = [
      ("truncated.ckpt", Array(good.dropLast(5)), "truncated"),
      ("short.ckpt", [1, 2, 3], "8-byte header length"),
      ("text.ckpt", Array("this is not a checkpoint at all\n".utf8), "header length"),
      ("no-wout.ckpt", Self.checkpointFile(dropping: "W_out"), "'W_out'"),
      ("swish.ckpt", Self.checkpointFile(metadata: ["activation": "swish"]), "swish"),
      ("noise.ckpt", Self.checkpointFile(metadata: ["noise": "sideways"]), "sideways"),
      ("dt.ckpt", Self.checkpointFile(metadata: ["dt": "fast"]), "dt"),
      ("format.ckpt", Self.checkpointFile(metadata: ["format": "pt"]), "format"),
      ("nan.ckpt", Self.checkpointFile(wRec: [0.5, .nan, 0, 0, 0, 0, 0, 0, 0]), "not finite"),
    ]
    for (name, bytes, fragment) in cases {
      let path = try writeCheckpoint(bytes, name, in: dir)
      try assertCheckpointRejected(["checkpoint", "inspect", path], naming: fragment)
      try assertCheckpointRejected(["checkpoint", "inspect", path, "--json"], naming: fragment)
    }
    try assertCheckpointRejected(
      ["checkpoint", "inspect", dir.appendingPathComponent("absent.ckpt").path], naming: "No such file")
    try assertCheckpointRejected(["checkpoint", "inspect", dir.path], naming: "not a regular file")
  }

  // MARK: - convert

  func testCheckpointConvertWritesCanonicalBytes() throws {
    let dir = try checkpointDirectory()
    let good = Self.checkpointFile()
    let input = try writeCheckpoint(good, "in.ckpt", in: dir)
    let out = dir.appendingPathComponent("out.ckpt").path

    let r = try run(["checkpoint", "convert", input, out])
    XCTAssertEqual(r.status, 0, r.stderr)
    XCTAssertEqual(r.stderr, "")
    // The input is canonical already, so converting it changes nothing.
    XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: out)), Data(good))

    let f32 = dir.appendingPathComponent("f32.ckpt").path
    XCTAssertEqual(try run(["checkpoint", "convert", input, f32, "--dtype", "f32"]).status, 0)
    let size = try XCTUnwrap(try FileManager.default.attributesOfItem(atPath: f32)[.size] as? Int)
    XCTAssertLessThan(size, good.count, "F32 halves the data")
    XCTAssertEqual(try json(try run(["checkpoint", "inspect", f32, "--json"]))["dtype"] as? String, "F32")
    // Back to F64 and again to F32: the same bytes (determinism).
    let back = dir.appendingPathComponent("back.ckpt").path
    XCTAssertEqual(try run(["checkpoint", "convert", f32, back, "--dtype", "F64"]).status, 0)
    XCTAssertEqual(try run(["checkpoint", "convert", back, back, "--dtype", "f32"]).status, 0, "in place")
    XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: back)), try Data(contentsOf: URL(fileURLWithPath: f32)))

    XCTAssertEqual(
      try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted(),
      ["back.ckpt", "f32.ckpt", "in.ckpt", "out.ckpt"], "no temporary files left")
    try assertRejected(["checkpoint", "convert", input, out, "--dtype", "f16"], naming: "--dtype")
  }

  func testCheckpointConvertNeverLeavesAPartialFile() throws {
    let dir = try checkpointDirectory()
    let bad = try writeCheckpoint(Array(Self.checkpointFile().dropLast(5)), "bad.ckpt", in: dir)
    let out = dir.appendingPathComponent("out.ckpt").path
    try assertCheckpointRejected(["checkpoint", "convert", bad, out], naming: "truncated")
    XCTAssertFalse(FileManager.default.fileExists(atPath: out))

    // An existing output survives a failed conversion untouched.
    try Data("precious".utf8).write(to: URL(fileURLWithPath: out))
    let nan = try writeCheckpoint(Self.checkpointFile(wRec: [.infinity, 0, 0, 0, 0, 0, 0, 0, 0]), "inf.ckpt", in: dir)
    try assertCheckpointRejected(["checkpoint", "convert", nan, out], naming: "not finite")
    XCTAssertEqual(try String(contentsOfFile: out, encoding: .utf8), "precious")

    // A value beyond Float's range cannot be written as F32.
    let huge = try writeCheckpoint(Self.checkpointFile(wRec: [1e300, 0, 0, 0, 0, 0, 0, 0, 0]), "huge.ckpt", in: dir)
    try assertCheckpointRejected(["checkpoint", "convert", huge, out, "--dtype", "f32"], naming: "F32")
    XCTAssertEqual(try String(contentsOfFile: out, encoding: .utf8), "precious")

    // An output directory that does not exist.
    let good = try writeCheckpoint(Self.checkpointFile(), "good.ckpt", in: dir)
    let nowhere = dir.appendingPathComponent("missing/out.ckpt").path
    try assertCheckpointRejected(["checkpoint", "convert", good, nowhere], naming: "cannot write")

    XCTAssertEqual(
      try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted(),
      ["bad.ckpt", "good.ckpt", "huge.ckpt", "inf.ckpt", "out.ckpt"], "no temporary files left")
  }
}
