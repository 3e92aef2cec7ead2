import Foundation
import GSL

extension Activation {
  /// The generalised inverse f⁻¹(y) = sup{ z : f(z) ≤ y }, extended by ±∞
  /// outside f's range.
  ///
  /// For non-decreasing f this gives P(f(Z) ≤ y) = P(Z ≤ f⁻¹(y)) for any
  /// continuous Z, atoms included: relu⁻¹(y) = −∞ for y < 0 and y for y ≥ 0,
  /// so P(relu(Z) ≤ 0) = P(Z ≤ 0) carries relu's atom at 0 with no special
  /// case (DESIGN.md, "Transfer operator of the 1-D chain").
  public func inverse(_ y: Double) -> Double {
    if y.isNaN { return .nan }
    let (lo, hi) = rangeBounds
    switch self {
    case .linear: return y
    case .relu: return y < 0 ? -.infinity : y
    case .hardtanh: return y < -1 ? -.infinity : (y >= 1 ? .infinity : y)
    case .hardsigmoid: return y < 0 ? -.infinity : (y >= 1 ? .infinity : 4 * (y - 0.5))
    case .softplus:
      if y <= lo { return -.infinity }
      if y == .infinity { return .infinity }
      // softplus⁻¹(y) = log(eʸ − 1) = y + log(1 − e⁻ʸ) = log(expm1(y)).
      return y > 1 ? y + Foundation.log(-Foundation.expm1(-y)) : Foundation.log(Foundation.expm1(y))
    case .tanh:
      if y <= lo { return -.infinity }
      if y >= hi { return .infinity }
      return Foundation.atanh(y)
    case .sigmoid:
      if y <= lo { return -.infinity }
      if y >= hi { return .infinity }
      // logit(y) = log(y) − log(1 − y), with log1p for y near 0 or 1.
      return Foundation.log(y) - Foundation.log1p(-y)
    case .erf:
      if y <= lo { return -.infinity }
      if y >= hi { return .infinity }
      // erf(x/√2) = y  ⇔  Φ(x) = (1 + y)/2.
      return y <= 0 ? Normal.quantile((1 + y) / 2) : -Normal.quantile((1 - y) / 2)
    }
  }
}
