import Foundation
import XCTest

/// `analyze --input` as a set of input conditions: ranges expand, the
/// components combine, repeated options append, and each condition is its
/// own report in order.
extension CLITests {
  func testAnalyzeInputRangeIsAGridOfConditions() throws {
    let small = CLITests.analyzeSmall.map { $0 == "0,0.5" ? "0" : $0 }  // σ = 0 only: the fixed points are what differ
    let r = try run(["analyze", Self.analyzeModel("in")] + small + ["--input", "-0.5:0.5:0.5", "--input", "0.9", "--json"])
    XCTAssertEqual(r.status, 0, r.stderr)
    let reports = try XCTUnwrap(try JSONSerialization.jsonObject(with: r.stdoutData) as? [[String: Any]])
    let inputs = reports.map { ($0["model"] as? [String: Any])?["input"] as? [Double] }
    XCTAssertEqual(inputs, [[-0.5], [0], [0.5], [0.9]], "the range's three values, then the repeated --input")
    // Different inputs, different fixed points: each condition was really analysed at its own u.
    let readouts = reports.compactMap { (($0["fixed_points"] as? [[String: Any]])?.first?["readout"] as? [Double])?.first }
    XCTAssertEqual(Set(readouts).count, 4, "\(readouts)")
  }

  func testAnalyzeInputGridRejectsBadForms() throws {
    let model = Self.analyzeModel("in"), small = CLITests.analyzeSmall
    for bad in ["0:1:0", "1:0:0.5", "0:1", "0,", "0:nan:0.1"] {
      let r = try run(["analyze", model] + small + ["--input", bad])
      XCTAssertEqual(r.status, 2, "--input \(bad): \(r.stderr)")
      XCTAssert(r.stderr.contains("--input"), "--input \(bad): \(r.stderr)")
    }
    // Two components of 40 values each: 1600 conditions, over the limit of 1000.
    let many = try run(["analyze", model] + small + ["--input", "0:3.9:0.1,0:3.9:0.1"])
    XCTAssertEqual(many.status, 2, many.stderr)
    // Two conditions and one --out directory.
    let out = FileManager.default.temporaryDirectory.appendingPathComponent("grid-\(UUID().uuidString)").path
    let two = try run(["analyze", model] + small + ["--input", "0:1:1", "--out", out])
    XCTAssertEqual(two.status, 2, two.stderr)
    XCTAssert(two.stderr.contains("2 conditions"), two.stderr)
    XCTAssertFalse(FileManager.default.fileExists(atPath: out), "nothing written")
  }
}
