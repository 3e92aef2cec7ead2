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

  /// sech² x = e^{−2 log cosh x}, finite (underflowing gracefully) for all x.
  @inline(__always) static func sech2(_ x: Double) -> Double { exp(-2 * logCosh(x)) }
}
