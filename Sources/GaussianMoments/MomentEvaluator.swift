import Foundation
import GSL

/// Computes `ActivationMoments`, choosing the method per activation and (μ, s):
///
/// - s = 0: exact (f(μ), f(μ)², 0, f′(μ), 0).
/// - s ≥ 1e9, bounded f and softplus: the large-s limits of
///   `Activation.largeSigmaMoments` (quadrature cannot resolve f there).
/// - linear, relu, hardtanh: closed forms (`Activation+ClosedForm.swift`).
/// - erf: closed forms for mean, slope, bias; quadrature for E(f − f(μ))².
/// - tanh, sigmoid, softplus: quadrature of the cancellation-free integrands
///   of `SmoothIntegrands`. First the 40- and 64-node Gauss–Hermite rules; if
///   they agree to `gaussHermiteTolerance` the 64-node value is used with
///   their difference as its error estimate, otherwise GSL's adaptive QAGP
///   on ξ ∈ [0, 40] (φ(40) underflows), split where μ − sξ crosses 0.
///
/// Owns a GSL integration workspace: not thread-safe, use one per thread.
public final class MomentEvaluator {
  private let integrator: Integrator
  /// Relative agreement required of the two Gauss–Hermite rules.
  public var gaussHermiteTolerance = 1e-13
  /// Largest s at which the Gauss–Hermite rules are tried (see `integrate`).
  public var gaussHermiteMaxSigma = 1.0
  /// Relative accuracy requested from the adaptive rule.
  public var adaptiveTolerance = 1e-13

  public init() throws {
    integrator = try Integrator(limit: 2000, absoluteTolerance: 0, relativeTolerance: 1e-13)
    // 1e-13 is at the edge of what rounding allows; when GSL says so, its
    // value and error estimate are kept and the estimate is reported.
    integrator.acceptsRoundoff = true
  }

  /// Throws `MomentError` for a non-finite μ or a negative or non-finite s,
  /// and `MomentNotRepresentable` when a moment's true value exceeds the
  /// Double range (only for the unbounded linear, relu and softplus, at
  /// |μ| or s beyond ~1e154); every value returned is finite.
  public func moments(_ f: Activation, mu: Double, sigma s: Double) throws -> ActivationMoments {
    try Self.validate(mu: mu, sigma: s)
    let m = try unchecked(f, mu: mu, sigma: s)
    for (quantity, value) in [
      ("mean", m.mean), ("second moment", m.secondMoment), ("variance", m.variance),
      ("mean slope", m.meanSlope), ("bias", m.bias),
    ] where !value.isFinite {
      throw MomentNotRepresentable(activation: f, mu: mu, sigma: s, quantity: quantity)
    }
    return m
  }

  private func unchecked(_ f: Activation, mu: Double, sigma s: Double) throws -> ActivationMoments {
    if s == 0 {
      let y = f(mu)
      return ActivationMoments(
        activation: f, mu: mu, sigma: 0, mean: y, secondMoment: y * y, variance: 0,
        meanSlope: f.derivative(mu), bias: 0, method: .exact, errorBounds: .zero)
    }
    if s >= Activation.largeSigma, let limit = f.largeSigmaMoments(mu: mu, s: s) { return limit }
    if let closed = f.closedFormMoments(mu: mu, s: s) { return closed }
    guard let integrands = SmoothIntegrands(f, mu: mu) else {
      throw MomentError.noMethod(f)
    }
    let centred = try integrate(integrands.squares, s: s, mu: mu, what: "E(f − f(μ))²")
    let mean: Estimate, slope: Estimate, bias: Estimate
    var method = centred.method
    if f == .erf {
      let cf = f.erfMeanSlopeBias(mu: mu, s: s)
      let r = cf.relativeBound
      mean = Estimate(value: cf.mean, error: r * abs(cf.mean), method: .closedForm)
      slope = Estimate(value: cf.slope, error: r * abs(cf.slope), method: .closedForm)
      bias = Estimate(value: cf.bias, error: r * abs(cf.bias), method: .closedForm)
      method = .closedFormAndQuadrature
    } else {
      slope = try integrate(integrands.slopes, s: s, mu: mu, what: "E f′")
      bias = try integrate(integrands.secondDiff, s: s, mu: mu, what: "E f − f(μ)")
      // Where the bias is small against f(μ), f(μ) + bias is the more accurate
      // mean (one rounding, and exactly f(μ) as s → 0); where it is not, the
      // folded sum avoids the cancellation that f(μ) + bias would suffer.
      let c = f(mu)
      if abs(bias.value) <= 0.5 * abs(c) {
        let value = c + bias.value
        mean = Estimate(value: value, error: bias.error + Double.ulpOfOne * abs(value), method: bias.method)
      } else {
        mean = try integrate(integrands.sum, s: s, mu: mu, what: "E f")
      }
      if [mean, slope, bias].contains(where: { $0.method == .adaptive }) { method = .adaptive }
    }
    let variance = centred.value - bias.value * bias.value
    let varianceError = centred.error + 2 * abs(bias.value) * bias.error + 4 * Double.ulpOfOne * centred.value
    let second = mean.value * mean.value + variance
    let secondError = 2 * abs(mean.value) * mean.error + varianceError + 4 * Double.ulpOfOne * second
    return ActivationMoments(
      activation: f, mu: mu, sigma: s, mean: mean.value, secondMoment: second, variance: variance,
      meanSlope: slope.value, bias: bias.value, method: method,
      errorBounds: .init(
        mean: mean.error, secondMoment: secondError, variance: varianceError,
        meanSlope: slope.error, bias: bias.error))
  }

  static func validate(mu: Double, sigma s: Double) throws {
    guard mu.isFinite else { throw MomentError.nonFiniteMean(mu) }
    guard s.isFinite, s >= 0 else { throw MomentError.invalidSigma(s) }
  }

  // MARK: Quadrature

  struct Estimate {
    var value: Double
    var error: Double
    var method: MomentMethod
  }

  /// ∫₀^∞ h(sξ) φ(ξ) dξ for a folded integrand h.
  private func integrate(_ h: @escaping (Double) -> Double, s: Double, mu: Double, what: String) throws -> Estimate {
    // Two rules agreeing proves nothing about a feature neither resolves:
    // f(μ + sξ) changes over ξ-widths ~1/s (tanh's poles sit at distance
    // π/(2s)), and the innermost Gauss–Hermite nodes are ~0.2 apart. So
    // the rules are tried only while s ≤ `gaussHermiteMaxSigma`.
    if s <= gaussHermiteMaxSigma {
      let g = { (xi: Double) in h(s * xi) }
      let q64 = GaussHermiteRule.n64.integrateFolded(g)
      let q40 = GaussHermiteRule.n40.integrateFolded(g)
      let diff = abs(q64 - q40)
      if q64.isFinite && diff <= gaussHermiteTolerance * abs(q64) {
        return Estimate(value: q64, error: Swift.max(diff, Self.summationFloor * abs(q64)), method: .gaussHermite)
      }
    }
    // Adaptive: the integrand changes on the scale 1/s around ξ₀ = |μ|/s,
    // where μ − sξ crosses 0; give QAGP those points so no feature is missed.
    // The features decay away from ξ₀ like e^{−a s|ξ − ξ₀|} (a = 1 for the
    // logistic and softplus, 2 for tanh), so the points reach out to 40/s
    // (e^{−40} ≈ 4e-18): with only ±8/s, at s ≳ 300 QAGP took the
    // e^{−8} ≈ 3e-4 of the integrand left beyond ξ₀ + 8/s for smooth on its
    // long last interval, and returned sigmoid's slope 5e-4 off (tanh 1e-7)
    // with an error estimate of 1e-17.
    // ξ₀ itself is left out when it is within 1e-3/s of the fold at 0: the
    // integrands are smooth there, and a sliver [0, ξ₀] (ξ₀ = 1e-308 at
    // μ = 1e-300) is one GSL rejects as a singularity.
    let xi0 = abs(mu) / s
    var points: [Double] = xi0 * s >= 1e-3 ? [xi0] : []
    for k in [-40.0, -20, -8, -2, 2, 8, 20, 40] { points.append(xi0 + k / s) }
    integrator.relativeTolerance = adaptiveTolerance
    let r = try integrator.integrate(
      { xi in h(s * xi) * Normal.pdf(xi) }, from: 0, to: 40, breakpoints: points,
      context: "adaptive quadrature of \(what) at μ = \(mu), s = \(s)")
    return Estimate(value: r.value, error: Swift.max(r.errorBound, Self.summationFloor * abs(r.value)), method: .adaptive)
  }

  /// The rounding floor of a quadrature value: a sum of up to ~64 weighted
  /// terms, each integrand evaluated through a few exp/log steps. Observed
  /// errors against mpmath reach 7e-15 relative; 64ε = 1.4e-14 covers them.
  static let summationFloor = 64 * Double.ulpOfOne
}

extension Activation {
  /// The moments of f(μ + sξ), ξ ~ N(0, 1). Allocates a workspace per call;
  /// for many calls keep one `MomentEvaluator`.
  public func gaussianMoments(mu: Double, sigma: Double) throws -> ActivationMoments {
    try MomentEvaluator().moments(self, mu: mu, sigma: sigma)
  }
}

/// A moment whose true value lies beyond the largest Double (≈ 1.8e308):
/// E f² of an unbounded activation at |μ| or s near the top of the range.
/// Thrown instead of returning an infinity or a NaN.
public struct MomentNotRepresentable: Error, CustomStringConvertible, Equatable, Sendable {
  public var activation: Activation
  public var mu: Double
  public var sigma: Double
  /// "mean", "secondMoment", "variance", "meanSlope" or "bias".
  public var quantity: String

  public var description: String {
    "the \(quantity) of \(activation) at mu = \(mu), sigma = \(sigma) exceeds the largest double "
      + "(~1.8e308); use smaller mu and sigma"
  }
}
