import Foundation
import XCTest
import _TestSupport

/// The `fixedpoints` executable run as a user runs it: a subprocess, its exit
/// status, its stdout and its stderr. SwiftPM builds every product before it
/// runs the tests, so the binary sits next to the test bundle.
final class CLITests: XCTestCase {
  struct Run {
    var status: Int32
    var stdout: String
    var stderr: String
    var stdoutData: Data
    var stderrLines: [Substring] { stderr.split(separator: "\n", omittingEmptySubsequences: true) }
  }

  /// The build products directory: on Linux `Bundle(for:)` is the test bundle
  /// `<products>/fixedpointsPackageTests.xctest`; on macOS the same holds, with
  /// the bundle's executable deeper inside it. Several candidates are tried so
  /// that a different layout fails with a message, not a mystery.
  static let executable: URL? = {
    let fm = FileManager.default
    var candidates: [URL] = []
    let bundle = Bundle(for: CLITests.self)
    candidates.append(bundle.bundleURL.deletingLastPathComponent())
    candidates.append(bundle.bundleURL)
    if let exe = bundle.executableURL { candidates.append(exe.deletingLastPathComponent()) }
    if let exe = Bundle.main.executableURL { candidates.append(exe.deletingLastPathComponent()) }
    candidates.append(URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent())
    for dir in candidates {
      let url = dir.appendingPathComponent("fixedpoints")
      var isDirectory: ObjCBool = false
      if fm.fileExists(atPath: url.path, isDirectory: &isDirectory), !isDirectory.boolValue,
        fm.isExecutableFile(atPath: url.path)
      {
        return url
      }
    }
    return nil
  }()

  func run(_ arguments: [String], file: StaticString = #filePath, line: UInt = #line) throws -> Run {
    guard let executable = Self.executable else {
      XCTFail(
        "the fixedpoints executable was not found next to the test bundle (\(Bundle(for: CLITests.self).bundleURL.path)); "
          + "build it first: swift build --product fixedpoints", file: file, line: line)
      throw XCTSkip("no executable")
    }
    // Output goes to temporary files rather than pipes: no deadlock however
    // much a command prints, and no reader threads.
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("fixedpoints-cli-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    let outURL = dir.appendingPathComponent("stdout"), errURL = dir.appendingPathComponent("stderr")
    FileManager.default.createFile(atPath: outURL.path, contents: nil)
    FileManager.default.createFile(atPath: errURL.path, contents: nil)
    let out = try FileHandle(forWritingTo: outURL), err = try FileHandle(forWritingTo: errURL)
    let process = Process()
    process.executableURL = executable
    process.arguments = arguments
    process.standardOutput = out
    process.standardError = err
    process.standardInput = FileHandle.nullDevice
    try process.run()
    process.waitUntilExit()
    try out.close()
    try err.close()
    let outData = try Data(contentsOf: outURL)
    return Run(
      status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
      stderr: String(decoding: try Data(contentsOf: errURL), as: UTF8.self), stdoutData: outData)
  }

  func json(_ r: Run, file: StaticString = #filePath, line: UInt = #line) throws -> [String: Any] {
    let object = try JSONSerialization.jsonObject(with: r.stdoutData)
    return try XCTUnwrap(object as? [String: Any], "stdout is not one JSON object: \(r.stdout)", file: file, line: line)
  }

  /// Φ(x) = erfc(−x/√2)/2 from Foundation (glibc's libm), independent of
  /// the GSL code under test.
  func Phi(_ x: Double) -> Double { erfc(-x / 2.0.squareRoot()) / 2 }
  func phi(_ x: Double) -> Double { exp(-x * x / 2) / (2 * Double.pi).squareRoot() }

  // MARK: - moments --json

  func testMomentsJSONHasTheDocumentedKeysAndTheRectifiedGaussianMean() throws {
    let r = try run(["moments", "--activation", "relu", "--mu", "0.3", "--sigma", "0.5", "--json"])
    XCTAssertEqual(r.status, 0, r.stderr)
    XCTAssertEqual(r.stderr, "")
    // Exactly one JSON object: one line, which parses as an object.
    XCTAssertEqual(r.stdout.split(separator: "\n").count, 1, r.stdout)
    let o = try json(r)
    let required: Set = [
      "activation", "mu", "sigma", "mean", "second_moment", "variance", "mean_slope", "bias", "method", "error_bound",
    ]
    XCTAssert(required.isSubset(of: o.keys), "missing keys: \(required.subtracting(o.keys))")
    XCTAssertNil(o["monte_carlo"], "monte_carlo without --mc")
    XCTAssertEqual(o["activation"] as? String, "relu")
    XCTAssertEqual(o["mu"] as? Double, 0.3)
    XCTAssertEqual(o["sigma"] as? Double, 0.5)
    XCTAssertNotNil(o["method"] as? String)

    // Bricken 2023 Eq. 21: E relu(μ + sξ) = μΦ(μ/s) + sφ(μ/s). Both sides are
    // a handful of well-conditioned operations on erfc/exp (no cancellation
    // at μ/s = 0.6), so they agree to a few ulps; 1e-12 relative is the brief.
    let mu = 0.3, s = 0.5
    let expected = mu * Phi(mu / s) + s * phi(mu / s)
    let mean = try XCTUnwrap(o["mean"] as? Double)
    XCTAssert(TestSupport.relativeError(mean, expected) <= 1e-12, "mean \(mean) vs \(expected)")
    // Second moment (μ² + s²)Φ(μ/s) + μsφ(μ/s), and the derived quantities.
    let second = (mu * mu + s * s) * Phi(mu / s) + mu * s * phi(mu / s)
    let m2 = try XCTUnwrap(o["second_moment"] as? Double)
    XCTAssert(TestSupport.relativeError(m2, second) <= 1e-12, "second moment \(m2) vs \(second)")
    // Variance is E f² − (E f)² ≈ 0.1 here: 1e-11 allows the cancellation of
    // two O(0.2) quantities.
    let variance = try XCTUnwrap(o["variance"] as? Double)
    XCTAssert(TestSupport.relativeError(variance, second - expected * expected) <= 1e-11, "variance \(variance)")
    let slope = try XCTUnwrap(o["mean_slope"] as? Double)
    XCTAssert(TestSupport.relativeError(slope, Phi(mu / s)) <= 1e-12, "mean slope \(slope) vs Φ(μ/s)")
    let bias = try XCTUnwrap(o["bias"] as? Double)
    XCTAssert(abs(bias - (expected - mu)) <= 1e-12 * expected, "bias \(bias) vs \(expected - mu)")
    let bound = try XCTUnwrap(o["error_bound"] as? Double)
    XCTAssert(bound >= 0 && bound < 1e-10, "error_bound \(bound)")
  }

  func testNegativeValueAfterAnOption() throws {
    for args in [["--mu", "-0.3"], ["--mu=-0.3"]] {
      let r = try run(["moments", "--activation", "relu"] + args + ["--sigma", "0.5", "--json"])
      XCTAssertEqual(r.status, 0, "\(args): \(r.stderr)")
      let o = try json(r)
      XCTAssertEqual(o["mu"] as? Double, -0.3)
      let expected = -0.3 * Phi(-0.6) + 0.5 * phi(-0.6)
      let mean = try XCTUnwrap(o["mean"] as? Double)
      XCTAssert(TestSupport.relativeError(mean, expected) <= 1e-12, "mean \(mean) vs \(expected)")
    }
  }

  func testMonteCarloIsReproducibleAndReported() throws {
    let args = ["moments", "--activation", "tanh", "--mu", "0.3", "--sigma", "0.5", "--mc", "20000", "--seed", "7", "--json"]
    let first = try run(args), second = try run(args)
    XCTAssertEqual(first.status, 0, first.stderr)
    XCTAssertEqual(first.stdoutData, second.stdoutData, "same seed, different bytes")
    let o = try json(first)
    let mc = try XCTUnwrap(o["monte_carlo"] as? [String: Any], "no monte_carlo object: \(first.stdout)")
    XCTAssertEqual(mc["samples"] as? Int, 20000)
    XCTAssertEqual(mc["seed"] as? Int, 7)
    // The MC mean agrees with the deterministic one within 5 of its own
    // standard errors (fixed seed: this is a sanity check, not a test of luck).
    let mean = try XCTUnwrap(o["mean"] as? Double)
    let mcMean = try XCTUnwrap(mc["mean"] as? Double), se = try XCTUnwrap(mc["mean_se"] as? Double)
    XCTAssert(se > 0 && abs(mcMean - mean) < 5 * se, "MC \(mcMean) ± \(se) vs \(mean)")
    // A different seed gives different bytes.
    var other = args
    other[other.firstIndex(of: "7")!] = "8"
    XCTAssertNotEqual(try run(other).stdoutData, first.stdoutData)
  }

  // MARK: - Bad input: exit 2, one line on stderr naming the problem, nothing on stdout

  func assertRejected(
    _ arguments: [String], naming option: String, file: StaticString = #filePath, line: UInt = #line
  ) throws {
    try assertRejected(arguments, namingAll: [option], file: file, line: line)
  }

  /// Exit 2, nothing on stdout, exactly one terminated stderr line
  /// "fixedpoints: error: …" that contains every fragment.
  func assertRejected(
    _ arguments: [String], namingAll fragments: [String], file: StaticString = #filePath, line: UInt = #line
  ) throws {
    let r = try run(arguments, file: file, line: line)
    XCTAssertEqual(r.status, 2, "\(arguments): status \(r.status), stderr \(r.stderr)", file: file, line: line)
    XCTAssertEqual(r.stdout, "", "\(arguments) printed to stdout", file: file, line: line)
    XCTAssertEqual(r.stderrLines.count, 1, "\(arguments): stderr is not one line: \(r.stderr)", file: file, line: line)
    XCTAssert(r.stderr.hasPrefix("fixedpoints: error: "), "\(arguments): \(r.stderr)", file: file, line: line)
    XCTAssert(r.stderr.hasSuffix("\n"), "\(arguments): stderr line is not terminated", file: file, line: line)
    for fragment in fragments {
      XCTAssert(r.stderr.contains(fragment), "\(arguments): stderr does not name \(fragment): \(r.stderr)", file: file, line: line)
    }
  }

  func testBadInputExitsTwoWithOneLine() throws {
    let base = ["moments", "--activation", "relu", "--mu", "0.3", "--sigma", "0.5"]
    try assertRejected(["moments", "--activation", "foo", "--mu", "0.3", "--sigma", "0.5"], naming: "--activation")
    try assertRejected(["moments", "--activation", "relu", "--mu", "0.3", "--sigma", "-1"], naming: "--sigma")
    try assertRejected(["moments", "--activation", "relu", "--mu", "0.3", "--sigma", "nan"], naming: "--sigma")
    try assertRejected(["moments", "--activation", "relu", "--mu", "nan", "--sigma", "0.5"], naming: "--mu")
    try assertRejected(["moments", "--activation", "relu", "--mu", "inf", "--sigma", "0.5"], naming: "--mu")
    try assertRejected(["moments", "--activation", "relu", "--mu", "-inf", "--sigma", "0.5"], naming: "--mu")
    try assertRejected(base + ["--json", "--format", "csv"], naming: "--json")
    try assertRejected(base + ["--json", "--format", "csv"], naming: "--format")
    try assertRejected(base + ["--mc", "1"], naming: "--mc")
    try assertRejected(["moments", "--activation", "relu", "--sigma", "0.5"], naming: "--mu")  // missing option
    try assertRejected(base + ["--format", "html"], naming: "--format")
    try assertRejected(["verify", "--filter", "no-check-is-called-this-zzz"], naming: "--filter")
  }

  // MARK: - Other commands

  func testHelpAndVerifyList() throws {
    let help = try run(["--help"])
    XCTAssertEqual(help.status, 0, help.stderr)
    XCTAssert(help.stdout.contains("moments") && help.stdout.contains("verify"), help.stdout)

    let list = try run(["verify", "--list"])
    XCTAssertEqual(list.status, 0, list.stderr)
    XCTAssert(list.stdout.contains("why that tolerance"), list.stdout)
    XCTAssertGreaterThan(list.stdout.split(separator: "\n").count, 2)
  }

  func testTableFormats() throws {
    let base = ["moments", "--activation", "relu", "--mu", "0.3", "--sigma", "0.5", "--format"]

    let markdown = try run(base + ["markdown"])
    XCTAssertEqual(markdown.status, 0, markdown.stderr)
    XCTAssert(markdown.stdout.contains("| quantity | value | error bound |"), markdown.stdout)
    XCTAssert(markdown.stdout.contains("| :--- | ---: | ---: |"), markdown.stdout)

    let csv = try run(base + ["csv"])
    XCTAssertEqual(csv.status, 0, csv.stderr)
    let csvLines = csv.stdout.split(separator: "\n")
    XCTAssertEqual(csvLines.first, "quantity,value,error bound")
    XCTAssertEqual(csvLines.count, 6, csv.stdout)  // header + 5 quantities
    XCTAssert(csvLines.allSatisfy { $0.split(separator: ",").count == 3 }, csv.stdout)

    let latex = try run(base + ["latex"])
    XCTAssertEqual(latex.status, 0, latex.stderr)
    for piece in ["\\begin{tabular}{lrr}", "\\toprule", "\\midrule", "\\bottomrule", "quantity & value & error bound \\\\"] {
      XCTAssert(latex.stdout.contains(piece), "missing \(piece): \(latex.stdout)")
    }

    let terminal = try run(Array(base.dropLast()))
    XCTAssertEqual(terminal.status, 0, terminal.stderr)
    XCTAssert(terminal.stdout.contains("quantity"), terminal.stdout)
    XCTAssertFalse(terminal.stdout.contains("|"), terminal.stdout)
  }
}
