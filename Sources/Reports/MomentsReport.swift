import Foundation
import GaussianMoments

/// The `moments` report: an activation's Gaussian moments with their error
/// bounds and, optionally, a Monte-Carlo estimate of each with its z-score.
public struct MomentsReport: Encodable, Sendable {
  public var activation: String
  public var mu, sigma, mean, secondMoment, variance, meanSlope, bias: Double
  public var method: String
  /// Largest relative error bound over mean, second moment, variance, slope.
  public var errorBound: Double
  public var errorBounds: [String: Double]
  public var monteCarlo: MonteCarloReport?
  /// The table (not part of the JSON).
  public var table: Table

  public struct MonteCarloReport: Encodable, Sendable {
    public var samples: Int
    public var seed: UInt
    public var mean, secondMoment, variance, meanSlope, bias: Double
    public var meanSe, secondMomentSe, varianceSe, meanSlopeSe, biasSe: Double
  }

  enum CodingKeys: String, CodingKey {
    case activation, mu, sigma, mean, secondMoment, variance, meanSlope, bias, method, errorBound, errorBounds, monteCarlo
  }

  public init(_ m: ActivationMoments, monteCarlo mc: MonteCarloMoments?) {
    activation = m.activation.rawValue
    mu = m.mu
    sigma = m.sigma
    mean = m.mean
    secondMoment = m.secondMoment
    variance = m.variance
    meanSlope = m.meanSlope
    bias = m.bias
    method = m.method.rawValue
    errorBound = m.relativeErrorBound
    errorBounds = [
      "mean": m.errorBounds.mean, "second_moment": m.errorBounds.secondMoment,
      "variance": m.errorBounds.variance, "mean_slope": m.errorBounds.meanSlope, "bias": m.errorBounds.bias,
    ]
    monteCarlo = mc.map {
      MonteCarloReport(
        samples: $0.samples, seed: $0.seed, mean: $0.mean.value, secondMoment: $0.secondMoment.value,
        variance: $0.variance.value, meanSlope: $0.meanSlope.value, bias: $0.bias.value,
        meanSe: $0.mean.standardError, secondMomentSe: $0.secondMoment.standardError,
        varianceSe: $0.variance.standardError, meanSlopeSe: $0.meanSlope.standardError,
        biasSe: $0.bias.standardError)
    }
    table = Self.table(m, monteCarlo: mc)
  }

  /// z of a Monte-Carlo estimate against the analytic value (0 when the
  /// estimate has no spread, e.g. a constant activation).
  public static func z(_ estimate: MonteCarloMoments.Estimate, against value: Double) -> Double {
    estimate.standardError > 0 ? (estimate.value - value) / estimate.standardError : 0
  }

  static func table(_ m: ActivationMoments, monteCarlo mc: MonteCarloMoments?) -> Table {
    var columns = ["quantity", "value", "error bound"]
    if mc != nil { columns += ["Monte Carlo", "MC std. error", "z"] }
    var table = Table(
      columns: columns,
      caption: "\(m.activation)(X), X = \(m.mu) + \(m.sigma)·ξ — method: \(m.method.rawValue)")
    let rows: [(String, Double, Double, MonteCarloMoments.Estimate?)] = [
      ("E f(X)", m.mean, m.errorBounds.mean, mc?.mean),
      ("E f(X)^2", m.secondMoment, m.errorBounds.secondMoment, mc?.secondMoment),
      ("Var f(X)", m.variance, m.errorBounds.variance, mc?.variance),
      ("E f'(X)", m.meanSlope, m.errorBounds.meanSlope, mc?.meanSlope),
      ("bias E f(X) - f(mu)", m.bias, m.errorBounds.bias, mc?.bias),
    ]
    for (name, value, bound, est) in rows {
      var row = [name, NumberFormat.full(value), NumberFormat.short(bound)]
      if let est {
        row += [NumberFormat.full(est.value), NumberFormat.short(est.standardError), String(format: "%+.2f", z(est, against: value))]
      }
      table.append(row)
    }
    return table
  }

  public func render(_ format: TableFormat) -> String { table.render(format) }
}
