import Foundation

/// A fixed 20-point Gauss–Legendre rule, for short integrals of entire
/// functions (φ, ξ²φ, erf) where the rule is exact to rounding: its error
/// is O(h⁴⁰ f⁽⁴⁰⁾), negligible for the interval lengths (≲ 1 in the function's
/// natural scale) at which we call it.
enum GaussLegendre {
  ///
  /// The interval is given by its start and *width*: recomputing the width
  /// as b − a from rounded endpoints would cost relative accuracy
  /// ulp(a)/w, which is exactly the regime (short intervals far from 0)
  /// where this rule is used.
  static func integrate(from a: Double, width w: Double, _ f: (Double) -> Double) -> Double {
    let half = 0.5 * w, mid = a + half
    var sum = 0.0
    for (x, w) in zip(nodes, weights) {
      sum += w * (f(mid - half * x) + f(mid + half * x))
    }
    return half * sum
  }

  // Positive nodes and weights of the 20-point rule (Abramowitz & Stegun 25.4.30).
  static let nodes: [Double] = [
    0.0765265211334973337546404, 0.2277858511416450780804962, 0.3737060887154195606725482,
    0.5108670019508270980043641, 0.6360536807265150254528367, 0.7463319064601507926143051,
    0.8391169718222188233945291, 0.9122344282513259058677524, 0.9639719272779137912676661,
    0.9931285991850949247861224,
  ]
  static let weights: [Double] = [
    0.1527533871307258506980843, 0.1491729864726037467878287, 0.1420961093183820513292983,
    0.1316886384491766268984945, 0.1181945319615184173123774, 0.1019301198172404350367501,
    0.0832767415767047487247581, 0.0626720483341090635695065, 0.0406014298003869413310400,
    0.0176140071391521183118620,
  ]
}
