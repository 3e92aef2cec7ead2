import Foundation
import GSL

/// The noise averages of one gated unit at a fixed input x: E_ξ φ(x, ξ),
/// E_ξ φ(x, ξ)² and d/dx E_ξ φ(x, ξ) (the expectation unit, its second
/// moment, and its slope).
public struct GatedUnitMoments: Sendable, Equatable {
  public var mean: Double
  public var secondMoment: Double
  public var slope: Double
  public init(mean: Double, secondMoment: Double, slope: Double) {
    self.mean = mean
    self.secondMoment = secondMoment
    self.slope = slope
  }
}

/// The input site (`GateSite.input`): φ(x, ξ) = h(x + c(x) ξ) with
/// c(x) = σ d(x) G(x). At fixed x the argument of h is Gaussian N(x, c²)
/// for normal ξ, so E φ, E φ² and E h′ are hardtanh's (hard-sigmoid's)
/// closed-form Gaussian moments at (μ, s) = (x, |c|); for half-normal ξ
/// they are quadratures over ξ (`NoiseLaw.expectation`), split where
/// x + cξ crosses a kink of h.
///
/// The slope is d/dx E h(x + c(x)ξ) = E h′(y) + c′(x) E[h′(y) ξ], y = x + cξ
/// (h is Lipschitz, so the derivative passes under E). h′ is k on the
/// stretch (lo, hi) and 0 outside (hardtanh: k = 1 on (−1, 1); hard-sigmoid:
/// 1/4 on (−2, 2)), so for normal ξ
///   E[h′(y) ξ] = sgn(c) k [φ((lo − x)/|c|) − φ((hi − x)/|c|)],
/// φ the standard normal density (∫ z φ(z) dz over the stretch).
extension NoiseGate {
  /// h′'s stretch: (lo, hi) where h′ = k.
  func linearStretch(_ f: Activation) -> (lo: Double, hi: Double, k: Double) {
    f == .hardsigmoid ? (-2, 2, 0.25) : (-1, 1, 1)
  }

  /// `GatedUnitMoments` of the input-site unit at x and σ under `law`
  /// (gaussian or half-normal: the gate's two). `closedForm: false` takes
  /// the quadrature path for normal ξ too (the tests' independent check of
  /// the closed forms). `integrator` is not thread-safe: one per thread.
  public func inputMoments(
    _ f: Activation, _ x: Double, sigma: Double, law: NoiseLaw, integrator: Integrator, closedForm: Bool = true
  ) throws -> GatedUnitMoments {
    let c = sigma * gate(f, x), cSlope = sigma * gateSlope(f, x)
    // No noise at x (h linear there, or σ = 0): G′ = 0 wherever G = 0 (G
    // is quadratic in Δ at the threshold), so the slope is h′(x).
    if c == 0 {
      let y = f(x)
      return GatedUnitMoments(mean: y, secondMoment: y * y, slope: f.derivative(x))
    }
    let (lo, hi, k) = linearStretch(f)
    if law == .gaussian, closedForm, let m = f.closedFormMoments(mu: x, s: abs(c)) {
      let s = abs(c)
      let tilt = (c > 0 ? 1 : -1) * k * (Normal.pdf((lo - x) / s) - Normal.pdf((hi - x) / s))
      return GatedUnitMoments(mean: m.mean, secondMoment: m.secondMoment, slope: m.meanSlope + cSlope * tilt)
    }
    // E over ξ directly: at 0 with unit scale, the integrand's argument is z itself.
    let breaks = f.kinks.map { ($0 - x) / c }
    let e = { (g: @escaping (Double) -> Double) throws -> Double in
      try law.expectation(g, at: 0, sigma: 1, kinks: breaks, integrator: integrator)
    }
    let mean = try e { f(x + c * $0) }
    let second = try e { let y = f(x + c * $0); return y * y }
    let slope = try e { z in f.derivative(x + c * z) * (1 + cSlope * z) }
    return GatedUnitMoments(mean: mean, secondMoment: second, slope: slope)
  }

  /// The unit's noise average E_ξ φ(x, ξ) at either site: Eq. 13 at the
  /// output, `inputMoments` at the input.
  public func averagedUnit(_ f: Activation, _ x: Double, sigma: Double, law: NoiseLaw, integrator: Integrator) throws -> Double {
    site == .input ? try inputMoments(f, x, sigma: sigma, law: law, integrator: integrator).mean : expectation(f, x, sigma: sigma, law: law)
  }
}
