import Foundation
import GSL

/// The activation functions a CTRNN may use (DESIGN.md, "The models").
///
/// - `softplus` is log(1 + eˣ) (β = 1).
/// - `sigmoid` is the logistic 1/(1 + e⁻ˣ).
/// - `hardtanh` is min(max(x, −1), 1).
/// - `hardsigmoid` is min(max(x/4 + 1/2, 0), 1) = (1 + hardtanh(x/2))/2,
///   Gulcehre et al. 2016's hard-sigmoid (the first-order Taylor expansion
///   of the logistic at 0, clipped).
/// - `erf` is the probit-scaled error function erf(x/√2) = 2Φ(x) − 1, so that
///   its Gaussian moments are Gaussian CDFs (E f(μ+sξ) = 2Φ(μ/√(1+s²)) − 1).
public enum Activation: String, CaseIterable, Sendable, Codable {
  case linear, relu, softplus, tanh, sigmoid, hardtanh, erf, hardsigmoid

  /// f(x)
  public func callAsFunction(_ x: Double) -> Double {
    switch self {
    case .linear: return x
    case .relu: return Swift.max(x, 0)
    case .softplus: return Activation.stableSoftplus(x)
    case .tanh: return Foundation.tanh(x)
    case .sigmoid: return Activation.stableLogistic(x)
    case .hardtanh: return Swift.min(Swift.max(x, -1), 1)
    case .erf: return ErrorFunction.erf(x / Normal.sqrt2)
    case .hardsigmoid: return Swift.min(Swift.max(0.25 * x + 0.5, 0), 1)
    }
  }

  /// f′(x). At a kink, the right derivative (relu′(0) = 1 would also be
  /// defensible; the choice has measure zero under any Gaussian).
  public func derivative(_ x: Double) -> Double {
    switch self {
    case .linear: return 1
    case .relu: return x >= 0 ? 1 : 0
    case .softplus: return Activation.stableLogistic(x)
    case .tanh:
      let c = Foundation.cosh(x)
      return c.isFinite ? 1 / (c * c) : 0
    case .sigmoid:
      let p = Activation.stableLogistic(x)
      return p * Activation.stableLogistic(-x)
    case .hardtanh: return (x >= -1 && x < 1) ? 1 : 0
    case .erf: return 2 * Normal.pdf(x)
    case .hardsigmoid: return (x >= -2 && x < 2) ? 0.25 : 0
    }
  }

  /// Points where f is not differentiable; quadrature splits its integrals
  /// there (DESIGN.md, "Quadrature").
  public var kinks: [Double] {
    switch self {
    case .relu: return [0]
    case .hardtanh: return [-1, 1]
    case .hardsigmoid: return [-2, 2]
    default: return []
    }
  }

  /// The infimum and supremum of f's range.
  public var rangeBounds: (lower: Double, upper: Double) {
    switch self {
    case .linear: return (-.infinity, .infinity)
    case .relu, .softplus: return (0, .infinity)
    case .tanh, .hardtanh, .erf: return (-1, 1)
    case .sigmoid, .hardsigmoid: return (0, 1)
    }
  }

  /// Whether f is smooth (C∞) everywhere.
  public var isSmooth: Bool { kinks.isEmpty }

  // MARK: Stable elementary pieces

  /// log(1 + eˣ) without overflow for large x or loss for very negative x.
  @inlinable static func stableSoftplus(_ x: Double) -> Double {
    x > 0 ? x + Foundation.log1p(Foundation.exp(-x)) : Foundation.log1p(Foundation.exp(x))
  }

  /// 1/(1 + e⁻ˣ), full relative precision in both tails.
  @inlinable static func stableLogistic(_ x: Double) -> Double {
    x >= 0 ? 1 / (1 + Foundation.exp(-x)) : Foundation.exp(x) / (1 + Foundation.exp(x))
  }
}

extension Activation: CustomStringConvertible {
  public var description: String { rawValue }
}
