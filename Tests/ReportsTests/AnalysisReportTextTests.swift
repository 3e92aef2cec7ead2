import CTRNN
import Foundation
import Reports
import XCTest

/// The terminal report shows what --schemes and --slow-points computed
/// (they once changed only the JSON), and numbers in the short format.
final class AnalysisReportTextTests: XCTestCase {
  func testSchemeTableHasOneRowPerSchemeAndNoisyLevel() throws {
    let a = try NetworkAnalysis(
      checkpoint: AnalysisReportTests.checkpoint(), input: [0.25], options: AnalysisReportTests.options())
    let report = AnalysisReport(a, path: "tiny.ckpt")
    let table = try XCTUnwrap(report.schemeTable())
    // sigma = 0 runs no ensemble; sigma = 0.5 runs chain and em.
    XCTAssertEqual(table.rows.map { $0[1] }, ["chain", "em"])
    XCTAssertEqual(table.rows[0][4], "-", "the chain is not compared with itself")
    let z = try XCTUnwrap(report.noiseLevels[1].schemes[1].zVsChain)[0]
    XCTAssertEqual(table.rows[1][4], String(format: "%+.2f", z))
    XCTAssert(report.render(.terminal).contains("by scheme"))

    let chainOnly = AnalysisReport(
      try NetworkAnalysis(
        checkpoint: AnalysisReportTests.checkpoint(), input: [0.25], options: AnalysisReportTests.options(schemes: [.chain])),
      path: "tiny.ckpt")
    XCTAssertNil(chainOnly.schemeTable(), "the default report has no scheme table")
  }

  /// Without --slow-points no line; with it, a line whatever was found. A
  /// contracting one-neuron map has no slow point that is not a fixed point.
  func testSlowPointLineSaysNoneFound() throws {
    var options = AnalysisReportTests.options(schemes: [.chain])
    let plain = AnalysisReport(
      try NetworkAnalysis(checkpoint: AnalysisReportTests.checkpoint(), input: [0.25], options: options), path: "x")
    XCTAssertNil(plain.slowPointSummary)
    XCTAssertFalse(plain.render(.terminal).contains("slow points"))

    options.slowPointSpeed = 1e-4
    let asked = AnalysisReport(
      try NetworkAnalysis(checkpoint: AnalysisReportTests.checkpoint(), input: [0.25], options: options), path: "x")
    XCTAssertEqual(asked.slowPoints?.count, 0)
    XCTAssertEqual(asked.slowPointSummary, "slow points: none found with 0 < q <= 0.0001 (q = 1/2 |F(h) - h|^2)")
    XCTAssert(asked.render(.terminal).contains("\nslow points: none found"))
  }

  func testSupportedDigits() {
    XCTAssertEqual(NumberFormat.supported(0.991301234, error: 0.00068), "0.99130")
    XCTAssertEqual(NumberFormat.supported(0.4242244311081760, error: 1e-14), "0.4242244311", "at most 10 decimals")
    XCTAssertEqual(NumberFormat.supported(0.30000000000000004, error: 0), "0.3")
    XCTAssertEqual(NumberFormat.significant(0.003928930920451535), "0.00392893")
  }
}
