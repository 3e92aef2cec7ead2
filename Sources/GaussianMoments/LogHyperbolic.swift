import Foundation

/// log cosh and log sinh without overflow, so that ratios of hyperbolic
/// functions at arguments up to ~10⁴ (s = 50 and ξ = 40 in t = sξ) stay
/// finite and keep their relative precision.
enum LogHyperbolic {
  /// log cosh x = |x| + log1p(e^{−2|x|}) − log 2.
  @inline(__always) static func logCosh(_ x: Double) -> Double {
    let a = abs(x)
    return a + log1p(exp(-2 * a)) - M_LN2
  }

  /// log sinh y for y ≥ 0 (−∞ at 0).
  @inline(__always) static func logSinh(_ y: Double) -> Double {
    y < 1 ? log(sinh(y)) : y + log1p(-exp(-2 * y)) - M_LN2
  }

  /// log sinh t − log cosh(μ + t) for t > 0, without forming either term.
  ///
  /// At t ≫ 1 both logs are ≈ t: their difference, computed from the two,
  /// carries ulp(t) of absolute error (1.5e-8 at t = 8e7, i.e. s = 1e6 and
  /// ξ = 40), a relative error of the ratio sinh t / cosh(μ + t) that grew
  /// with s. For t ≥ 1 the leading terms are cancelled by hand:
  ///   t − |μ + t| = −μ (μ + t ≥ 0) or 2t + μ (μ + t < 0, then |2t + μ| < |μ|),
  /// so what rounding remains is relative to |μ|, the function's own scale.
  @inline(__always) static func logSinhOverCosh(_ t: Double, shiftedBy mu: Double) -> Double {
    if t < 1 { return log(sinh(t)) - logCosh(mu + t) }
    let x = mu + t
    let lead = x >= 0 ? -mu : 2 * t + mu
    return lead + log1p(-exp(-2 * t)) - log1p(exp(-2 * abs(x)))
  }

  /// sech² x = e^{−2 log cosh x}, finite (underflowing gracefully) for all x.
  @inline(__always) static func sech2(_ x: Double) -> Double { exp(-2 * logCosh(x)) }
}
