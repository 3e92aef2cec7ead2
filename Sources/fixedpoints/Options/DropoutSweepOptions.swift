import ArgumentParser
import GaussianMoments

/// `paradox --dropout state|input --rate-train ... --rate-test ...`: a sweep
/// of Bernoulli dropout rates in place of the σ grids, without additive
/// noise. `paradox` calls `check` first in its `validate()`.
struct DropoutSweepOptions: ParsableArguments {
  @Option(
    help: ArgumentHelp(
      "Sweep Bernoulli dropout instead of additive noise: state or input (as train --dropout); with --rate-train and --rate-test.",
      discussion: "No additive noise (sigma = 0); the summary's sigma columns then hold the rates. Example: fixedpoints paradox --dropout state --rate-train 0,0.1,0.2,0.3 --rate-test 0:0.5:0.05 --seeds 3"))
  var dropout: DropoutSite?

  @Option(name: .customLong("rate-train"), help: "With --dropout: training dropout rates (0...0.95), a list or a range.")
  var rateTrain: NumberList?

  @Option(name: .customLong("rate-test"), help: "With --dropout: test dropout rates (0...0.95), a list or a range.")
  var rateTest: NumberList?

  /// The grids the sweep runs: σ, or with --dropout the rates.
  func trainGrid(_ noise: SweepNoiseOptions) -> [Double] { dropout == nil ? noise.sigmaTrain.values : rateTrain?.values ?? [] }
  func testGrid(_ noise: SweepNoiseOptions) -> [Double] { dropout == nil ? noise.sigmaTest.values : rateTest?.values ?? [] }

  /// The rates, and the model and noise options a dropout sweep does not take.
  func check(model: String, noise: SweepNoiseOptions) throws {
    if dropout == nil, rateTrain != nil || rateTest != nil { throw ValidationError("--rate-train/--rate-test need --dropout state or input") }
    guard dropout != nil else { return }
    if model != "ctrnn" { throw ValidationError("--dropout applies to --model ctrnn only") }
    guard let rateTrain, let rateTest else { throw ValidationError("--dropout needs --rate-train and --rate-test") }
    for p in rateTrain.values + rateTest.values where !(p.isFinite && p >= 0 && p <= DropoutSite.maximumRate) {
      throw ValidationError("--rate-train/--rate-test values must be in 0...\(DropoutSite.maximumRate), got \(p)")
    }
    guard noise.placements == [.inside] || noise.noise == "in,out" else {
      throw ValidationError("--noise does not apply with --dropout (no additive noise)")
    }
    if noise.gated || noise.noiseLaw != .gaussian {
      throw ValidationError("--dropout runs without additive noise: --noise gated and --noise-law do not apply")
    }
  }
}
