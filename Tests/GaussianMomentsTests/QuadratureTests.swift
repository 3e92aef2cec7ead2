import Foundation
import GSL
import XCTest
import _TestSupport

@testable import GaussianMoments

final class QuadratureTests: XCTestCase {
  /// The Gauss–Hermite rules integrate polynomials of degree < 2n exactly:
  /// E ξ^{2k} = (2k − 1)!!. Rounding of the 64-node weights: 1e-13 relative.
  func testGaussHermiteIsExactOnPolynomials() {
    for rule in [GaussHermiteRule.n40, .n64] {
      var doubleFactorial = 1.0
      for k in 1...10 {
        doubleFactorial *= Double(2 * k - 1)
        let q = rule.integrateFolded { x in 2 * pow(x, Double(2 * k)) }
        XCTAssert(TestSupport.close(q, doubleFactorial, relative: 1e-13), "E ξ^\(2 * k): \(q) vs \(doubleFactorial)")
      }
    }
  }

  /// The fast path and the adaptive path must agree wherever the fast path is
  /// taken; forcing the adaptive path (tolerance 0 never accepts the rules)
  /// gives the reference. Both claim ~1e-13: 1e-11 leaves room for both.
  func testGaussHermiteAgreesWithAdaptive() throws {
    let fast = try MomentEvaluator()
    let slow = try MomentEvaluator()
    slow.gaussHermiteTolerance = -1
    var fastTaken = 0
    for f in [Activation.tanh, .sigmoid, .softplus, .erf] {
      for mu in [-3.0, -0.4, 0.1, 2.0] {
        for s in [1e-5, 0.05, 0.3] {
          let a = try fast.moments(f, mu: mu, sigma: s), b = try slow.moments(f, mu: mu, sigma: s)
          if a.method == .gaussHermite { fastTaken += 1 }
          for (x, y, name) in [(a.mean, b.mean, "mean"), (a.variance, b.variance, "var"), (a.meanSlope, b.meanSlope, "slope"), (a.bias, b.bias, "bias")] {
            XCTAssert(TestSupport.close(x, y, relative: 1e-11, absolute: 1e-300), "\(f) μ=\(mu) s=\(s) \(name): \(x) vs \(y)")
          }
        }
      }
    }
    XCTAssertGreaterThan(fastTaken, 10, "the Gauss–Hermite path should be taken at small s")
  }

  /// The bias is the quantity the toolkit exists for, and it is O(s²) while
  /// f is O(1): at s = 1e-6 it must still match s²f″(μ)/2 (next term
  /// O(s⁴), relatively 1e-12) to 1e-8 — a naive E f − f(μ) would have no
  /// correct digit.
  func testTinySigmaBiasKeepsItsDigits() throws {
    let s = 1e-6
    let cases: [(Activation, Double, Double)] = [
      (.tanh, 0.5, { let t = tanh(0.5); return -2 * t * (1 - t * t) }()),
      (.softplus, -1.0, { let p = 1 / (1 + exp(1.0)); return p * (1 - p) }()),
      (.sigmoid, 2.0, { let p = 1 / (1 + exp(-2.0)); return p * (1 - p) * (1 - 2 * p) }()),
    ]
    for (f, mu, f2) in cases {
      let m = try f.gaussianMoments(mu: mu, sigma: s)
      XCTAssert(TestSupport.close(m.bias, 0.5 * s * s * f2, relative: 1e-8), "\(f): \(m.bias) vs \(0.5 * s * s * f2)")
    }
  }

  /// Variance at tiny s is s²f′(μ)² (1 + O(s²)); E f² − (E f)² would cancel
  /// to nothing. Tolerance 1e-8 (relative O(s²) terms are 1e-12).
  func testTinySigmaVariance() throws {
    let s = 1e-6
    for f in [Activation.tanh, .sigmoid, .softplus, .erf] {
      let mu = 0.7
      let m = try f.gaussianMoments(mu: mu, sigma: s)
      let expected = s * s * f.derivative(mu) * f.derivative(mu)
      XCTAssert(TestSupport.close(m.variance, expected, relative: 1e-8), "\(f): \(m.variance) vs \(expected)")
    }
  }

  /// Error bounds are finite and small over the whole range, including the
  /// extremes we promise (|μ| ≤ 20, 1e-6 ≤ s ≤ 50 and s = 100).
  func testErrorBoundsOverTheRange() throws {
    let evaluator = try MomentEvaluator()
    for f in Activation.allCases {
      for mu in [-20.0, -1, 0, 0.5, 20] {
        for s in [1e-6, 1e-2, 1, 50, 100] {
          let m = try evaluator.moments(f, mu: mu, sigma: s)
          XCTAssert(m.mean.isFinite && m.variance >= 0 && m.meanSlope >= 0, "\(f) μ=\(mu) s=\(s): \(m)")
          XCTAssertLessThan(m.relativeErrorBound, 1e-10, "\(f) μ=\(mu) s=\(s) \(m.method)")
        }
      }
    }
  }
}
