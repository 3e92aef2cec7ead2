import XCTest

@testable import Verification

/// The catalogue's own contract (its checks run in `make test` via
/// `fixedpoints verify`; here: that a failure is reported as one).
final class CatalogueTests: XCTestCase {
  func testNamesAreUniqueAndEveryToleranceHasAReason() {
    let all = Catalogue.all
    XCTAssertEqual(Set(all.map(\.name)).count, all.count, "duplicate check names")
    for check in all {
      XCTAssertFalse(check.reason.isEmpty, "\(check.name) states no reason for its tolerance")
      XCTAssert(check.tolerance.isFinite && check.tolerance >= 0, "\(check.name)")
    }
  }

  func testFilterSelectsByName() {
    let relu = Catalogue.checks(matching: "relu")
    XCTAssertFalse(relu.isEmpty)
    XCTAssert(relu.allSatisfy { $0.name.contains("relu") })
    XCTAssertEqual(Catalogue.checks(matching: nil).count, Catalogue.all.count)
    XCTAssert(Catalogue.checks(matching: "no-such-check-zzz").isEmpty)
  }

  struct Boom: Error {}

  func testOutcomeReportsFailuresErrorsAndNaN() {
    let pass = Check(name: "p", unit: .relative, tolerance: 1, reason: "r") { 0.5 }()
    let fail = Check(name: "f", unit: .relative, tolerance: 1, reason: "r") { 2 }()
    let nan = Check(name: "n", unit: .relative, tolerance: 1, reason: "r") { .nan }()
    let thrown = Check(name: "t", unit: .relative, tolerance: 1, reason: "r") { throw Boom() }()
    XCTAssertTrue(pass.passed)
    XCTAssertFalse(fail.passed)
    XCTAssertFalse(nan.passed, "a NaN worst error must not pass")
    XCTAssertFalse(thrown.passed)
    XCTAssertNotNil(thrown.failure)
  }
}
