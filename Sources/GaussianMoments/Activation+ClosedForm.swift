import Foundation
import GSL

/// Closed-form Gaussian moments of the piecewise-linear activations and erf.
///
/// Every formula is arranged so that no step subtracts nearly equal numbers:
/// the partial moments g₁, g₂ of `GaussianTail` carry the tails, and odd
/// activations are reduced to μ ≥ 0 by symmetry.
extension Activation {
  /// Relative rounding bound claimed for the closed forms at standardised
  /// argument t: a few dozen operations, each correctly rounded or (GSL
  /// special functions) within a few ulps, times the condition number of
  /// φ(t) = e^{−t²/2}/√(2π), whose relative error is t²·(relative error of t).
  /// Beyond |t| ≈ 38.5, φ(t) underflows and its terms are exactly 0, so the
  /// factor stops growing at t = 40 (conservative there). Checked against
  /// mpmath in the tests.
  static func closedFormRelativeBound(t: Double) -> Double {
    let a = Swift.min(abs(t), 40)
    return 64 * Double.ulpOfOne * (1 + a * a)
  }

  /// Moments for s > 0 where all five have closed forms (linear, relu,
  /// hardtanh); nil for the other activations.
  func closedFormMoments(mu: Double, s: Double) -> ActivationMoments? {
    switch self {
    case .linear:
      return ActivationMoments(
        activation: self, mu: mu, sigma: s, mean: mu, secondMoment: mu * mu + s * s, variance: s * s,
        meanSlope: 1, bias: 0, method: .exact, errorBounds: .zero)
    case .relu:
      return reluMoments(mu: mu, s: s)
    case .hardtanh:
      return hardtanhMoments(mu: mu, s: s)
    default:
      return nil
    }
  }

  /// Relu under N(μ, s²), t = μ/s:
  ///   mean  = μΦ(t) + sφ(t) = s·g₁(−t)     (Bricken 2023, Eq. 21)
  ///   E f²  = (μ² + s²)Φ(t) + μsφ(t) = s²·g₂(−t)
  ///   slope = Φ(t),  bias = s·g₁(|t|).
  /// For t ≥ 0 the negative-argument forms expand into sums of positive
  /// terms: g₁(−t) = t + g₁(t); g₂(−t) = (t²+1)Φ(t) + tφ(t); and
  /// Var/s² = 1 − g₂(t) − 2t·g₁(t) − g₁(t)² (from (x)₊ = x + (−x)₊).
  private func reluMoments(mu: Double, s: Double) -> ActivationMoments {
    let t = mu / s, a = abs(t)
    let g1 = GaussianTail.g1(a)
    let bias = s * g1
    if t < 0 {
      let g2 = GaussianTail.g2(a)
      let mean = s * g1
      let variance = s * s * (g2 - g1 * g1)
      return result(mu: mu, s: s, t: t, mean: mean, second: s * s * g2, variance: variance, slope: Normal.cdf(t), bias: bias)
    }
    let mean = mu + s * g1
    // In μ and s, not t: s²(t² + 1) would be 0·∞ as s → 0.
    let second = (mu * mu + s * s) * Normal.cdf(t) + mu * s * Normal.pdf(t)
    let variance = s * s * (1 - GaussianTail.g2(t) - 2 * t * g1 - g1 * g1)
    return result(mu: mu, s: s, t: t, mean: mean, second: second, variance: variance, slope: Normal.cdf(t), bias: bias)
  }

  /// Hardtanh = −1 + (x+1)₊ − (x−1)₊, odd: computed for μ ≥ 0 and reflected.
  ///   bias  = s·[g₁((μ+1)/s) − g₁(|μ−1|/s)]  (μ ≥ 0)
  ///   mean  = f(μ) + bias, or — where that cancels (μ ≈ 0, large s) — the
  ///           identity E f = (1/2)∫_{−1}^{1} erf((μ−x)/(s√2)) dx, i.e.
  ///           (s/√2)∫_{|u₂|}^{|u₁|} erf, u₁,₂ = (μ ± 1)/(s√2), a short
  ///           positive integral then.
  ///   slope = P(−1 < X < 1).
  ///   E(f − f(μ))²: for μ ≤ 1, 4-ish tail masses plus s²∫_α^β ξ²φ; for
  ///   μ > 1, s²[g₂((μ−1)/s) − g₂((μ+1)/s)] − 4s·g₁((μ+1)/s).
  private func hardtanhMoments(mu rawMu: Double, s: Double) -> ActivationMoments {
    let sign: Double = rawMu < 0 ? -1 : 1
    let mu = abs(rawMu)
    let c = Swift.min(mu, 1)
    // The two kinks sit at distances |μ−1| and μ+1 = |μ−1| + 2c from μ.
    let near = abs(mu - 1) / s, gap = 2 * c / s
    let bias = -s * GaussianTail.g1Decrease(from: near, width: gap)
    var mean = c + bias
    if abs(mean) < 0.5 * c || c == 0 {
      mean = s / Normal.sqrt2
        * GaussLegendre.integrate(from: near / Normal.sqrt2, width: gap / Normal.sqrt2, ErrorFunction.erf)
    }
    let alpha = (-1 - mu) / s, beta = (1 - mu) / s
    let slope = GaussianTail.intervalProbability(from: alpha, to: beta, width: 2 / s)
    let centred: Double
    // |terms| / |sum| of the centred moment: the factor by which its rounding
    // errors are amplified (≈ s for μ > 1 and large s, where the g₂ terms cancel).
    var condition = 1.0
    if mu <= 1 {
      centred = (1 + mu) * (1 + mu) * Normal.cdf(alpha) + (1 - mu) * (1 - mu) * Normal.tail(beta)
        + s * s * GaussianTail.truncatedSecondMoment(alpha, beta)
    } else if gap * Swift.max(1, abs(alpha)) < 0.5 {
      // μ > 1, kinks close on ξ's scale (large s): E(f − 1)² = 4Φ(α)
      // + s²∫_α^β (ξ − β)²φ(ξ)dξ, a short positive integral, taken over
      // u = ξ − α ∈ [0, 2/s] so that ξ − β = u − 2/s is exact.
      centred = 4 * Normal.cdf(alpha)
        + s * s * GaussLegendre.integrate(from: 0, width: gap) { u in (u - gap) * (u - gap) * Normal.pdf(alpha + u) }
    } else {
      // μ > 1, kinks far apart: the same quantity from the tail moments,
      // s²[g₂(near) − g₂(far)] − 4s·g₁(far), well conditioned here.
      let far = (mu + 1) / s
      let g2Near = GaussianTail.g2(near), g2Far = GaussianTail.g2(far), g1Far = GaussianTail.g1(far)
      centred = s * s * (g2Near - g2Far) - 4 * s * g1Far
      if centred > 0 { condition = Swift.max(1, (s * s * (g2Near + g2Far) + 4 * s * g1Far) / centred) }
    }
    let variance = centred - bias * bias
    var moments = result(
      mu: rawMu, s: s, t: (mu + 1) / s, mean: sign * mean, second: mean * mean + variance, variance: variance,
      slope: slope, bias: sign * bias)
    let centredError = Activation.closedFormRelativeBound(t: (mu + 1) / s) * condition * abs(centred)
    moments.errorBounds.variance += centredError
    moments.errorBounds.secondMoment += centredError
    return moments
  }

  /// erf(x/√2) = 2Φ(x) − 1 under N(μ, s²), r = √(1 + s²):
  ///   mean = 2Φ(μ/r) − 1,  slope = 2φ(μ/r)/r,
  ///   bias = −2·P(μ/r < ξ < μ) for μ ≥ 0, the interval's width
  ///          μ(r − 1)/r = μ s²/(r(r + 1)) taken without subtraction.
  /// (Its second moment needs Owen's T; it comes from quadrature.)
  func erfMeanSlopeBias(mu rawMu: Double, s: Double) -> (mean: Double, slope: Double, bias: Double, relativeBound: Double) {
    let sign: Double = rawMu < 0 ? -1 : 1
    let mu = abs(rawMu)
    let r = (1 + s * s).squareRoot()
    let m = mu / r
    let mean = ErrorFunction.erf(m / Normal.sqrt2)
    let slope = 2 * Normal.pdf(m) / r
    let width = mu * s * s / (r * (r + 1))
    let bias = -2 * GaussianTail.intervalProbability(from: m, to: mu, width: width)
    return (sign * mean, slope, sign * bias, Activation.closedFormRelativeBound(t: mu))
  }

  private func result(
    mu: Double, s: Double, t: Double, mean: Double, second: Double, variance: Double, slope: Double, bias: Double
  ) -> ActivationMoments {
    let r = Activation.closedFormRelativeBound(t: t)
    return ActivationMoments(
      activation: self, mu: mu, sigma: s, mean: mean, secondMoment: second, variance: variance,
      meanSlope: slope, bias: bias, method: .closedForm,
      errorBounds: .init(
        mean: r * abs(mean), secondMoment: r * abs(second), variance: r * abs(variance),
        meanSlope: r * abs(slope), bias: r * abs(bias)))
  }
}
