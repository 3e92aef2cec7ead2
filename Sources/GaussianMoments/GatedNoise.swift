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
///
/// `site` = `.input` is their Sec. 5 instead (noise into the input of h,
/// Eq. 14 with the scale of Eq. 9: "NANIL" when p is learned):
///   φ(x, ξ) = h(x + d(x) σ G(x) ξ),  α = 1 (Eq. 14 has no α),
/// the same signed gate d G, so the noise is off where h is linear and a
/// half-normal ξ pushes x back towards the linear regime (Sec. 4.2's
/// reason for d). Eq. 14 with a constant σ (NANI proper) is additive noise
/// inside f, which `--noise in` already is. The test-time unit of the
/// paper replaces ξ by E ξ (h(x) for normal ξ); the mean field here uses
/// the exact average E_ξ φ(x, ξ) (`GatedNoise+Input.swift`).
public struct NoiseGate: Sendable, Hashable, Codable {
  /// Mix of h and its linearisation u (α = 1: h itself).
  public var alpha: Double
  /// Slope of the gate in the saturation Δ (fixed, or learned with
  /// `train --learn-gate`: one scalar, as the paper's Eq. 9).
  public var p: Double
  /// Where the gated noise enters: the unit's output (Eq. 12) or h's input (Eq. 14).
  public var site: GateSite

  public init(alpha: Double = 1, p: Double = 1, site: GateSite = .output) {
    self.alpha = alpha
    self.p = p
    self.site = site
  }

  enum CodingKeys: String, CodingKey { case alpha, p, site }

  /// Files written before the input site existed have no `site`: output.
  public init(from decoder: any Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    alpha = try c.decode(Double.self, forKey: .alpha)
    p = try c.decode(Double.self, forKey: .p)
    site = try c.decodeIfPresent(GateSite.self, forKey: .site) ?? .output
  }

  /// `site` written only when it is the input, so the output-site JSON is what it was.
  public func encode(to encoder: any Encoder) throws {
    var c = encoder.container(keyedBy: CodingKeys.self)
    try c.encode(alpha, forKey: .alpha)
    try c.encode(p, forKey: .p)
    if site != .output { try c.encode(site, forKey: .site) }
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
    if site == .input, alpha != 1 { return "gate alpha applies to the output site only (Eq. 14 has no alpha), got \(alpha) with the input site" }
    return nil
  }

  /// The checkpoint metadata of a gate (`noise_gate` = gulcehre, its α and
  /// p; `gate_site` = input for the input site, absent for the output).
  public var metadata: [String: String] {
    var m = ["noise_gate": "gulcehre", "gate_alpha": "\(alpha)", "gate_p": "\(p)"]
    if site != .output { m["gate_site"] = site.rawValue }
    return m
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
    var site = GateSite.output
    if let text = m["gate_site"] {
      guard let s = GateSite(rawValue: text) else {
        throw Bad(description: "gate_site '\(text)' is not one of: \(GateSite.allCases.map(\.rawValue).joined(separator: ", "))")
      }
      site = s
    }
    let gate = NoiseGate(alpha: try number("gate_alpha", 1), p: try number("gate_p", 1), site: site)
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
    if site == .input { return f(x + sigma * xi * gate(f, x)) }
    return alpha * f(x) + (1 - alpha) * linearisation(f, x) + sigma * xi * gate(f, x)
  }

  /// ∂φ/∂x at (x, ξ): α h′ + (1 − α) u′ + σ ξ (d G)′; at the input site
  /// h′(x + σξ dG) (1 + σ ξ (d G)′).
  @inline(__always)
  public func slope(_ f: Activation, _ x: Double, sigma: Double, xi: Double) -> Double {
    if site == .input { return f.derivative(x + sigma * xi * gate(f, x)) * (1 + sigma * xi * gateSlope(f, x)) }
    return alpha * f.derivative(x) + (1 - alpha) * linearSlope(f) + sigma * xi * gateSlope(f, x)
  }

  /// ∂(d G)/∂p at x: d · 8 (g − ½) g (1 − g) Δ.
  @inline(__always)
  public func gatePSlope(_ f: Activation, _ x: Double) -> Double {
    let delta = f(x) - linearisation(f, x)
    let g = 1 / (1 + exp(-p * delta))
    return direction(x) * 8 * (g - 0.5) * g * (1 - g) * delta
  }

  /// ∂φ/∂p at (x, ξ) (p enters through the noise term η = σ ξ d G only):
  /// σ ξ ∂(dG)/∂p at the output site, h′(x + η) σ ξ ∂(dG)/∂p at the input.
  @inline(__always)
  public func pSlope(_ f: Activation, _ x: Double, sigma: Double, xi: Double) -> Double {
    let dEta = sigma * xi * gatePSlope(f, x)
    if site == .input { return f.derivative(x + sigma * xi * gate(f, x)) * dEta }
    return dEta
  }

  /// The expectation network's unit (Eq. 13): E_ξ φ(x, ξ) under `law`
  /// (the output site; the input site's average is `inputMoments`).
  public func expectation(_ f: Activation, _ x: Double, sigma: Double, law: NoiseLaw) -> Double {
    value(f, x, sigma: sigma, xi: law.mean)
  }
}

/// Where Gulcehre's gated noise enters the unit: its output (their Eq. 12,
/// NAN/NAH) or the input of the hard nonlinearity (Eq. 14 with Eq. 9's
/// scale). Recorded as `gate_site` (absent: output).
public enum GateSite: String, Sendable, Hashable, Codable, CaseIterable {
  case output, input
}
