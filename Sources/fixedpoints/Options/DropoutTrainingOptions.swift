import ArgumentParser
import GaussianMoments
import Training

extension DropoutSite: ExpressibleByArgument {}

/// `train --dropout state|input --rate p`: Bernoulli dropout with inverted
/// scaling, a fresh mask every step (drawn once per iteration and held for
/// the backward pass, like the noise), besides the additive noise of
/// --noise/--sigma (give --sigma 0 for dropout alone).
struct DropoutTrainingOptions: ParsableArguments {
  @Option(
    help: ArgumentHelp(
      "Bernoulli dropout: state (the state W_rec sees, x = W_rec (m*h)/(1-p) + ...) or input (f's input, f(m*x/(1-p))); with --rate.",
      discussion: "Example: fixedpoints train --dropout state --rate 0.2 --sigma 0 -o drop.ckpt. The checkpoint records dropout and dropout_rate; analyze then reports the dropout closure next to the chain."))
  var dropout: DropoutSite?

  @Option(help: "Dropout rate p (probability a unit is dropped each step), in 0...0.95; needs --dropout.")
  var rate: Double?

  @Flag(
    name: .customLong("learn-noise"),
    help: "Learn each unit's noise sigma_i and dropout rate p_i with the weights (needs --dropout, --rate and --sigma > 0, which are the prior and the start; see --noise-kl).")
  var learnNoise = false

  @Option(
    name: .customLong("noise-kl"),
    help: ArgumentHelp(
      "With --learn-noise: weight beta of the KL term pulling sigma_i, p_i to --sigma, --rate (default 0.01).",
      discussion: "Objective: task loss + beta/N sum_i [KL(N(0,sigma_i^2)||N(0,sigma^2)) + KL(Bern(p_i)||Bern(p))]; sigma_i = exp(rho_i) by the Gaussian reparameterization, p_i by the concrete (relaxed Bernoulli, temperature 0.1) relaxation; the checkpoint records noise_sigmas and dropout_rates."))
  var noiseKL: Double?

  func validate() throws {
    if noiseKL != nil, !learnNoise { throw ValidationError("--noise-kl needs --learn-noise") }
    if learnNoise, dropout == nil { throw ValidationError("--learn-noise needs --dropout state or --dropout input, and --rate") }
    if dropout != nil, rate == nil { throw ValidationError("--dropout needs --rate (the dropout probability p)") }
  }

  /// --rate without a dropout: checked by `train`, which knows whether
  /// --noise dropout supplies it.
  func checkRate(noiseIsDropout: Bool) throws {
    if rate != nil, dropout == nil, !noiseIsDropout {
      throw ValidationError("--rate needs --dropout state or --dropout input (or --noise dropout)")
    }
  }

  func apply(to options: TrainingOptions) throws -> TrainingOptions {
    var o = options
    o.dynamics.dropout = dropout
    o.dynamics.dropoutRate = dropout == nil ? 0 : rate ?? 0
    return o
  }

  /// The learned-noise options, nil without --learn-noise.
  func adaptive(sigma: Double) -> AdaptiveNoise.Options? {
    guard learnNoise, let rate else { return nil }
    return AdaptiveNoise.Options(priorSigma: sigma, priorRate: rate, klWeight: noiseKL ?? 0.01)
  }

  /// ", dropout on the state p = 0.2" for the summary line; empty without dropout.
  var summary: String {
    guard let dropout, let rate else { return "" }
    return ", \(dropout.label) p = \(rate)"
  }
}
