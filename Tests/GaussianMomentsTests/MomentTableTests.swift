import Foundation
import XCTest

@testable import GaussianMoments

/// The interpolated m(u), v(u) table against the relu textbook formulas
/// (Foundation's erfc, independent of the quadrature that fills the table).
final class MomentTableTests: XCTestCase {
  func Phi(_ x: Double) -> Double { 0.5 * erfc(-x / 2.0.squareRoot()) }
  func phi(_ x: Double) -> Double { exp(-0.5 * x * x) / (2 * Double.pi).squareRoot() }

  /// Between nodes (u = lower + (k + 0.37)·step) the cubic Lagrange error is
  /// about h⁴·max|m⁗|/24 with h = 0.01 and |m⁗| ≤ max φ″/σ³ ≈ 3.2 for
  /// σ = 0.5: ≈ 1.3e-9. Tolerance 1e-7 leaves room for that and for the
  /// quadrature's 1e-12, and still fails on an off-by-one node (error ~h·m′ ≈ 1e-2).
  func testReluTableMatchesClosedFormsBetweenNodes() throws {
    let s = 0.5
    let table = try MomentTable(activation: .relu, sigma: s, lower: -2, upper: 2, nodes: 401)
    XCTAssertEqual(table.step, 0.01, accuracy: 1e-15)
    for k in stride(from: 3, to: 397, by: 29) {
      let u = -2 + (Double(k) + 0.37) * table.step
      let z = u / s
      let m = u * Phi(z) + s * phi(z)
      let second = (u * u + s * s) * Phi(z) + u * s * phi(z)
      XCTAssertEqual(table.mean(u), m, accuracy: 1e-7, "m(\(u))")
      XCTAssertEqual(table.variance(u), second - m * m, accuracy: 1e-7, "v(\(u))")
    }
  }

  /// Outside the grid v is held at its end value and its slope is 0.
  func testVarianceIsHeldOutsideTheGrid() throws {
    let table = try MomentTable(activation: .tanh, sigma: 0.3, lower: -1, upper: 1, nodes: 101)
    XCTAssertEqual(table.variance(5), table.variance(1))
    XCTAssertEqual(table.variance(-5), table.variance(-1))
    XCTAssertEqual(table.varianceSlope(5), 0)
  }
}
