import Foundation
import XCTest

@testable import SDE

final class FastMathTests: XCTestCase {
  /// Against glibc's tanh (≤ 1 ulp) on a dense grid through both branches
  /// and into saturation: ≤ 4 ulp of the reference (≤ 5 allows glibc's own).
  func testTanhAgainstLibm() {
    var worst = 0.0
    var x = -25.0
    while x <= 25 {
      for v in [x, x * 1e-3, x * 1e-9] {
        let r = Foundation.tanh(v)
        let ulps = abs(FastMath.tanh(v) - r) / r.ulp
        worst = max(worst, r == 0 ? abs(FastMath.tanh(v)) : ulps)
      }
      x += 0.000_731
    }
    XCTAssertLessThanOrEqual(worst, 5)
    XCTAssertEqual(FastMath.tanh(.infinity), 1)
    XCTAssertEqual(FastMath.tanh(-.infinity), -1)
    XCTAssertTrue(FastMath.tanh(.nan).isNaN)
    XCTAssertEqual(FastMath.tanh(0), 0)
    print("FastMath.tanh worst ulps", worst)
  }
}
