import Foundation
import GSL

/// E f, E f² and E f′ of f(μ + sZ + σξ): a Gaussian part sZ (Z ~ N(0, 1))
/// plus the unit-SD variate ξ of a noise law, independent of Z. This is
/// the pre-activation of a unit inside a network whose state fluctuations
/// are taken as Gaussian (the closure's assumption) while the noise is not.
public struct ConvolvedMoments: Sendable, Equatable {
  public var mean, secondMoment, meanSlope: Double
  /// E f² − (E f)², at least 0.
  public var variance: Double { max(0, secondMoment - mean * mean) }
}

extension NoiseLaw {
  /// `ConvolvedMoments` of f(μ + sZ + σξ), by conditioning on ξ: each moment
  /// is ∫ p(z) M(μ + σz, s) dz with M the Gaussian moment at (μ + σz, s)
  /// (`MomentEvaluator`: closed forms where they exist), integrated by GSL's
  /// QAGP over `support`, split at z = 0 (the Laplace cusp) and where
  /// μ + σz crosses a kink of f (where M bends sharply when s is small).
  /// s = 0 is the law's own expectation, σ = 0 the Gaussian moments; a
  /// discrete law sums the Gaussian moments over its atoms (exact).
  /// `evaluator` and `integrator` are not thread-safe: one per thread.
  public func convolvedMoments(
    _ f: Activation, mu: Double, gaussianSD s: Double, sigma: Double, evaluator: MomentEvaluator, integrator: Integrator
  ) throws -> ConvolvedMoments {
    guard mu.isFinite else { throw MomentError.nonFiniteMean(mu) }
    guard sigma.isFinite, sigma >= 0 else { throw MomentError.invalidSigma(sigma) }
    guard s.isFinite, s >= 0 else { throw MomentError.invalidSigma(s) }
    if sigma == 0 {
      let m = try evaluator.moments(f, mu: mu, sigma: s)
      return ConvolvedMoments(mean: m.mean, secondMoment: m.secondMoment, meanSlope: m.meanSlope)
    }
    if s == 0 {
      let kinks = f.kinks
      let mean = try expectation({ f($0) }, at: mu, sigma: sigma, kinks: kinks, integrator: integrator)
      let second = try expectation({ let y = f($0); return y * y }, at: mu, sigma: sigma, kinks: kinks, integrator: integrator)
      let slope = try expectation({ f.derivative($0) }, at: mu, sigma: sigma, kinks: kinks, integrator: integrator)
      return ConvolvedMoments(mean: mean, secondMoment: second, meanSlope: slope)
    }
    if let atoms {
      var out = ConvolvedMoments(mean: 0, secondMoment: 0, meanSlope: 0)
      for (z, w) in atoms {
        let m = try evaluator.moments(f, mu: mu + sigma * z, sigma: s)
        out.mean += w * m.mean
        out.secondMoment += w * m.secondMoment
        out.meanSlope += w * m.meanSlope
      }
      return out
    }
    let range = support
    let breaks = [0] + f.kinks.map { ($0 - mu) / sigma }.filter { range.contains($0) }
    func integral(_ pick: @escaping (ActivationMoments) -> Double, _ what: String) throws -> Double {
      try integrator.integrate(
        { z in
          let p = self.density(z)
          return p > 0 ? pick(try evaluator.moments(f, mu: mu + sigma * z, sigma: s)) * p : 0
        }, from: range.lowerBound, to: range.upperBound, breakpoints: breaks, context: "\(what) over \(label) noise"
      ).value
    }
    return ConvolvedMoments(
      mean: try integral({ $0.mean }, "E f(μ + sZ + σξ)"), secondMoment: try integral({ $0.secondMoment }, "E f²"),
      meanSlope: try integral({ $0.meanSlope }, "E f′"))
  }
}
