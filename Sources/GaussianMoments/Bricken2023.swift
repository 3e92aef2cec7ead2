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

// MARK: - The cross term E[η_j η_k] (Eq. 17's "#3 Specialization")

extension Bricken2023 {
  /// E[η_j η_k] for two relu units fed the same input noise: their
  /// pre-activations are jointly Gaussian around (z̄_j, z̄_k) with standard
  /// deviations s_j = σ‖w_j‖, s_k = σ‖w_k‖ and correlation
  /// ρ = w_j·w_k/(‖w_j‖‖w_k‖) (Eq. 20 for the pair), and
  ///   E[η_j η_k] = E[a_j⁺ a_k⁺] − z̄_k⁺ E a_j⁺ − z̄_j⁺ E a_k⁺ + z̄_j⁺ z̄_k⁺.
  /// The paper writes the term and measures it (Fig. 19) but gives no closed
  /// form; this is one, through `reluCrossMoment`.
  public static func etaCrossMoment(
    zBar1: Double, zBar2: Double, s1: Double, s2: Double, rho: Double
  ) throws -> Double {
    let m1 = try Activation.relu.gaussianMoments(mu: zBar1, sigma: s1).mean
    let m2 = try Activation.relu.gaussianMoments(mu: zBar2, sigma: s2).mean
    let h1 = Swift.max(zBar1, 0), h2 = Swift.max(zBar2, 0)
    return try reluCrossMoment(mu1: zBar1, mu2: zBar2, s1: s1, s2: s2, rho: rho) - h2 * m1 - h1 * m2 + h1 * h2
  }

  /// E[X⁺ Y⁺] for (X, Y) bivariate normal: means μ₁, μ₂, standard deviations
  /// s₁, s₂ > 0, correlation ρ ∈ [−1, 1]. With X = μ₁ + s₁U, Y = μ₂ + s₂V,
  /// h = μ₁/s₁, k = μ₂/s₂, the region A = {U > −h, V > −k} and r = √(1−ρ²):
  ///   E[X⁺Y⁺] = s₁s₂ (E[UV 1_A] + k E[U 1_A] + h E[V 1_A] + hk P(A)),
  /// where Stein's lemma for the pair (E[U g] = E ∂_u g + ρ E ∂_v g) gives
  ///   E[U 1_A]  = φ(h) Φ((k − ρh)/r) + ρ φ(k) Φ((h − ρk)/r),
  ///   E[V 1_A]  = ρ φ(h) Φ((k − ρh)/r) + φ(k) Φ((h − ρk)/r),
  ///   E[UV 1_A] = ρ P(A) − ρh φ(h) Φ((k − ρh)/r) − ρk φ(k) Φ((h − ρk)/r) + r φ(h) φ((k − ρh)/r),
  /// and P(A) = Φ₂(h, k; ρ). At |ρ| = 1 (r → 0) the pair is one variable and
  /// the moment a 1-D truncated integral, used when r < 1e-7: the moment's
  /// derivative in ρ is bounded (Price: s₁s₂ P(X>0, Y>0)), so the switch
  /// costs O(r²) ≈ 1e-14 relative.
  public static func reluCrossMoment(mu1: Double, mu2: Double, s1: Double, s2: Double, rho: Double) throws -> Double {
    guard mu1.isFinite else { throw MomentError.nonFiniteMean(mu1) }
    guard mu2.isFinite else { throw MomentError.nonFiniteMean(mu2) }
    guard s1 > 0, s1.isFinite else { throw MomentError.invalidSigma(s1) }
    guard s2 > 0, s2.isFinite else { throw MomentError.invalidSigma(s2) }
    // A correlation from w_j·w_k/(‖w_j‖‖w_k‖) can pass ±1 by rounding.
    guard abs(rho) <= 1 + 1e-12 else { throw CorrelationError(rho: rho) }
    let rho = Swift.min(Swift.max(rho, -1), 1)
    let h = mu1 / s1, k = mu2 / s2
    let r = (1 - rho * rho).squareRoot()
    if r < 1e-7 {
      // ∫ (μ₁ + s₁u)(μ₂ ± s₂u) φ(u) du over the u where both are positive.
      let sign = rho > 0 ? 1.0 : -1.0
      let lower = -h
      let upper = sign > 0 ? Double.infinity : k
      let lo = sign > 0 ? Swift.max(lower, -k) : lower
      guard upper > lo else { return 0 }
      // ∫_lo^up (a + b u + c u²) φ = a ΔΦ + b (φ(lo) − φ(up)) + c (ΔΦ + lo φ(lo) − up φ(up)).
      let (a, b, c) = (mu1 * mu2, sign * mu1 * s2 + mu2 * s1, sign * s1 * s2)
      let mass = Normal.probability(from: lo, to: upper)
      let pLo = Normal.pdf(lo), pUp = upper.isFinite ? Normal.pdf(upper) : 0
      let upTerm = upper.isFinite ? upper * pUp : 0
      return a * mass + b * (pLo - pUp) + c * (mass + lo * pLo - upTerm)
    }
    let p = try bivariateNormalCDF(h, k, rho: rho)
    let a1 = Normal.pdf(h) * Normal.cdf((k - rho * h) / r)
    let a2 = Normal.pdf(k) * Normal.cdf((h - rho * k) / r)
    let eU = a1 + rho * a2
    let eV = rho * a1 + a2
    let eUV = rho * p - rho * h * a1 - rho * k * a2 + r * Normal.pdf(h) * Normal.pdf((k - rho * h) / r)
    return s1 * s2 * (eUV + k * eU + h * eV + h * k * p)
  }

  /// Φ₂(h, k; ρ) = P(U ≤ h, V ≤ k) for standard normals of correlation ρ,
  /// |ρ| < 1, by Plackett's identity ∂Φ₂/∂ρ = φ₂(h, k; ρ) integrated from
  /// ρ = 0 in θ = asin ρ:
  ///   Φ₂ = Φ(h)Φ(k) + (1/2π) ∫₀^{asin ρ} exp(−(h² − 2hk sin θ + k²)/(2 cos² θ)) dθ,
  /// a smooth bounded integrand, by GSL's adaptive QAGS to 1e-13 absolute.
  public static func bivariateNormalCDF(_ h: Double, _ k: Double, rho: Double) throws -> Double {
    let base = Normal.cdf(h) * Normal.cdf(k)
    if rho == 0 { return base }
    let integrator = try Integrator(limit: 200, absoluteTolerance: 1e-13, relativeTolerance: 1e-12)
    integrator.acceptsRoundoff = true
    let end = asin(rho)
    let result = try integrator.integrate({ t in
      let c = cos(t)
      return exp(-(h * h - 2 * h * k * sin(t) + k * k) / (2 * c * c))
    }, from: 0, to: end)
    return Swift.min(Swift.max(base + result.value / (2 * Double.pi), 0), 1)
  }
}

/// A correlation outside [−1, 1].
public struct CorrelationError: Error, CustomStringConvertible, Sendable, Equatable {
  public var rho: Double
  public var description: String { "a correlation must be in [-1, 1], got \(rho)" }
}
