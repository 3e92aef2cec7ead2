import Foundation
import GSL
import XCTest

@testable import GaussianMoments

/// Every activation over extreme (μ, s): ±0, denormals, 1e-300 … 1e308.
/// Each call either returns finite moments that obey the structural bounds
/// or throws; a NaN or an infinity is never returned. Specific limits that
/// must come out exactly are checked separately below.
final class ExtremeArgumentTests: XCTestCase {
  static let mus: [Double] = {
    let magnitudes: [Double] = [
      0, 5e-324, 2.2250738585072014e-308, 1e-300, 1e-70, 1e-8, 0.5, 1, 1 + 1e-15, 2, 40, 1e8, 1e62, 8e61, 1e155,
      1e300, 1e308, .greatestFiniteMagnitude,
    ]
    return magnitudes + magnitudes.map { -$0 }
  }()
  static let sigmas: [Double] = [
    0, -0.0, 5e-324, 2.2250738585072014e-308, 1e-300, 1e-155, 1e-70, 1e-8, 0.5, 1, 2, 1e8, 1e62, 1e155, 1e200,
    1e300, 1e308, .greatestFiniteMagnitude,
  ]

  func testSweepIsFiniteOrThrows() throws {
    let evaluator = try MomentEvaluator()
    var problems: [String] = []
    var thrown = 0
    for f in Activation.allCases {
      let (lo, hi) = f.rangeBounds
      for mu in Self.mus {
        for s in Self.sigmas {
          let m: ActivationMoments
          do {
            m = try evaluator.moments(f, mu: mu, sigma: s)
          } catch {
            thrown += 1
            // Only an overflow of the true value is a reason to throw: E f²
            // ≈ μ² + s² of an unbounded f, beyond ~1.3e154 in |μ| or s.
            let overflowPossible = hi == .infinity && Swift.max(abs(mu), s) > 1e150
            if !(error is MomentNotRepresentable && overflowPossible) {
              problems.append("\(f) μ=\(mu) s=\(s): unexpected error \(error)")
            }
            continue
          }
          let values = [m.mean, m.secondMoment, m.variance, m.meanSlope, m.bias]
          let bounds = [m.errorBounds.mean, m.errorBounds.secondMoment, m.errorBounds.variance,
                        m.errorBounds.meanSlope, m.errorBounds.bias]
          var why: [String] = []
          if !values.allSatisfy(\.isFinite) { why.append("non-finite value") }
          if !bounds.allSatisfy({ $0.isFinite && $0 >= 0 }) { why.append("bad error bound") }
          if m.mean < lo || m.mean > hi { why.append("mean outside f's range") }
          if m.variance < 0 || m.secondMoment < 0 { why.append("negative (second moment, variance)") }
          if m.meanSlope < 0 { why.append("negative slope of a monotone f") }
          if f != .linear && f != .relu && f != .softplus, m.secondMoment > 1 { why.append("E f² > 1 for |f| ≤ 1") }
          if !why.isEmpty {
            problems.append(
              "\(f) μ=\(mu) s=\(s): \(why.joined(separator: ", ")) — mean \(m.mean), E f² \(m.secondMoment), "
                + "var \(m.variance), slope \(m.meanSlope), bias \(m.bias)")
          }
        }
      }
    }
    XCTAssert(problems.isEmpty, "\(problems.count) bad results:\n" + problems.joined(separator: "\n"))
    // Throws happen, but only where allowed above (a check that this test
    // reaches the overflow branch at all).
    XCTAssertGreaterThan(thrown, 0)
  }

  /// erf at |μ| ≳ 8e61 gave NaN (GSL's erf). Beyond |μ|/√(1+s²) = 6√2 the
  /// mean is ±1 exactly in double (1 − erf(6) < ulp(1)/2), at s = 0 too.
  func testErfHugeMuIsExactlySignOfMu() throws {
    for mu in [1e62, -1e62, 8e61, 1e300, -.greatestFiniteMagnitude] {
      for s in [0, 0.5, 1, 1e6] {
        let m = try Activation.erf.gaussianMoments(mu: mu, sigma: s)
        XCTAssertEqual(m.mean, mu > 0 ? 1 : -1, "μ=\(mu) s=\(s)")
        XCTAssertEqual(m.secondMoment, 1, "μ=\(mu) s=\(s)")
        XCTAssertEqual(m.variance, 0, "μ=\(mu) s=\(s)")
        XCTAssertEqual(m.meanSlope, 0, "μ=\(mu) s=\(s)")
      }
    }
  }

  /// hardtanh at μ = 0 and tiny s gave a NaN mean: there f(X) = X, so the
  /// moments are those of X exactly (s² underflowing to 0 where it does).
  func testHardtanhTinySigmaIsLinear() throws {
    for s in [1e-70, 1e-155, 1e-300, 2.2250738585072014e-308, 5e-324] {
      let m = try Activation.hardtanh.gaussianMoments(mu: 0, sigma: s)
      XCTAssertEqual(m.mean, 0)
      XCTAssertEqual(m.secondMoment, s * s)
      XCTAssertEqual(m.variance, s * s)
      XCTAssertEqual(m.meanSlope, 1)
    }
  }

  /// relu far above its kink at tiny s (t = μ/s overflowing): the identity.
  func testReluTinySigmaAboveKinkIsLinear() throws {
    for (mu, s) in [(0.5, 5e-324), (1e62, 1e-300), (40.0, 2.2250738585072014e-308)] {
      let m = try Activation.relu.gaussianMoments(mu: mu, sigma: s)
      XCTAssertEqual(m.mean, mu)
      XCTAssertEqual(m.variance, s * s)
      XCTAssertEqual(m.meanSlope, 1)
    }
  }

  /// hardtanh at huge s (variance was NaN/inf from 1e155 on): at μ = 0,
  /// E f² = Var = 1 − (4/3)φ(0)/s, which is 1 in double for s ≥ 1e17, and
  /// the slope P(|X| < 1) = 2φ(0)/s to O(1/s³).
  func testHardtanhHugeSigma() throws {
    for s in [1e155, 1e200, 1e300, 1e308, .greatestFiniteMagnitude] {
      let m = try Activation.hardtanh.gaussianMoments(mu: 0, sigma: s)
      XCTAssertEqual(m.mean, 0)
      XCTAssertEqual(m.secondMoment, 1)
      XCTAssertEqual(m.variance, 1)
      XCTAssertEqual(m.meanSlope, 2 * Normal.pdf(0) / s, accuracy: 4 * Double.ulpOfOne * m.meanSlope)
    }
  }

  /// The large-s limits against exact closed forms, at s from the switch
  /// up: hardtanh's (all four moments) and erf's mean and slope, plus erf's
  /// E f² at μ = 0, (2/π)·asin(s²/(1 + s²)) (Owen's T vanishes there).
  /// The limits' neglected terms are (1 + t²)/s² ≤ 5e-18 relative for |t| ≤ 2
  /// at s ≥ 1e9; the closed forms' rounding is ~64ε(1 + t²): 1e-13 relative
  /// covers both. (The quadrature that the limits replace for tanh and
  /// sigmoid is no reference here: at s ≳ 1e3 it misses the tails of f′
  /// beyond ±8/s.)
  func testLargeSigmaLimitMatchesClosedForms() throws {
    for s in [Activation.largeSigma, 3e9, 1e12] {
      for mu in [0, 0.3 * s, -2 * s, 5.0] {
        let h = try XCTUnwrap(Activation.hardtanh.closedFormMoments(mu: mu, s: s))
        let hl = try XCTUnwrap(Activation.hardtanh.largeSigmaMoments(mu: mu, s: s))
        for (name, a, b) in [
          ("mean", hl.mean, h.mean), ("E f²", hl.secondMoment, h.secondMoment),
          ("var", hl.variance, h.variance), ("slope", hl.meanSlope, h.meanSlope),
        ] {
          XCTAssertEqual(a, b, accuracy: 1e-13 * abs(b), "hardtanh μ=\(mu) s=\(s) \(name)")
        }
        let e = Activation.erf.erfMeanSlopeBias(mu: mu, s: s)
        let el = try XCTUnwrap(Activation.erf.largeSigmaMoments(mu: mu, s: s))
        XCTAssertEqual(el.mean, e.mean, accuracy: 1e-13 * abs(e.mean), "erf μ=\(mu) s=\(s) mean")
        XCTAssertEqual(el.meanSlope, e.slope, accuracy: 1e-13 * e.slope, "erf μ=\(mu) s=\(s) slope")
      }
      // asin(1 − 1/(1+s²)) = π/2 − acos(…): written via the complement so
      // that 1/(1+s²) keeps its digits: acos(1 − ε) = 2 asin(√(ε/2)).
      let eps = 1 / (1 + s * s)
      let exact = (2 / Double.pi) * (Double.pi / 2 - 2 * asin((eps / 2).squareRoot()))
      let el = try XCTUnwrap(Activation.erf.largeSigmaMoments(mu: 0, s: s))
      XCTAssertEqual(el.secondMoment, exact, accuracy: 1e-13, "erf E f² at μ = 0, s = \(s)")
    }
  }
}
