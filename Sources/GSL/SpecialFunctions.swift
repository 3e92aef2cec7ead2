import CGSL
import Foundation

/// Special functions of the standard normal distribution, written so that the
/// tails keep their digits (DESIGN.md, "Tails"): the upper tail is GSL's
/// `gsl_sf_erf_Q`, never `1 - Φ`, and logs are taken of erfc directly.
public enum Normal {
  /// 1/√(2π)
  public static let invSqrt2Pi = 0.398_942_280_401_432_677_939_946_059_934_381_868_5
  public static let sqrt2 = 1.414_213_562_373_095_048_801_688_724_209_698_1

  /// Density φ(x).
  @inlinable public static func pdf(_ x: Double) -> Double {
    invSqrt2Pi * Foundation.exp(-0.5 * x * x)
  }

  /// Lower tail Φ(x) = P(ξ ≤ x), accurate to full relative precision for
  /// x → −∞ (it is Q(−x)).
  public static func cdf(_ x: Double) -> Double {
    x < 0 ? upperTail(-x) : 1 - upperTail(x)
  }

  /// Upper tail Q(x) = 1 − Φ(x) = P(ξ > x), full relative precision for x → +∞.
  public static func tail(_ x: Double) -> Double {
    x > 0 ? upperTail(x) : 1 - upperTail(-x)
  }

  /// Q(x) for x ≥ 0. GSL 2.7's `gsl_sf_erf_Q` returns NaN once x² overflows
  /// (x ≳ 1e100, as when s → 0 puts a kink at μ/s); Q(x) is below the
  /// smallest subnormal from x ≈ 38.5 on, so 0 is its exact double value there.
  private static func upperTail(_ x: Double) -> Double {
    if x.isNaN { return .nan }
    if x > 40 { return 0 }
    GSLRuntime.ensureInitialised()
    return gsl_sf_erf_Q(x)
  }

  /// log Φ(x), finite far into the lower tail (x = −1e3 and beyond).
  public static func logCDF(_ x: Double) -> Double {
    if x.isNaN { return .nan }
    // Upper side: log Φ = log1p(−Q), which keeps Q's digits (log erfc(−x/√2)
    // − log 2 cancels to 0 by x ≈ 10).
    if x > 0 { return log1p(-upperTail(x)) }
    // log Φ(x) ≈ −x²/2 overflows to −∞ before GSL's own argument range ends.
    if x < -1e150 { return -.infinity }
    GSLRuntime.ensureInitialised()
    // Φ(x) = erfc(−x/√2)/2.
    return gsl_sf_log_erfc(-x / sqrt2) - M_LN2
  }

  /// Mills-ratio hazard φ(x)/Q(x), stable for large x.
  public static func hazard(_ x: Double) -> Double {
    GSLRuntime.ensureInitialised()
    return gsl_sf_hazard(x)
  }

  /// Φ⁻¹(p) (GSL's `gsl_cdf_ugaussian_Pinv`).
  public static func quantile(_ p: Double) -> Double {
    GSLRuntime.ensureInitialised()
    return gsl_cdf_ugaussian_Pinv(p)
  }

  /// P(a < ξ ≤ b) without cancellation: differences of upper tails when both
  /// ends are positive, of lower tails when both are negative.
  public static func probability(from a: Double, to b: Double) -> Double {
    if a >= b { return 0 }
    if a >= 0 { return tail(a) - tail(b) }
    if b <= 0 { return cdf(b) - cdf(a) }
    return 1 - tail(b) - cdf(a)
  }
}

/// Error functions (GSL implementations, accurate in the tails).
public enum ErrorFunction {
  /// GSL 2.7's erf and erfc return NaN for |x| ≳ 5e61; beyond |x| = 6,
  /// 1 − erf(x) < 2.2e-17 < ulp(1)/2, so ±1 is erf's exact double value,
  /// and erfc(x) is below the smallest subnormal from x ≈ 27.3 on.
  public static func erf(_ x: Double) -> Double {
    if abs(x) > 6 { return x > 0 ? 1 : -1 }
    GSLRuntime.ensureInitialised()
    return gsl_sf_erf(x)
  }

  public static func erfc(_ x: Double) -> Double {
    if x > 30 { return 0 }
    if x < -6 { return 2 }
    GSLRuntime.ensureInitialised()
    return gsl_sf_erfc(x)
  }

  public static func logErfc(_ x: Double) -> Double {
    GSLRuntime.ensureInitialised()
    return gsl_sf_log_erfc(x)
  }
}
