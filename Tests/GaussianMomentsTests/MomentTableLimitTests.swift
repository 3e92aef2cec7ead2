import XCTest

@testable import GaussianMoments

/// The table's lookup and construction on values a diverging trajectory or a
/// huge bias produce: no trap.
final class MomentTableLimitTests: XCTestCase {
  func testNonFiniteAndFarOffArgumentsDoNotTrap() throws {
    let t = try MomentTable(activation: .relu, sigma: 0.5, lower: -5, upper: 5, nodes: 101)
    let n = 101
    XCTAssertEqual(MomentTable.node(.nan, count: n), 0)
    XCTAssertEqual(MomentTable.node(.infinity, count: n), n - 4)
    XCTAssertEqual(MomentTable.node(-.infinity, count: n), 0)
    XCTAssertEqual(MomentTable.node(1e300, count: n), n - 4)
    XCTAssertEqual(MomentTable.node(-1e300, count: n), 0)
    // Inside the grid: ⌊s⌋ − 1, as before.
    XCTAssertEqual(MomentTable.node(37.5, count: n), 36)
    XCTAssert(t.interpolate(t.mean, .nan).isNaN)
  }

  /// u ≈ 1e16: a range of ±1 around it has no room for distinct nodes.
  func testUnresolvableRangeIsAnError() {
    XCTAssertThrowsError(try MomentTable(activation: .tanh, sigma: 0.1, lower: 1e16, upper: 1e16 + 2, nodes: 4001)) { e in
      XCTAssertEqual(e as? MomentError, .unresolvableRange(lower: 1e16, upper: 1e16 + 2))
    }
    XCTAssertThrowsError(try MomentTable(activation: .tanh, sigma: 0.1, lower: 1, upper: 1))
    XCTAssertThrowsError(try MomentTable(activation: .tanh, sigma: 0.1, lower: -.infinity, upper: 1))
  }
}
