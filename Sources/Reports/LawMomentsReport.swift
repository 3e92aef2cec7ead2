import Foundation
import GaussianMoments

/// `moments --noise-law L` for a non-Gaussian L: the moments of f(μ + σξ)
/// by quadrature against the law's density (σ the noise's SD).
public struct LawMomentsReport: Report, Sendable {
  public var activation: String
  public var noiseLaw: String
  public var mu, sigma, mean, secondMoment, variance, meanSlope, bias: Double
  public var method: String

  public init(_ m: LawMoments) {
    activation = m.activation.rawValue
    noiseLaw = m.law.rawValue
    mu = m.mu
    sigma = m.sigma
    mean = m.mean
    secondMoment = m.secondMoment
    variance = m.variance
    meanSlope = m.meanSlope
    bias = m.bias
    method = m.law.atoms == nil
      ? "quadrature (GSL QAGP against the \(m.law.rawValue) density)"
      : "exact (sum over the \(m.law.rawValue) law's atoms: 0 w.p. 1 - p, +-sigma/sqrt(p) w.p. p/2 each, p = \(NumberFormat.full(NoiseLaw.saltAndPepperRate)))"
  }

  public var table: Table {
    var t = Table(
      columns: ["quantity", "value"], alignments: [.left, .right],
      caption: "\(activation)(mu + sigma xi), xi \(noiseLaw) with SD 1, mu = \(NumberFormat.full(mu)), sigma = \(NumberFormat.full(sigma)); \(method)")
    for (name, v) in [
      ("E f", mean), ("E f^2", secondMoment), ("Var f", variance), ("E f'", meanSlope), ("E f - f(mu)", bias),
    ] {
      t.append([name, NumberFormat.full(v)])
    }
    return t
  }

  public func render(_ format: TableFormat) -> String { table.render(format) }
}
