import ArgumentParser
import GaussianMoments
import SDE
import Training

/// `train --noise`: the two additive placements, or Gulcehre's
/// saturation-gated noise (stored as placement out with a `noise_gate`),
/// or dropout on the state alone (`--dropout state`, σ 0).
enum TrainNoise: String, ExpressibleByArgument, CaseIterable {
  case inside = "in", outside = "out", gated, dropout
  var placement: NoisePlacement { self == .inside || self == .dropout ? .inside : .outside }
}

extension SigmaSchedule: ExpressibleByArgument {}

/// `train`'s noise kind and level: --noise, the gate of --noise gated
/// (--gate-alpha, --gate-p, --gate-site, --learn-gate), --sigma-schedule and
/// --sigma. Its checks involve other groups' options (the law, the dropout,
/// the model), so `train` calls them in its own `validate()`, in order,
/// rather than ArgumentParser calling a `validate()` of this group first.
struct TrainNoiseOptions: ParsableArguments {
  @Option(help: "Noise placement: in (inside f), out (outside f), or gated (Gulcehre et al. 2016: the unit's output is phi(x, xi) = alpha h(x) + (1 - alpha) u(x) + d(x) sigma G(x) xi, noise only where h saturates, G = 4 (sigmoid(p Delta) - 1/2)^2 in [0, 1), so sigma is the largest noise SD; --activation hardtanh or hardsigmoid; --gate-alpha, --gate-p, --gate-site, --learn-gate; --noise-law gaussian or half-normal); or dropout (= --dropout state with --sigma 0: Bernoulli dropout on the state as the only noise; needs --rate).")
  var noise: TrainNoise = .inside

  @Option(name: .customLong("gate-alpha"), help: "gated: alpha, the mix of h and its linearisation u (default 1).")
  var gateAlpha = 1.0

  @Option(name: .customLong("gate-p"), help: "gated: p, the slope of the gate in the saturation Delta = h - u (default 1, > 0).")
  var gateP = 1.0

  @Option(name: .customLong("gate-site"), help: "gated: where the gated noise enters: output (default; phi as above, Eq. 12) or input (phi = h(x + d(x) sigma G(x) xi): noise into h's input, their Eq. 14 with Eq. 9's scale; NANIL with --learn-gate). Eq. 14 with a constant sigma (NANI) is --noise in.")
  var gateSite: GateSite = .output

  @Flag(name: .customLong("learn-gate"), help: "gated: learn the gate's p (one scalar, their Eq. 9) with the weights by BPTT, starting at --gate-p; the checkpoint records the learned p as gate_p (and gate_p_start), which analyze uses.")
  var learnGate = false

  @Option(name: .customLong("sigma-schedule"), help: "Noise annealing: constant (default), linear or cosine from --sigma at the first iteration to 0 at the last (recorded as sigma_schedule; sigma_train is the starting sigma).")
  var sigmaSchedule: SigmaSchedule = .constant

  @Option(name: .customLong("sigma"), help: "Training noise sigma (>= 0; default 0.5, 0 with --noise dropout): standard deviation of the Gaussian added at every step, to the pre-activation (in) or to f (out); not scaled by dt.")
  var sigmaOption: Double?

  var sigma: Double { sigmaOption ?? (noise == .dropout ? 0 : 0.5) }

  var gate: NoiseGate { NoiseGate(alpha: gateAlpha, p: gateP, site: gateSite) }

  /// The gate the dynamics carry: nil unless --noise gated.
  var dynamicsGate: NoiseGate? { noise == .gated ? gate : nil }

  /// The dropout options, with --noise dropout read as --dropout state.
  func dropout(_ options: DropoutTrainingOptions) -> DropoutTrainingOptions {
    var d = options
    if noise == .dropout { d.dropout = .state }
    return d
  }

  /// --noise dropout against the dropout options as given.
  func checkDropoutNoise(_ dropoutOptions: DropoutTrainingOptions) throws {
    try dropoutOptions.checkRate(noiseIsDropout: noise == .dropout)
    guard noise == .dropout else { return }
    if dropoutOptions.dropout != nil { throw ValidationError("--noise dropout is --dropout state; give one of them") }
    if let s = sigmaOption, s != 0 {
      throw ValidationError("--noise dropout trains with dropout alone (--sigma 0); for dropout plus Gaussian noise use --noise in|out --dropout state")
    }
    if dropoutOptions.rate == nil { throw ValidationError("--noise dropout needs --rate (the dropout probability p)") }
  }

  /// The noise kind against the law, the dropout (`dropout(_:)`'s), the
  /// activation, the precision and the model.
  func check(law: NoiseLaw, dropout: DropoutSite?, activation: Activation, precision: Precision, model: String) throws {
    if dropout != nil, noise == .gated || law != .gaussian || sigmaSchedule != .constant {
      throw ValidationError("--dropout combines with Gaussian noise in or out only (not --noise gated, --noise-law, --sigma-schedule)")
    }
    if noise == .gated {
      try gate.check(noise: noise.rawValue, law: law, activation: activation)
      if learnGate, sigma <= 0 { throw ValidationError("--learn-gate needs --sigma > 0 (p only scales the noise)") }
      if learnGate, precision != .f64 { throw ValidationError("--learn-gate trains in f64 only") }
    } else if gateAlpha != 1 || gateP != 1 || gateSite != .output || learnGate {
      throw ValidationError("--gate-alpha, --gate-p, --gate-site and --learn-gate apply to --noise gated only")
    }
    if model == "mlp", noise == .gated || sigmaSchedule != .constant {
      throw ValidationError("--noise gated and --sigma-schedule apply to --model ctrnn only")
    }
  }

  /// "noise-in", "noise-gated (half-normal)", "no additive noise": the run's noise in the progress and summary lines.
  func label(law: NoiseLaw) -> String {
    noise == .dropout ? "no additive noise"
      : law == .gaussian && noise != .gated ? "noise-\(noise.rawValue)" : "noise-\(noise.rawValue) (\(law.label))"
  }
}
