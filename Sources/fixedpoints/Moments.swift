import ArgumentParser
import GaussianMoments
import GSL
import Reports

extension Activation: ExpressibleByArgument {
  public static var allValueStrings: [String] { allCases.map(\.rawValue) }
}

extension NoiseLaw: ExpressibleByArgument {
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
      Example: fixedpoints moments --activation relu --mu 0.3 --sigma 0.5
      """)

  @Option(help: "Activation: \(Activation.allCases.map(\.rawValue).joined(separator: ", ")).")
  var activation: Activation

  @Option(help: "Mean mu of the pre-activation X.")
  var mu: Double

  @Option(help: "Standard deviation sigma of the pre-activation noise (>= 0), in the units of X.")
  var sigma: Double

  @Option(help: "Also estimate every moment from N Monte-Carlo samples, with standard errors.")
  var mc: Int?

  @Option(help: "Seed of the Monte-Carlo samples (GSL mt19937).")
  var seed: UInt = 1

  @Option(help: "Law of xi (SD 1): gaussian, laplace, half-normal (uncentred), salt-and-pepper (0 w.p. 0.9, +-sqrt(10) w.p. 0.05 each). Laplace, half-normal: quadrature against the law's density; salt-and-pepper: the exact three-term sum.")
  var noiseLaw: NoiseLaw = .gaussian

  @OptionGroup var output: OutputOptions

  func validate() throws {
    guard mu.isFinite else { throw ValidationError("--mu must be a finite number, got \(mu)") }
    guard sigma.isFinite, sigma >= 0 else { throw ValidationError("--sigma must be finite and >= 0, got \(sigma)") }
    // A time bound, not a memory one (samples are streamed): 10⁸ samples take
    // seconds and give standard errors of 10⁻⁴ of the spread.
    if let mc, !(2...100_000_000).contains(mc) { throw ValidationError("--mc must be in 2...100000000 samples, got \(mc)") }
    if mc != nil, !noiseLaw.isGaussian { throw ValidationError("--mc is only available with --noise-law gaussian so far") }
  }

  func run() throws {
    if !noiseLaw.isGaussian {
      let integrator = try Integrator(limit: 2000, absoluteTolerance: 1e-15, relativeTolerance: 1e-12)
      integrator.acceptsRoundoff = true
      let m = try activation.lawMoments(mu: mu, sigma: sigma, law: noiseLaw, integrator: integrator)
      return try output.emit(LawMomentsReport(m), stage: "the moments")
    }
    let m = try activation.gaussianMoments(mu: mu, sigma: sigma)
    let mcEstimate = try mc.map { try MonteCarloMoments.estimate(activation, mu: mu, sigma: sigma, samples: $0, seed: seed) }
    try output.emit(MomentsReport(m, monteCarlo: mcEstimate), stage: "the moments")
  }
}
