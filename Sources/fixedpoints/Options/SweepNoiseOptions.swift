import ArgumentParser
import CTRNN
import GaussianMoments

/// `paradox`'s additive noise: the placements swept (--noise, with the gate
/// of a gated sweep, --gate-p), their law (--noise-law) and the σ grids
/// (--sigma-train, --sigma-test). `paradox` calls `check` from its
/// `validate()`, after the dropout checks, to keep the order of its messages.
struct SweepNoiseOptions: ParsableArguments {
  @Option(help: "Noise placements, comma-separated: in, out; or gated alone (Gulcehre's saturation-gated noise, alpha = 1, p = 1, as train --noise gated; --activation hardtanh or hardsigmoid); or gated-input alone (the gate at h's input, as train --noise gated --gate-site input).")
  var noise = "in,out"

  @Option(name: .customLong("gate-p"), help: "gated, gated-input: the gate's p (default 1; > 0).")
  var gateP = 1.0

  @Option(
    name: .customLong("noise-law"),
    help: "Law of the noise of every job, sigma its SD (as train --noise-law): gaussian (default), laplace, half-normal, salt-and-pepper.")
  var noiseLaw: NoiseLaw = .gaussian

  @Option(name: .customLong("sigma-train"), help: "Training noise levels (sd per step, as train --sigma): a list 0,0.5, a range start:stop:step, or both.")
  var sigmaTrain = NumberList([0, 0.25, 0.5, 1.0])

  @Option(name: .customLong("sigma-test"), help: "Test noise levels (sd per step): a list 0,0.5, a range start:stop:step, or both.")
  var sigmaTest = NumberList(stride(from: 0.0, through: 1.0, by: 0.1).map(NumberList.tidy))

  /// The placements asked for, each once, in the order given.
  var placementNames: [String] {
    var seen = Set<String>()
    return noise.split(separator: ",", omittingEmptySubsequences: false).map { String($0) }.filter { seen.insert($0).inserted }
  }

  var gated: Bool { placementNames == ["gated"] || placementNames == ["gated-input"] }

  /// The gate of a gated sweep: `--noise gated-input` puts it at h's input.
  var gate: NoiseGate { NoiseGate(p: gateP, site: placementNames == ["gated-input"] ? .input : .output) }

  var placements: [NoisePlacement] { gated ? [.outside] : placementNames.compactMap(NoisePlacement.init(rawValue:)) }

  /// The placements, the gate and the σ grids, for networks of `activation`.
  func check(activation: Activation) throws {
    for p in placementNames where NoisePlacement(rawValue: p) == nil && !gated {
      throw ValidationError(
        p.hasPrefix("gated") ? "--noise \(p) runs alone (a sweep of gated noise), not with in/out" : "--noise: unknown placement '\(p)'; use in, out, in,out, gated or gated-input")
    }
    if gated { try gate.check(noise: noise, law: noiseLaw, activation: activation) }
    if !gated, gateP != 1 { throw ValidationError("--gate-p applies to --noise gated or gated-input only") }
    guard !placements.isEmpty else { throw ValidationError("--noise needs at least one placement") }
    for s in sigmaTrain.values + sigmaTest.values where !(s.isFinite && s >= 0 && s <= NetworkAnalysis.Options.maximumSigma) {
      throw ValidationError("--sigma-train/--sigma-test values must be finite and in 0...\(NetworkAnalysis.Options.maximumSigma), got \(s)")
    }
  }
}
