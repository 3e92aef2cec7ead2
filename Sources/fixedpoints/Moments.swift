import ArgumentParser
import GaussianMoments
import GSL
import Reports

extension Activation: ExpressibleByArgument {
  public static var allValueStrings: [String] { allCases.map(\.rawValue) }
}

struct Moments: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Moments of an activation under Gaussian noise: X = mu + sigma·xi, xi ~ N(0,1).",
    discussion: """
      Prints E f(X), E f(X)^2, Var f(X), the mean slope E f'(X) (the slope of the
      noise-averaged activation) and the noise-induced bias E f(X) - f(mu), with
      the method used and its error bound. Closed forms for linear, relu
      (Bricken 2023 Eq. 21), hardtanh and erf; quadrature for tanh, sigmoid,
      softplus (and erf's second moment).
      erf means the probit-scaled erf(x/sqrt 2) = 2 Phi(x) - 1.
      Negative numbers: write --mu=-0.3 or --mu -0.3.
      """)

  @Option(help: "Activation: \(Activation.allCases.map(\.rawValue).joined(separator: ", ")).")
  var activation: Activation

  @Option(help: "Mean of the pre-activation.")
  var mu: Double

  @Option(help: "Standard deviation of the pre-activation noise (>= 0).")
  var sigma: Double

  @Option(help: "Also estimate every moment from N Monte-Carlo samples, with standard errors.")
  var mc: Int?

  @Option(help: "Seed of the Monte-Carlo samples (GSL mt19937).")
  var seed: UInt = 1

  @OptionGroup var output: OutputOptions

  func validate() throws {
    guard mu.isFinite else { throw ValidationError("--mu must be a finite number, got \(mu)") }
    guard sigma.isFinite, sigma >= 0 else { throw ValidationError("--sigma must be finite and >= 0, got \(sigma)") }
    if let mc, mc < 2 { throw ValidationError("--mc needs at least 2 samples, got \(mc)") }
  }

  func run() throws {
    let m = try activation.gaussianMoments(mu: mu, sigma: sigma)
    let mcEstimate = try mc.map { try MonteCarloMoments.estimate(activation, mu: mu, sigma: sigma, samples: $0, seed: seed) }
    if output.json {
      print(try JSONOutput.string(MomentsReport(m, monteCarlo: mcEstimate)))
      return
    }
    var columns = ["quantity", "value", "error bound"]
    if mcEstimate != nil { columns += ["Monte Carlo", "MC std. error", "z"] }
    var table = Table(
      columns: columns,
      caption: "\(activation)(X), X = \(mu) + \(sigma)·ξ — method: \(m.method.rawValue)")
    let rows: [(String, Double, Double, MonteCarloMoments.Estimate?)] = [
      ("E f(X)", m.mean, m.errorBounds.mean, mcEstimate?.mean),
      ("E f(X)^2", m.secondMoment, m.errorBounds.secondMoment, mcEstimate?.secondMoment),
      ("Var f(X)", m.variance, m.errorBounds.variance, mcEstimate?.variance),
      ("E f'(X)", m.meanSlope, m.errorBounds.meanSlope, mcEstimate?.meanSlope),
      ("bias E f(X) - f(mu)", m.bias, m.errorBounds.bias, mcEstimate?.bias),
    ]
    for (name, value, bound, est) in rows {
      var row = [name, NumberFormat.full(value), NumberFormat.short(bound)]
      if let est {
        let z = est.standardError > 0 ? (est.value - value) / est.standardError : 0
        row += [NumberFormat.full(est.value), NumberFormat.short(est.standardError), String(format: "%+.2f", z)]
      }
      table.append(row)
    }
    print(table.render(output.format), terminator: "")
  }
}

/// The JSON shape of `moments --json` (snake_case keys, one object).
struct MomentsReport: Encodable {
  var activation: String
  var mu, sigma, mean, second_moment, variance, mean_slope, bias: Double
  var method: String
  /// Largest relative error bound over mean, second moment, variance, slope.
  var error_bound: Double
  var error_bounds: [String: Double]
  var monte_carlo: MonteCarloReport?

  struct MonteCarloReport: Encodable {
    var samples: Int
    var seed: UInt
    var mean, second_moment, variance, mean_slope, bias: Double
    var mean_se, second_moment_se, variance_se, mean_slope_se, bias_se: Double
  }

  init(_ m: ActivationMoments, monteCarlo mc: MonteCarloMoments?) {
    activation = m.activation.rawValue
    mu = m.mu
    sigma = m.sigma
    mean = m.mean
    second_moment = m.secondMoment
    variance = m.variance
    mean_slope = m.meanSlope
    bias = m.bias
    method = m.method.rawValue
    error_bound = m.relativeErrorBound
    error_bounds = [
      "mean": m.errorBounds.mean, "second_moment": m.errorBounds.secondMoment,
      "variance": m.errorBounds.variance, "mean_slope": m.errorBounds.meanSlope, "bias": m.errorBounds.bias,
    ]
    monte_carlo = mc.map {
      MonteCarloReport(
        samples: $0.samples, seed: $0.seed, mean: $0.mean.value, second_moment: $0.secondMoment.value,
        variance: $0.variance.value, mean_slope: $0.meanSlope.value, bias: $0.bias.value,
        mean_se: $0.mean.standardError, second_moment_se: $0.secondMoment.standardError,
        variance_se: $0.variance.standardError, mean_slope_se: $0.meanSlope.standardError,
        bias_se: $0.bias.standardError)
    }
  }
}
