import Foundation

/// Gulcehre et al. 2016's saturation-gated noisy activation (their Eq. 12,
/// Algorithm 1), for a hard-saturating h with linearisation u:
///   φ(x, ξ) = α h(x) + (1 − α) u(x) + d(x) σ G(x) ξ,
///   Δ = h(x) − u(x),  d(x) = −sgn(x) sgn(1 − α)  (sgn(0) = 1, theirs),
///   G(x) = 4 (g(pΔ) − ½)²,  g the logistic sigmoid,
/// with ξ the unit-SD variate of the noise law (normal, or half-normal
/// uncentred as they use it). G is 0 where h is linear and rises towards 1
/// deep in saturation, so σ is the noise's largest SD, as σ is everywhere
/// else the noise's SD. Their c (σ(x) = c (g(pΔ) − ½)² |ξ|) is
/// σ = c/4 · √(1 − 2/π) for half-normal ξ and σ = c/4 for normal ξ.
///
/// The noise enters outside h (the unit's output), so in the network the
/// step is h ← (1−γ)h + γ φ(Wh + c, ξ), and the expectation network used
/// at test time (their Eq. 13) is φ̄(x) = E_ξ φ(x, ξ) = α h + (1−α) u +
/// d σ G E ξ (E ξ = 0 for normal, 1.3236 for half-normal).
public struct NoiseGate: Sendable, Hashable, Codable {
  /// Mix of h and its linearisation u (α = 1: h itself).
  public var alpha: Double
  /// Slope of the gate in the saturation Δ (learned in the paper; fixed here).
  public var p: Double

  public init(alpha: Double = 1, p: Double = 1) {
    self.alpha = alpha
    self.p = p
  }

  /// The activations the gate is defined for (hard-saturating ones with a
  /// linearisation about 0): hardtanh, u(x) = x.
  public static let activations: [Activation] = [.hardtanh, .hardsigmoid]

  /// A one-line reason the gate cannot run with f, nil when it can.
  public func problem(activation f: Activation) -> String? {
    guard Self.activations.contains(f) else {
      return "gated noise needs a hard-saturating activation (\(Self.activations.map(\.rawValue).joined(separator: ", "))), got \(f.rawValue)"
    }
    guard alpha.isFinite else { return "gate alpha must be finite, got \(alpha)" }
    guard p.isFinite, p > 0 else { return "gate p must be finite and > 0, got \(p)" }
    return nil
  }

  /// The checkpoint metadata of a gate (`noise_gate` = gulcehre, its α and p).
  public var metadata: [String: String] {
    ["noise_gate": "gulcehre", "gate_alpha": "\(alpha)", "gate_p": "\(p)"]
  }

  /// The gate a checkpoint's metadata records: nil without `noise_gate`;
  /// throws a one-line reason for an unknown kind or a bad number.
  public static func fromMetadata(_ m: [String: String]) throws -> NoiseGate? {
    guard let kind = m["noise_gate"] else { return nil }
    struct Bad: Error, CustomStringConvertible { var description: String }
    guard kind == "gulcehre" else { throw Bad(description: "noise_gate '\(kind)' is not one of: gulcehre") }
    func number(_ key: String, _ fallback: Double) throws -> Double {
      guard let text = m[key] else { return fallback }
      guard let v = Double(text), v.isFinite else { throw Bad(description: "\(key) '\(text)' is not a finite number") }
      return v
    }
    let gate = NoiseGate(alpha: try number("gate_alpha", 1), p: try number("gate_p", 1))
    guard gate.p > 0 else { throw Bad(description: "gate_p must be > 0, got \(gate.p)") }
    return gate
  }

  /// u(x), the linearisation about 0.
  @inline(__always)
  public func linearisation(_ f: Activation, _ x: Double) -> Double {
    switch f {
    case .hardtanh: return x
    case .hardsigmoid: return 0.25 * x + 0.5
    default: return f(x)
    }
  }

  /// u′: 1 for hardtanh, 1/4 for hardsigmoid.
  @inline(__always)
  public func linearSlope(_ f: Activation) -> Double { f == .hardsigmoid ? 0.25 : 1 }

  @inline(__always)
  func direction(_ x: Double) -> Double {
    let sx: Double = x >= 0 ? 1 : -1
    let sa: Double = 1 - alpha >= 0 ? 1 : -1
    return -sx * sa
  }

  /// d(x) G(x): the signed gate the noise σξ is multiplied by.
  @inline(__always)
  public func gate(_ f: Activation, _ x: Double) -> Double {
    let delta = f(x) - linearisation(f, x)
    let q = 1 / (1 + exp(-p * delta)) - 0.5
    return direction(x) * 4 * q * q
  }

  /// d/dx of d(x) G(x) (d is constant away from x = 0, where G = 0 too).
  @inline(__always)
  public func gateSlope(_ f: Activation, _ x: Double) -> Double {
    let delta = f(x) - linearisation(f, x)
    let deltaSlope = f.derivative(x) - linearSlope(f)
    guard deltaSlope != 0 else { return 0 }
    let g = 1 / (1 + exp(-p * delta))
    return direction(x) * 8 * (g - 0.5) * g * (1 - g) * p * deltaSlope
  }

  /// φ(x, ξ) at noise σ.
  @inline(__always)
  public func value(_ f: Activation, _ x: Double, sigma: Double, xi: Double) -> Double {
    alpha * f(x) + (1 - alpha) * linearisation(f, x) + sigma * xi * gate(f, x)
  }

  /// ∂φ/∂x at (x, ξ): α h′ + (1 − α) u′ + σ ξ (d G)′.
  @inline(__always)
  public func slope(_ f: Activation, _ x: Double, sigma: Double, xi: Double) -> Double {
    alpha * f.derivative(x) + (1 - alpha) * linearSlope(f) + sigma * xi * gateSlope(f, x)
  }

  /// The expectation network's unit (Eq. 13): E_ξ φ(x, ξ) under `law`.
  public func expectation(_ f: Activation, _ x: Double, sigma: Double, law: NoiseLaw) -> Double {
    value(f, x, sigma: sigma, xi: law.mean)
  }
}
