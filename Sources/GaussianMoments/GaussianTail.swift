import Foundation
import GSL

/// Partial moments of the standard normal ξ, written to keep full relative
/// precision in the tails (DESIGN.md, "Tails").
///
/// The relu and hardtanh closed forms are sums of these:
///   E (μ + sξ)₊ = s·g₁(−μ/s) and the relu bias is s·g₁(|μ|/s).
enum GaussianTail {
  /// g₁(a) = E (ξ − a)₊ = φ(a) − a·Q(a).
  ///
  /// For large a the two terms agree to ~log10(a²) digits, so a ≥ 2 uses
  /// the Laplace continued fraction of the Mills ratio,
  ///   R(a) = Q(a)/φ(a) = 1/(a + c),  c = 1/(a + 2/(a + 3/(a + …))),
  /// which gives 1 − a·R(a) = c/(a + c) with no subtraction:
  ///   g₁(a) = φ(a)·c/(a + c).
  static func g1(_ a: Double) -> Double {
    if a < 2 { return Normal.pdf(a) - a * Normal.tail(a) }
    let c = millsTail(a, from: 1)
    return Normal.pdf(a) * c / (a + c)
  }

  /// g₂(a) = E (ξ − a)₊² = (a² + 1)·Q(a) − a·φ(a).
  ///
  /// For large a this cancels to ~2φ(a)/a³. With the continued fraction one
  /// level deeper, d = 2/(a + 3/(a + …)) and c = 1/(a + d):
  ///   (a²+1)R − a = (1 − a·c)/(a + c) = d/((a + d)(a + c)).
  static func g2(_ a: Double) -> Double {
    if a < 2 { return (a * a + 1) * Normal.tail(a) - a * Normal.pdf(a) }
    let d = millsTail(a, from: 2)
    let c = 1 / (a + d)
    return Normal.pdf(a) * d / ((a + d) * (a + c))
  }

  /// The tail k/(a + (k+1)/(a + (k+2)/(a + …))) of the Mills-ratio continued
  /// fraction, evaluated backwards from a fixed depth.
  ///
  /// Depth: the fraction converges for every a > 0, geometrically at a rate
  /// that improves with a; for a ≥ 2, 200 levels reach machine precision
  /// (checked against mpmath in the tests, and against g₁'s direct formula
  /// at a = 2 where that formula loses under one digit).
  static func millsTail(_ a: Double, from k: Int, depth: Int = 200) -> Double {
    var t = 0.0
    var j = k + depth
    while j > k {
      t = Double(j) / (a + t)
      j -= 1
    }
    return Double(k) / (a + t)
  }

  /// T₂(α, β) = ∫_α^β ξ² φ(ξ) dξ, α ≤ β, without the cancellation that the
  /// antiderivative [Φ − ξφ] suffers when α and β are both near 0.
  static func truncatedSecondMoment(_ alpha: Double, _ beta: Double) -> Double {
    guard alpha < beta else { return 0 }
    // ∫_α^β ξ²φ = P(α,β) + αφ(α) − βφ(β); near 0, or on a short interval,
    // the terms nearly cancel: use Gauss–Legendre there instead (φ is entire
    // and the interval is short on φ's scale, so the rule is exact to rounding).
    let scale = Swift.max(1, Swift.max(abs(alpha), abs(beta)))
    if Swift.max(abs(alpha), abs(beta)) < 1 || (beta - alpha) * scale < 0.5 {
      return GaussLegendre.integrate(from: alpha, width: beta - alpha) { x in x * x * Normal.pdf(x) }
    }
    let a = Swift.max(alpha, -40), b = Swift.min(beta, 40)  // φ(40) underflows
    // Split at 0 so each piece has a sign-definite antiderivative difference.
    if a < 0 && b > 0 {
      return truncatedSecondMoment(a, 0) + truncatedSecondMoment(0, b)
    }
    // On one side of 0 use g₂-style tail forms: ∫_a^∞ ξ²φ = Q(a) + aφ(a).
    if a >= 0 {
      return (Normal.tail(a) + a * Normal.pdf(a)) - (Normal.tail(b) + b * Normal.pdf(b))
    }
    return truncatedSecondMoment(-b, -a)
  }

  /// P(a < ξ ≤ b) given both ends *and* the width w = b − a, each as exact
  /// as the caller has it: a short interval is integrated over its width
  /// (Φ(b) − Φ(a) would cancel), a long one differences tails at its ends
  /// (a + w would carry ulp(a) into b, ruinous when |a| ≫ |b|).
  static func intervalProbability(from a: Double, to b: Double, width w: Double) -> Double {
    guard w > 0 else { return 0 }
    if w * Swift.max(1, abs(a) + w) < 0.5 {
      return GaussLegendre.integrate(from: a, width: w, Normal.pdf)
    }
    return Normal.probability(from: a, to: b)
  }
}

extension GaussianTail {
  /// g₁(x) − g₁(x + w) = ∫_x^{x+w} Q(u) du for x ≥ 0, w ≥ 0 (since g₁′ = −Q),
  /// without cancellation when w is small: a short interval is integrated
  /// directly, with its width as given (not recomputed from rounded ends).
  static func g1Decrease(from x: Double, width w: Double) -> Double {
    // x = ∞ (s → 0 far from the kink): g₁(∞) = 0, and nothing decreases.
    guard w > 0, x < .infinity else { return 0 }
    if w == .infinity { return g1(x) }
    // Q varies on the scale 1/max(1, u) in the tail: "short" is relative to that.
    if w * Swift.max(1, x + w) < 0.5 {
      return GaussLegendre.integrate(from: x, width: w, Normal.tail)
    }
    return g1(x) - g1(x + w)
  }
}
