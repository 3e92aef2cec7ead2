import Foundation
import GSL

/// Monte-Carlo estimates of the moments of f(μ + sξ) with standard errors:
/// the independent check of every analytic moment (`moments --mc`, `verify`).
///
/// Samples are i.i.d. (GSL mt19937 + ziggurat), so the standard errors are
/// the plain ones: sd/√N for means, and for the variance the delta-method
/// SE √((m₄ − v²)/N). Sums are accumulated as deviations from f(μ) (and
/// f(μ)², f′(μ)) so that small-s runs do not lose the signal to rounding.
public struct MonteCarloMoments: Sendable {
  public struct Estimate: Sendable {
    public var value: Double
    public var standardError: Double
  }

  public var samples: Int
  public var seed: UInt
  public var mean, secondMoment, variance, meanSlope, bias: Estimate

  public static func estimate(
    _ f: Activation, mu: Double, sigma s: Double, samples n: Int, seed: UInt
  ) throws -> MonteCarloMoments {
    try MomentEvaluator.validate(mu: mu, sigma: s)
    guard n >= 2 else { throw MomentError.tooFewSamples(n) }
    let rng = try GSLRandom(seed: seed)
    let c = f(mu), c2 = c * c, c1 = f.derivative(mu)
    var d = PowerSums(), q = PowerSums(), p = PowerSums()
    for _ in 0..<n {
      let x = mu + s * rng.gaussian()
      let y = f(x)
      d.add(y - c)
      q.add(y * y - c2)
      p.add(f.derivative(x) - c1)
    }
    let meanSE = d.standardErrorOfMean
    return MonteCarloMoments(
      samples: n, seed: seed,
      mean: Estimate(value: c + d.mean, standardError: meanSE),
      secondMoment: Estimate(value: c2 + q.mean, standardError: q.standardErrorOfMean),
      variance: Estimate(value: d.variance, standardError: d.standardErrorOfVariance),
      meanSlope: Estimate(value: c1 + p.mean, standardError: p.standardErrorOfMean),
      bias: Estimate(value: d.mean, standardError: meanSE))
  }
}

/// Running Σx, Σx², Σx³, Σx⁴ of (already shifted) samples.
struct PowerSums {
  var n = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0, s4 = 0.0

  mutating func add(_ x: Double) {
    let x2 = x * x
    n += 1
    s1 += x
    s2 += x2
    s3 += x2 * x
    s4 += x2 * x2
  }

  var mean: Double { s1 / n }
  /// Unbiased sample variance.
  var variance: Double { Swift.max(0, (s2 - s1 * s1 / n) / (n - 1)) }
  var standardErrorOfMean: Double { (variance / n).squareRoot() }
  /// √((m₄ − v²)/N) with m₄ the central fourth moment.
  var standardErrorOfVariance: Double {
    let m = mean, e2 = s2 / n, e3 = s3 / n, e4 = s4 / n
    let m4 = e4 - 4 * m * e3 + 6 * m * m * e2 - 3 * m * m * m * m
    let v = e2 - m * m
    return (Swift.max(0, m4 - v * v) / n).squareRoot()
  }
}
