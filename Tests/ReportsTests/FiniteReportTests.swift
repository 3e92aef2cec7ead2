import Platform
import Reports
import XCTest

/// Reports refuse non-finite numbers before printing, naming where they are;
/// tables never emit control characters from their cells.
final class FiniteReportTests: XCTestCase {
  struct Inner: Encodable { var readoutMean: [Double] }
  struct Outer: Encodable { var levels: [Inner] }

  func testNonFiniteValueIsNamedByItsKeyPath() throws {
    XCTAssertNoThrow(try JSONOutput.requireFinite(Outer(levels: [Inner(readoutMean: [1, 2])]), stage: "the analysis"))
    let bad = Outer(levels: [Inner(readoutMean: [1]), Inner(readoutMean: [0, .infinity])])
    XCTAssertThrowsError(try JSONOutput.requireFinite(bad, stage: "the analysis")) { e in
      guard case PlatformError.nonFinite(let stage, let quantity, let value, _) = e else { return XCTFail("\(e)") }
      XCTAssertEqual(stage, "the analysis")
      XCTAssertEqual(quantity, "levels[1].readout_mean[1]")
      XCTAssertEqual(value, .infinity)
    }
  }

  func testTableCellsAreSanitized() {
    var t = Table(columns: ["quantity", "value"], caption: "checkpoint a\nb")
    t.append(["task", "\u{1B}[31mred"])
    for format in TableFormat.allCases {
      let s = t.render(format)
      XCTAssertFalse(s.contains("\u{1B}"), "\(format)")
      if format != .csv { XCTAssertFalse(s.contains("a\nb"), "\(format)") }
    }
  }
}
