import Foundation
import GSL
import XCTest
import _TestSupport

@testable import GaussianMoments

/// Closed forms against formulas written independently here (Foundation's
/// erfc, not GSL), and the structural identities every moment must obey.
final class ClosedFormTests: XCTestCase {
  /// Φ from Foundation's erfc: independent of the GSL path under test.
  func Phi(_ x: Double) -> Double { 0.5 * erfc(-x / 2.0.squareRoot()) }
  func phi(_ x: Double) -> Double { exp(-0.5 * x * x) / (2 * Double.pi).squareRoot() }

  /// Relu: E f = μΦ(μ/s) + sφ(μ/s), E f² = (μ²+s²)Φ(μ/s) + μsφ(μ/s),
  /// at moderate |μ|/s where the naive formulas lose at most 2 digits:
  /// tolerance 1e-13.
  func testReluMatchesTextbookFormulas() throws {
    // |μ|/s ≤ 3 here; beyond, the textbook forms themselves lose digits.
    for mu in [-1.5, -0.3, 0, 0.3, 2.0] {
      for s in [0.5, 1, 3] {
        let m = try Activation.relu.gaussianMoments(mu: mu, sigma: s)
        let t = mu / s
        let mean = mu * Phi(t) + s * phi(t)
        let second = (mu * mu + s * s) * Phi(t) + mu * s * phi(t)
        XCTAssert(TestSupport.close(m.mean, mean, relative: 1e-13), "relu mean μ=\(mu) s=\(s): \(m.mean) vs \(mean)")
        XCTAssert(TestSupport.close(m.secondMoment, second, relative: 1e-13), "relu E f² μ=\(mu) s=\(s)")
        XCTAssert(TestSupport.close(m.variance, second - mean * mean, relative: 1e-12), "relu var μ=\(mu) s=\(s)")
        XCTAssert(TestSupport.close(m.meanSlope, Phi(t), relative: 1e-14))
        XCTAssert(TestSupport.close(m.bias, mean - max(mu, 0), relative: 1e-12, absolute: 1e-15))
        XCTAssertEqual(m.method, .closedForm)
      }
    }
  }

  /// A reference point: relu at μ = 0.3, s = 0.5 to 1e-12.
  func testReluReferencePoint() throws {
    let m = try Activation.relu.gaussianMoments(mu: 0.3, sigma: 0.5)
    XCTAssert(TestSupport.close(m.mean, 0.3 * Phi(0.6) + 0.5 * phi(0.6), relative: 1e-12))
  }

  /// Tail: at μ/s = −30 the mean is ~1.6e-199; μΦ + sφ with Φ = ½(1 + erf)
  /// (DESIGN.md, "Tails") has no digit left. Reference value from mpmath at
  /// 50 digits:
  /// s·(φ(30) − 30·Q(30)) = 1.6319567340914012e-199 (s = 1).
  func testReluFarTail() throws {
    let m = try Activation.relu.gaussianMoments(mu: -30, sigma: 1)
    XCTAssert(TestSupport.close(m.mean, 1.6319567340914012e-199, relative: 1e-14), "\(m.mean)")
    XCTAssert(TestSupport.close(m.secondMoment, 1.0843724873983491e-200, relative: 1e-14), "\(m.secondMoment)")
    // The textbook formula with Φ = ½(1 + erf) really does fail here.
    let naive = -30 * 0.5 * (1 + erf(-30 / 2.0.squareRoot())) + phi(-30)
    XCTAssertGreaterThan(abs(naive - m.mean) / m.mean, 1e-6)
  }

  /// s → 0 reduces exactly to f(μ): at s = 0 by definition, and at s = 1e-300
  /// because every correction is O(s²) and underflows.
  func testZeroSigmaIsExact() throws {
    for f in Activation.allCases {
      for mu in [-2.0, -0.5, 0.25, 3.0] {
        for s in [0.0, 1e-300] {
          let m = try f.gaussianMoments(mu: mu, sigma: s)
          if s > 0, f.kinks.contains(mu) {
            // At a kink the correction is O(s), not O(s²): hardsigmoid at −2 has
            // E f = E (sZ/4)₊ = s/(4√(2π)), representable at s = 1e-300.
            XCTAssertEqual(f, .hardsigmoid)
            XCTAssertEqual(m.mean, s / (4 * (2 * Double.pi).squareRoot()), accuracy: 1e-313, "\(f) μ=\(mu) s=\(s)")
            continue
          }
          XCTAssertEqual(m.mean, f(mu), "\(f) μ=\(mu) s=\(s)")
          XCTAssertEqual(m.bias, 0, "\(f) μ=\(mu) s=\(s)")
          XCTAssertEqual(m.secondMoment, f(mu) * f(mu), accuracy: 1e-300)
        }
      }
    }
  }

  /// GSL 2.7's gsl_sf_erf_Q(x) is NaN for x ≳ 1e100; our tails are exactly 0.
  func testNormalTailsBeyondGSLRange() {
    XCTAssertEqual(Normal.tail(1e300), 0)
    XCTAssertEqual(Normal.cdf(-1e300), 0)
    XCTAssertEqual(Normal.cdf(1e300), 1)
    XCTAssertEqual(Normal.logCDF(-1e300), -.infinity)
  }

  /// Odd activations: moments at −μ mirror those at μ, exactly (both paths
  /// reduce to μ ≥ 0 or use folded integrands symmetric in μ).
  func testOddSymmetry() throws {
    for f in [Activation.tanh, .hardtanh, .erf] {
      for (mu, s) in [(0.7, 0.3), (2.0, 1.5), (1e-8, 1.0)] {
        let p = try f.gaussianMoments(mu: mu, sigma: s), n = try f.gaussianMoments(mu: -mu, sigma: s)
        XCTAssertEqual(p.mean, -n.mean, accuracy: 1e-15 * abs(p.mean), "\(f)")
        XCTAssertEqual(p.bias, -n.bias, accuracy: 1e-15 * abs(p.bias), "\(f)")
        XCTAssertEqual(p.variance, n.variance, accuracy: 1e-15 * p.variance, "\(f)")
      }
      let zero = try f.gaussianMoments(mu: 0, sigma: 0.8)
      XCTAssertEqual(zero.mean, 0)
      XCTAssertEqual(zero.bias, 0)
    }
  }

  /// erf(x/√2) = 2Φ(x) − 1 under N(μ, s²): E f = 2Φ(μ/√(1+s²)) − 1 (the
  /// probit identity E Φ(μ + sξ) = Φ(μ/√(1+s²))).
  func testErfProbitIdentity() throws {
    for (mu, s) in [(0.3, 0.5), (-1.0, 2.0), (4.0, 0.1)] {
      let m = try Activation.erf.gaussianMoments(mu: mu, sigma: s)
      let r = (1 + s * s).squareRoot()
      XCTAssert(TestSupport.close(m.mean, 2 * Phi(mu / r) - 1, relative: 1e-13))
      XCTAssert(TestSupport.close(m.meanSlope, 2 * phi(mu / r) / r, relative: 1e-13))
    }
  }

  /// Hardtanh in the limits: s ≪ distance to the kinks → f(μ) and slope 1;
  /// s ≫ 1 → mean ≈ 2φ(0)·μ/s (E f ≈ μ·E f′ at μ ≈ 0), slope ≈ 2φ(0)/s.
  func testHardtanhLimits() throws {
    let tight = try Activation.hardtanh.gaussianMoments(mu: 0.2, sigma: 1e-3)
    XCTAssertEqual(tight.mean, 0.2, accuracy: 1e-15)
    XCTAssertEqual(tight.variance, 1e-6, accuracy: 1e-15)
    let wide = try Activation.hardtanh.gaussianMoments(mu: 1e-3, sigma: 100)
    // Relative corrections are O(1/s²) = 1e-4.
    XCTAssertEqual(wide.meanSlope, 2 * phi(0) / 100, accuracy: 1e-4 * wide.meanSlope)
    XCTAssertEqual(wide.mean, 1e-3 * 2 * phi(0) / 100, accuracy: 1e-4 * abs(wide.mean))
  }

  func testBadInputThrows() {
    XCTAssertThrowsError(try Activation.relu.gaussianMoments(mu: .nan, sigma: 1)) { XCTAssert($0 is MomentError) }
    XCTAssertThrowsError(try Activation.tanh.gaussianMoments(mu: 0, sigma: -1))
    XCTAssertThrowsError(try Activation.tanh.gaussianMoments(mu: 0, sigma: .infinity))
    XCTAssertThrowsError(try Activation.tanh.gaussianMoments(mu: .infinity, sigma: 1))
  }
}
