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

  // MARK: the cross term E[η_j η_k]

  /// E[X⁺Y⁺] by conditioning on U (independent of the Stein-lemma closed
  /// form): Y | U = u ~ N(μ₂ + s₂ρu, s₂²(1−ρ²)), so
  /// E[X⁺Y⁺] = ∫_{−μ₁/s₁}^∞ φ(u)(μ₁ + s₁u) m(μ₂ + s₂ρu, s₂√(1−ρ²)) du with m
  /// the univariate rectified-Gaussian mean, by GSL's QAGIU to 1e-13.
  func conditionedCrossMoment(_ mu1: Double, _ mu2: Double, _ s1: Double, _ s2: Double, _ rho: Double) throws -> Double {
    let integrator = try Integrator(limit: 500, absoluteTolerance: 1e-14, relativeTolerance: 1e-12)
    integrator.acceptsRoundoff = true
    let sc = s2 * (1 - rho * rho).squareRoot()
    return try integrator.integrate({ u in
      let m = mu2 + s2 * rho * u
      let inner = sc > 0 ? m * Normal.cdf(m / sc) + sc * Normal.pdf(m / sc) : max(m, 0)
      return Normal.pdf(u) * (mu1 + s1 * u) * inner
    }, fromLower: -mu1 / s1).value
  }

  /// Φ₂(0, 0; ρ) = 1/4 + asin(ρ)/(2π) (Sheppard), and Φ₂(h, k; 0) = Φ(h)Φ(k).
  func testBivariateCDFAgainstSheppard() throws {
    for rho in [-0.95, -0.5, 0.3, 0.8, 0.999] {
      XCTAssertEqual(try Bricken2023.bivariateNormalCDF(0, 0, rho: rho), 0.25 + asin(rho) / (2 * Double.pi), accuracy: 1e-13)
    }
    XCTAssertEqual(try Bricken2023.bivariateNormalCDF(0.7, -1.2, rho: 0), Normal.cdf(0.7) * Normal.cdf(-1.2), accuracy: 1e-16)
  }

  /// The closed form against the conditioned quadrature (1e-10 relative:
  /// both are accurate to ~1e-12, the Φ₂ quadrature to 1e-13 absolute) over
  /// signs of the means, unequal scales and correlations up to ±0.999.
  func testReluCrossMomentAgainstQuadrature() throws {
    for (mu1, mu2) in [(0.0, 0.0), (0.8, -0.4), (-1.5, 0.3), (-0.7, -1.1), (2.0, 1.0)] {
      for rho in [-0.999, -0.6, 0, 0.35, 0.9, 0.999] {
        let closed = try Bricken2023.reluCrossMoment(mu1: mu1, mu2: mu2, s1: 0.6, s2: 1.3, rho: rho)
        let reference = try conditionedCrossMoment(mu1, mu2, 0.6, 1.3, rho)
        XCTAssertEqual(closed, reference, accuracy: 1e-10 * max(abs(reference), 1e-3), "μ=(\(mu1), \(mu2)) ρ=\(rho)")
      }
    }
  }

  /// At |ρ| = 1 the 1-D form is used; it must continue the |ρ| < 1 form
  /// (the moment is Lipschitz in ρ: the difference at 1 − 1e-9 is ~1e-9).
  func testReluCrossMomentIsContinuousAtPerfectCorrelation() throws {
    for (mu1, mu2) in [(0.4, -0.2), (-0.3, -0.5), (1.0, 0.5)] {
      for sign in [1.0, -1.0] {
        let at = try Bricken2023.reluCrossMoment(mu1: mu1, mu2: mu2, s1: 0.9, s2: 0.5, rho: sign)
        let near = try Bricken2023.reluCrossMoment(mu1: mu1, mu2: mu2, s1: 0.9, s2: 0.5, rho: sign * (1 - 1e-9))
        XCTAssertEqual(at, near, accuracy: 1e-7, "μ=(\(mu1), \(mu2)) ρ=\(sign)")
      }
    }
  }

  /// E[η_j η_k] against Monte Carlo of its definition with two units fed
  /// one noise vector (w_j, w_k in R³, σ = 0.7): 400 000 draws, 4 SE.
  func testEtaCrossMomentAgainstMonteCarlo() throws {
    let w1 = [1.0, -0.5, 0.3], w2 = [0.6, 0.4, -0.9], sigma = 0.7
    let n1 = w1.map { $0 * $0 }.reduce(0, +).squareRoot(), n2 = w2.map { $0 * $0 }.reduce(0, +).squareRoot()
    let rho = zip(w1, w2).map { $0 * $1 }.reduce(0, +) / (n1 * n2)
    let rng = try GSLRandom(seed: 21)
    for (z1, z2) in [(0.3, -0.2), (-0.4, -0.6), (0.5, 0.9)] {
      let n = 400_000
      var sum = 0.0, sum2 = 0.0
      for _ in 0..<n {
        let e = (0..<3).map { _ in sigma * rng.gaussian() }
        let a1 = z1 + zip(w1, e).map { $0 * $1 }.reduce(0, +), a2 = z2 + zip(w2, e).map { $0 * $1 }.reduce(0, +)
        let p = (max(a1, 0) - max(z1, 0)) * (max(a2, 0) - max(z2, 0))
        sum += p
        sum2 += p * p
      }
      let mean = sum / Double(n), se = ((sum2 / Double(n) - mean * mean) / Double(n)).squareRoot()
      let closed = try Bricken2023.etaCrossMoment(zBar1: z1, zBar2: z2, s1: sigma * n1, s2: sigma * n2, rho: rho)
      XCTAssertLessThan(abs(closed - mean) / se, 4, "z̄=(\(z1), \(z2)): \(closed) vs MC \(mean) ± \(se)")
    }
  }
}
