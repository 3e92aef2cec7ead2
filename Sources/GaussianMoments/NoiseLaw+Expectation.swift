import Foundation
import GSL

/// Noise averages under any `NoiseLaw` by quadrature against its density:
/// what the mean-field map needs for noise inside f when the noise is not
/// Gaussian (the Gaussian moments keep their own closed forms and
/// Gauss–Hermite rules, `MomentEvaluator`).
extension NoiseLaw {
  /// E g(u + σξ) for the unit-SD variate ξ of this law, by GSL's adaptive
  /// QAGP over `support`, split where u + σz crosses a kink of g and at
  /// z = 0 (the Laplace density's cusp); for a discrete law, the exact sum
  /// over its `atoms`. `integrator` is not thread-safe: one per thread.
  public func expectation(
    _ g: @escaping (Double) -> Double, at u: Double, sigma: Double, kinks: [Double], integrator: Integrator
  ) throws -> Double {
    guard u.isFinite else { throw MomentError.nonFiniteMean(u) }
    guard sigma.isFinite, sigma >= 0 else { throw MomentError.invalidSigma(sigma) }
    if sigma == 0 { return g(u) }
    if let atoms { return atoms.reduce(0) { $0 + $1.weight * g(u + sigma * $1.z) } }
    let range = support
    let breaks = [0] + kinks.map { ($0 - u) / sigma }
    let result = try integrator.integrate(
      { z in
        let p = self.density(z)
        return p == 0 ? 0 : g(u + sigma * z) * p
      }, from: range.lowerBound, to: range.upperBound, breakpoints: breaks, context: "E g(u + σξ), \(label) noise")
    return result.value
  }
}

extension Activation {
  /// E f(u + σξ) and E f(u + σξ)² under `law` (quadrature; see
  /// `NoiseLaw.expectation`).
  public func noiseAverage(
    at u: Double, sigma: Double, law: NoiseLaw, integrator: Integrator
  ) throws -> (mean: Double, secondMoment: Double) {
    let f = self
    let mean = try law.expectation({ f($0) }, at: u, sigma: sigma, kinks: kinks, integrator: integrator)
    let second = try law.expectation({ let y = f($0); return y * y }, at: u, sigma: sigma, kinks: kinks, integrator: integrator)
    return (mean, second)
  }
}

/// E f, E f², Var f, E f′ and the bias E f − f(μ) of f(μ + σξ) under a
/// non-Gaussian law, all by quadrature (`NoiseLaw.expectation`).
public struct LawMoments: Sendable, Equatable {
  public var activation: Activation
  public var law: NoiseLaw
  public var mu, sigma: Double
  public var mean, secondMoment, variance, meanSlope, bias: Double
}

extension Activation {
  /// `LawMoments` of f(μ + σξ) under `law`. The variance is E(f − f(μ))² −
  /// bias², both by quadrature, which avoids E f² − (E f)² cancelling when
  /// σ is small.
  public func lawMoments(mu: Double, sigma: Double, law: NoiseLaw, integrator: Integrator) throws -> LawMoments {
    let f = self, c = f(mu)
    let mean = try law.expectation({ f($0) }, at: mu, sigma: sigma, kinks: kinks, integrator: integrator)
    let second = try law.expectation({ let y = f($0); return y * y }, at: mu, sigma: sigma, kinks: kinks, integrator: integrator)
    let bias = try law.expectation({ f($0) - c }, at: mu, sigma: sigma, kinks: kinks, integrator: integrator)
    let centred = try law.expectation(
      { let d = f($0) - c; return d * d }, at: mu, sigma: sigma, kinks: kinks, integrator: integrator)
    let slope = try law.expectation({ f.derivative($0) }, at: mu, sigma: sigma, kinks: kinks, integrator: integrator)
    return LawMoments(
      activation: self, law: law, mu: mu, sigma: sigma, mean: mean, secondMoment: second,
      variance: max(0, centred - bias * bias), meanSlope: slope, bias: bias)
  }
}
