import GaussianMoments
import GSL

/// The independent reference for the moment checks: plain adaptive
/// quadrature (GSL QAGP) of the *definitions*, ∫ g(μ + sξ) φ(ξ) dξ, split at
/// f's kinks and at ξ = −μ/s. It shares no formula with `GaussianMoments`
/// (no folding, no identities), so agreement tests the algebra there.
///
/// It is only trusted where its integrands do not cancel badly: checks use
/// it on moderate (μ, s) and on sign-definite integrands in the tails.
struct RawQuadrature {
  let integrator: Integrator

  init() throws {
    integrator = try Integrator(limit: 2000, absoluteTolerance: 0, relativeTolerance: 1e-13)
    // Asking for 1e-13 sometimes meets GSL's roundoff detector; its best value
    // is then still good to ~1e-12, well inside the checks' 1e-10.
    integrator.acceptsRoundoff = true
  }

  func expectation(
    _ f: Activation, mu: Double, sigma s: Double, of g: @escaping (Double) -> Double
  ) throws -> Double {
    // Beyond |ξ| = 38.5, φ(ξ) underflows: [−40, 40] is the whole line.
    var points = f.kinks.map { ($0 - mu) / s }
    points.append(-mu / s)
    return try integrator.integrate(
      { xi in g(mu + s * xi) * Normal.pdf(xi) }, from: -40, to: 40, breakpoints: points,
      context: "reference quadrature of \(f) at μ = \(mu), s = \(s)"
    ).value
  }

  /// mean, E f², Var (centred on the reference mean), E f′.
  func moments(_ f: Activation, mu: Double, sigma s: Double) throws -> [Double] {
    let mean = try expectation(f, mu: mu, sigma: s) { f($0) }
    let second = try expectation(f, mu: mu, sigma: s) { f($0) * f($0) }
    let variance = try expectation(f, mu: mu, sigma: s) { (f($0) - mean) * (f($0) - mean) }
    let slope = try expectation(f, mu: mu, sigma: s) { f.derivative($0) }
    return [mean, second, variance, slope]
  }
}

extension ActivationMoments {
  var comparable: [Double] { [mean, secondMoment, variance, meanSlope] }

  /// Absolute differences below which the reference cannot tell values
  /// apart: its variance ∫(f − m̂)² carries (m̂ − E f)² ≈ (1e-15·|E f|)² from
  /// its own mean's rounding, so a true variance of 0 (s ≪ distance to a
  /// saturated kink) reads as ~1e-32. Other moments need no floor.
  var comparisonFloors: [Double] { [0, 0, 1e-28 * Swift.max(1, secondMoment), 0] }
}

/// max over pairs of |a − b|/|b|, where a difference within its floor counts
/// as none (and |a − b| is used where b = 0).
func worstRelativeError(_ a: [Double], _ b: [Double], floors: [Double]? = nil) -> Double {
  let f = floors ?? Array(repeating: 0, count: a.count)
  return zip(zip(a, b), f).map { pair, floor in
    let (x, y) = pair
    let d = abs(x - y)
    if d <= floor { return 0 }
    return y == 0 ? d : d / abs(y)
  }.max() ?? 0
}
