import Foundation
import GSL
import XCTest
import _TestSupport

@testable import GaussianMoments

final class MonteCarloAndInverseTests: XCTestCase {
  /// Every analytic moment within 4.5 Monte-Carlo standard errors (35
  /// z-scores per point set; a correct code exceeds 4.5 with p ≈ 2e-4).
  func testMomentsAgreeWithMonteCarlo() throws {
    var seed: UInt = 3
    for f in Activation.allCases {
      for (mu, s) in [(0.4, 0.7), (-0.8, 1.5)] {
        let m = try f.gaussianMoments(mu: mu, sigma: s)
        let mc = try MonteCarloMoments.estimate(f, mu: mu, sigma: s, samples: 100_000, seed: seed)
        seed += 1
        for (exact, est, name) in [
          (m.mean, mc.mean, "mean"), (m.secondMoment, mc.secondMoment, "E f²"), (m.variance, mc.variance, "var"),
          (m.meanSlope, mc.meanSlope, "slope"), (m.bias, mc.bias, "bias"),
        ] where est.standardError > 0 {
          XCTAssertLessThan(abs(est.value - exact) / est.standardError, 4.5, "\(f) μ=\(mu) s=\(s) \(name): \(exact) vs \(est)")
        }
      }
    }
  }

  func testMonteCarloIsDeterministicForASeed() throws {
    let a = try MonteCarloMoments.estimate(.tanh, mu: 0.1, sigma: 0.9, samples: 1000, seed: 42)
    let b = try MonteCarloMoments.estimate(.tanh, mu: 0.1, sigma: 0.9, samples: 1000, seed: 42)
    XCTAssertEqual(a.mean.value.bitPattern, b.mean.value.bitPattern)
    XCTAssertEqual(a.variance.value.bitPattern, b.variance.value.bitPattern)
  }

  /// f(f⁻¹(y)) = y inside the range (a few ulps: atanh/logit/quantile round
  /// trips), and the ±∞ extension outside it.
  func testInverseRoundTrips() {
    for f in Activation.allCases {
      let (lo, hi) = f.rangeBounds
      for y in [-0.9, -0.3, 0.05, 0.5, 0.95, 3.0] where y > lo && y < hi {
        XCTAssertEqual(f(f.inverse(y)), y, accuracy: 1e-13 * max(1, abs(y)), "\(f) y=\(y)")
      }
      if lo.isFinite { XCTAssertEqual(f.inverse(lo - 0.1), -.infinity, "\(f)") }
      if hi.isFinite { XCTAssertEqual(f.inverse(hi + 0.1), .infinity, "\(f)") }
    }
  }

  /// The generalised inverse carries relu's atom: P(relu(Z) ≤ 0) = P(Z ≤ 0)
  /// and P(relu(Z) ≤ y) = 0 for y < 0 (DESIGN.md, transfer operator note).
  func testGeneralisedInverseHandlesAtoms() {
    XCTAssertEqual(Activation.relu.inverse(0), 0)
    XCTAssertEqual(Activation.relu.inverse(-1e-300), -.infinity)
    XCTAssertEqual(Activation.hardtanh.inverse(1), .infinity)
    XCTAssertEqual(Normal.cdf(Activation.relu.inverse(0) - 0.3), Normal.cdf(-0.3))
  }

  /// f′ matches a central difference away from kinks (h = 1e-5: truncation
  /// O(h²f‴) ≈ 1e-10, rounding O(ε/h) ≈ 1e-11).
  func testDerivativesMatchFiniteDifferences() {
    for f in Activation.allCases {
      for x in [-2.3, -0.7, 0.4, 1.6] {
        let h = 1e-5
        let fd = (f(x + h) - f(x - h)) / (2 * h)
        XCTAssertEqual(f.derivative(x), fd, accuracy: 1e-9, "\(f) x=\(x)")
      }
    }
  }
}
