import Foundation
import GSL

/// Bricken et al. 2023, "Sparse representations from noise", Appendix
/// (`../shared/papers/bricken-2023-sparse-representations-from-noise.txt`),
/// Eqs. 20–25, in the paper's own variables: z̄ the noise-free
/// pre-activation, ‖w‖ the norm of the neuron's weight row, σ the input-noise
/// standard deviation. The pre-activation noise ε is N(0, s²) with
/// s = σ‖w‖ (Eq. 20); η = h̃ − h̄ = relu(z̄ + ε) − relu(z̄).
///
/// Which printed forms are right (shown by `BrickenTests` and the `verify`
/// checks `bricken-eq21` and `bricken-eta-corrected`):
/// - Eq. 21 is correct as printed: it equals μΦ(μ/s) + sφ(μ/s) with μ = z̄.
///   (Its erf(·) − 1 term cancels for large |z̄|/s; use erfc there.)
/// - Eq. 23 prints CDF(−z̄/(σ²‖w‖²)): the argument divides by the *variance*
///   of ε where the derivation (Eq. 22, ∫_{−∞}^{−z̄} p(ε)dε) needs its
///   *standard deviation*: the right term is z̄²·Φ(−z̄/(σ‖w‖)). The printed
///   form agrees only when σ‖w‖ = 1. The same slip is in the sentence after
///   Eq. 20.
/// - Eqs. 24–25 print ∫_{|z̄|}^∞ p(ε) ε² dε for z̄ ≤ 0, but there
///   η = z̄ + ε = ε − |z̄| when ε > |z̄|, so the integrand is (ε − |z̄|)²:
///   E η² = s²·g₂(|z̄|/s) = (z̄² + s²)Φ(z̄/s) + z̄ s φ(z̄/s). The printed
///   integral overstates it (for z̄ = 0 the two agree).
public enum Bricken2023 {
  /// Eq. 21 exactly as printed:
  ///   E h̃ = h̄ + (‖w‖σ/√(2π)) exp(−½(|z̄|/(‖w‖σ))²) + (|z̄|/2)(erf(|z̄|/(‖w‖σ√2)) − 1).
  public static func eq21Mean(zBar: Double, weightNorm: Double, sigma: Double) -> Double {
    let s = weightNorm * sigma
    let hBar = Swift.max(zBar, 0)
    let a = abs(zBar)
    return hBar + s / (2 * Double.pi).squareRoot() * exp(-0.5 * (a / s) * (a / s))
      + a / 2 * (ErrorFunction.erf(a / (s * Normal.sqrt2)) - 1)
  }

  /// E η² as printed in Eq. 23 (z̄ > 0) and Eq. 25 (z̄ ≤ 0).
  public static func etaSecondMomentAsPrinted(zBar: Double, weightNorm: Double, sigma: Double) -> Double {
    let s = weightNorm * sigma
    if zBar > 0 {
      // z̄² CDF(−z̄/(σ²‖w‖²)) + ∫_{−|z̄|}^∞ p(ε) ε² dε
      return zBar * zBar * Normal.cdf(-zBar / (s * s)) + s * s * upperSecondMoment(-zBar / s)
    }
    // ∫_{|z̄|}^∞ p(ε) ε² dε
    return s * s * upperSecondMoment(abs(zBar) / s)
  }

  /// E η² = E (relu(z̄ + ε) − relu(z̄))² from the derivation of Eqs. 22 and 24
  /// with the two corrections above.
  public static func etaSecondMomentCorrected(zBar: Double, weightNorm: Double, sigma: Double) -> Double {
    let s = weightNorm * sigma
    if zBar > 0 {
      return zBar * zBar * Normal.cdf(-zBar / s) + s * s * upperSecondMoment(-zBar / s)
    }
    return s * s * GaussianTail.g2(abs(zBar) / s)
  }

  /// ∫_x^∞ u² φ(u) du = Q(x) + x φ(x).
  static func upperSecondMoment(_ x: Double) -> Double {
    Normal.tail(x) + x * Normal.pdf(x)
  }
}
