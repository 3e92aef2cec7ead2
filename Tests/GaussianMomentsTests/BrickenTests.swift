import Foundation
import GSL
import XCTest
import _TestSupport

@testable import GaussianMoments

/// Bricken 2023, Eqs. 21–25 (see `Bricken2023.swift` for the derivation).
/// The reference for E η² is a Monte-Carlo estimate of the *definition*
/// E (relu(z̄ + ε) − relu(z̄))², ε ~ N(0, (σ‖w‖)²): independent of every
/// formula here. 400 000 samples; tolerance 4 standard errors.
final class BrickenTests: XCTestCase {
  func monteCarloEta2(zBar: Double, s: Double, seed: UInt) throws -> (value: Double, se: Double) {
    let rng = try GSLRandom(seed: seed)
    let n = 400_000
    var sum = 0.0, sum2 = 0.0
    for _ in 0..<n {
      let eta = max(zBar + s * rng.gaussian(), 0) - max(zBar, 0)
      sum += eta * eta
      sum2 += eta * eta * eta * eta
    }
    let mean = sum / Double(n)
    return (mean, ((sum2 / Double(n) - mean * mean) / Double(n)).squareRoot())
  }

  /// Eq. 21 as printed equals μΦ(μ/s) + sφ(μ/s) with μ = z̄, s = σ‖w‖.
  func testEq21AsPrintedIsRight() throws {
    for zBar in [-1.2, -0.3, 0, 0.4, 1.7] {
      let printed = Bricken2023.eq21Mean(zBar: zBar, weightNorm: 1.8, sigma: 0.4)
      let ours = try Activation.relu.gaussianMoments(mu: zBar, sigma: 0.72).mean
      XCTAssert(TestSupport.close(printed, ours, relative: 1e-13), "z̄=\(zBar): \(printed) vs \(ours)")
    }
  }

  /// The corrected Eqs. 23/25 match the definition; the printed Eq. 23 (variance
  /// in the CDF) does not when σ‖w‖ ≠ 1, and the printed Eq. 25 (ε² for
  /// (ε−|z̄|)²) does not when z̄ < 0.
  func testEtaSecondMomentPrintedVsCorrected() throws {
    let (norm, sigma) = (1.0, 0.5)  // s = 0.5: variance 0.25 ≠ sd 0.5
    var seed: UInt = 11
    for zBar in [-0.6, -0.2, 0.3, 0.8] {
      let mc = try monteCarloEta2(zBar: zBar, s: norm * sigma, seed: seed)
      seed += 1
      let corrected = Bricken2023.etaSecondMomentCorrected(zBar: zBar, weightNorm: norm, sigma: sigma)
      let printed = Bricken2023.etaSecondMomentAsPrinted(zBar: zBar, weightNorm: norm, sigma: sigma)
      XCTAssertLessThan(abs(corrected - mc.value) / mc.se, 4, "corrected z̄=\(zBar): \(corrected) vs MC \(mc)")
      XCTAssertGreaterThan(abs(printed - mc.value) / mc.se, 20, "printed z̄=\(zBar) should be visibly off: \(printed) vs MC \(mc)")
    }
  }

  /// Where the printed and corrected forms must coincide: Eq. 23 when
  /// σ‖w‖ = 1 (variance = sd), Eq. 25 at z̄ = 0 (|z̄| = 0 in the integrand).
  func testPrintedFormsAgreeWhereTheSlipsVanish() {
    for zBar in [0.2, 1.1] {
      XCTAssertEqual(
        Bricken2023.etaSecondMomentAsPrinted(zBar: zBar, weightNorm: 2, sigma: 0.5),
        Bricken2023.etaSecondMomentCorrected(zBar: zBar, weightNorm: 2, sigma: 0.5), accuracy: 1e-15)
    }
    XCTAssertEqual(
      Bricken2023.etaSecondMomentAsPrinted(zBar: 0, weightNorm: 1.3, sigma: 0.7),
      Bricken2023.etaSecondMomentCorrected(zBar: 0, weightNorm: 1.3, sigma: 0.7), accuracy: 1e-15)
  }
}
