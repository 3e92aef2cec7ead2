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

  func validate() throws {
    if rate != nil, dropout == nil { throw ValidationError("--rate needs --dropout state or --dropout input") }
    if dropout != nil, rate == nil { throw ValidationError("--dropout needs --rate (the dropout probability p)") }
  }

  func apply(to options: TrainingOptions) throws -> TrainingOptions {
    var o = options
    o.dynamics.dropout = dropout
    o.dynamics.dropoutRate = dropout == nil ? 0 : rate ?? 0
    return o
  }

  /// ", dropout on the state p = 0.2" for the summary line; empty without dropout.
  var summary: String {
    guard let dropout, let rate else { return "" }
    return ", \(dropout.label) p = \(rate)"
  }
}
