import ArgumentParser
import SDE
import CTRNN
import Foundation
import GaussianMoments
import Platform
import Training

/// `train --noise`: the two additive placements, or Gulcehre's
/// saturation-gated noise (stored as placement out with a `noise_gate`),
/// or dropout on the state alone (`--dropout state`, σ 0).
enum TrainNoise: String, ExpressibleByArgument, CaseIterable {
  case inside = "in", outside = "out", gated, dropout
  var placement: NoisePlacement { self == .inside || self == .dropout ? .inside : .outside }
}

extension GateSite: ExpressibleByArgument {}

extension SigmaSchedule: ExpressibleByArgument {}

struct Train: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Train a noisy CTRNN by BPTT and write its checkpoint.",
    discussion: """
      Mini-batch BPTT through the noisy dynamics (noise drawn once per step and
      held for the backward pass), Adam with gradient-norm clipping. Same
      --seed, same checkpoint bytes. The checkpoint is written atomically and
      records activation, noise placement, sigma_train, dt, tau, task, seed
      and the final loss (on a fixed evaluation batch at sigma_train).
      -o is checked before training starts; -o - writes the checkpoint to stdout.
      Example: fixedpoints train --task function --noise in --sigma 0.5 --hidden 64 --iterations 3000 --seed 1 -o model.ckpt
      --model mlp trains a feedforward network instead (function task; --hidden
      units in each of --hidden-layers layers; backprop through the noisy pass;
      dt and tau do not apply) for analyze-mlp; --task moons with --model mlp is
      two-moons classification (2 inputs, one logit, logistic loss).
      --model dae trains Bricken et al.'s ReLU denoising autoencoder (--hidden
      units; synthetic sparse-pattern data, 32 inputs; noise of sd --sigma on
      the input) for analyze and dae-sparsity.
      """)

  @OptionGroup var training: TrainingArguments

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

  @Option(help: "Seed of the weights, the data and the noise.")
  var seed: UInt64 = 1

  @Option(
    name: .customLong("noise-law"),
    help: "Law of the noise variate xi, scaled so sigma stays its standard deviation: gaussian (default), laplace, half-normal (uncentred, mean 1.3236 sigma), salt-and-pepper (0 w.p. 0.9, +-sqrt(10) sigma w.p. 0.05 each). Recorded in the checkpoint (noise_law).")
  var noiseLaw: NoiseLaw = .gaussian
  @OptionGroup var dropoutOptions: DropoutTrainingOptions

  @Option(name: [.customShort("o"), .customLong("out")], help: "Checkpoint file to write (required).")
  var out: String?

  /// The old name of --out, accepted and not shown.
  @Option(name: .customLong("output"), help: .hidden)
  var oldOutput: String?

  var gate: NoiseGate { NoiseGate(alpha: gateAlpha, p: gateP, site: gateSite) }

  /// The dropout options, with --noise dropout read as --dropout state.
  var dropoutArguments: DropoutTrainingOptions {
    var d = dropoutOptions
    if noise == .dropout { d.dropout = .state }
    return d
  }

  /// The checkpoint path, under either name (validate makes sure there is one).
  var output: String { out ?? oldOutput ?? "" }

  @Option(help: "Model: ctrnn (default), mlp (feedforward: --hidden units in each of --hidden-layers layers, task function) or dae (denoising autoencoder, input noise).")
  var model = "ctrnn"

  @Option(name: .customLong("hidden-layers"), help: "mlp: number of hidden layers (default 2).")
  var hiddenLayers: Int?

  @Option(help: "f64 (default) or f32: the precision of BPTT (ctrnn; the loss is summed and Adam run in f64; f32 draws other noise from the same streams; Gaussian noise only, and half-normal with --noise gated).")
  var precision: Precision = .f64

  func validate() throws {
    try checkRenamed(out, oldOutput, current: "-o/--out", old: "--output")
    try dropoutOptions.checkRate(noiseIsDropout: noise == .dropout)
    if noise == .dropout {
      if dropoutOptions.dropout != nil { throw ValidationError("--noise dropout is --dropout state; give one of them") }
      if let s = sigmaOption, s != 0 {
        throw ValidationError("--noise dropout trains with dropout alone (--sigma 0); for dropout plus Gaussian noise use --noise in|out --dropout state")
      }
      if dropoutOptions.rate == nil { throw ValidationError("--noise dropout needs --rate (the dropout probability p)") }
    }
    let dropoutOptions = dropoutArguments
    guard out != nil || oldOutput != nil else { throw ValidationError("Missing expected argument '-o/--out <file>'") }
    do {
      var options = try dropoutOptions.apply(
        to: training.options(noise: noise.placement, sigma: sigma, seed: seed, law: noiseLaw, gate: noise == .gated ? gate : nil))
      options.precision = model == "ctrnn" ? precision : .f64
      try options.validate()
      try dropoutOptions.adaptive(sigma: sigma)?.validate()
    } catch {
      throw ValidationError("\(error)")
    }
    if model != "ctrnn", dropoutOptions.dropout != nil { throw ValidationError("--dropout applies to --model ctrnn only") }
    if dropoutOptions.dropout != nil, noise == .gated || noiseLaw != .gaussian || sigmaSchedule != .constant {
      throw ValidationError("--dropout combines with Gaussian noise in or out only (not --noise gated, --noise-law, --sigma-schedule)")
    }
    if noise == .gated {
      if let problem = gate.problem(activation: training.activation) { throw ValidationError("--noise gated: \(problem)") }
      guard [.gaussian, .halfNormal].contains(noiseLaw) else {
        throw ValidationError("--noise-law \(noiseLaw.rawValue): gated noise takes gaussian or half-normal (Gulcehre et al.'s two)")
      }
      if learnGate, sigma <= 0 { throw ValidationError("--learn-gate needs --sigma > 0 (p only scales the noise)") }
      if learnGate, precision != .f64 { throw ValidationError("--learn-gate trains in f64 only") }
    } else if gateAlpha != 1 || gateP != 1 || gateSite != .output || learnGate {
      throw ValidationError("--gate-alpha, --gate-p, --gate-site and --learn-gate apply to --noise gated only")
    }
    if model == "mlp", noise == .gated || sigmaSchedule != .constant {
      throw ValidationError("--noise gated and --sigma-schedule apply to --model ctrnn only")
    }
    try OutputPath.validate(output, option: "-o/--out")
    guard ["ctrnn", "mlp", "dae"].contains(model) else { throw ValidationError("--model must be ctrnn, mlp or dae, got '\(model)'") }
    if model != "ctrnn", noiseLaw != .gaussian { throw ValidationError("--noise-law applies to --model ctrnn only") }
    if model == "dae" {
      if hiddenLayers != nil { throw ValidationError("--hidden-layers applies to --model mlp only") }
      if training.trialSteps != nil { throw ValidationError("--trial-steps applies to --model ctrnn only") }
      guard (1...4096).contains(training.hidden) else { throw ValidationError("--hidden must be in 1...4096 for --model dae, got \(training.hidden)") }
    }
    if model == "ctrnn", hiddenLayers != nil { throw ValidationError("--hidden-layers applies to --model mlp only") }
    if model != "ctrnn", precision != .f64 { throw ValidationError("--precision f32 applies to --model ctrnn only") }
    if precision == .f32, noiseLaw != .gaussian, !(noise == .gated && noiseLaw == .halfNormal) {
      throw ValidationError("--precision f32 trains with Gaussian noise only (and half-normal with --noise gated); use f64 with --noise-law \(noiseLaw.rawValue)")
    }
    if model != "mlp", training.isFeedforwardOnlyTask { throw ValidationError("--task \(training.task) applies to --model mlp only") }
    if model == "mlp" {
      guard MLPTask(rawValue: training.task) != nil else {
        throw ValidationError("--task \(training.task): --model mlp trains \(MLPTask.allCases.map(\.rawValue).joined(separator: " or ")) only")
      }
      if training.trialSteps != nil { throw ValidationError("--trial-steps applies to --model ctrnn only") }
      if let hiddenLayers, !(1...16).contains(hiddenLayers) {
        throw ValidationError("--hidden-layers must be in 1...16, got \(hiddenLayers)")
      }
      guard (1...4096).contains(training.hidden) else { throw ValidationError("--hidden must be in 1...4096 for --model mlp, got \(training.hidden)") }
    }
  }

  func run() throws {
    if model == "mlp" { return try runMLP() }
    if model == "dae" { return try runDAE() }
    let task = try training.makeTask()
    let dropoutOptions = dropoutArguments
    var options = try dropoutOptions.apply(
      to: training.options(
        noise: noise.placement, sigma: sigma, seed: seed, law: noiseLaw, gate: noise == .gated ? gate : nil, schedule: sigmaSchedule))
    options.precision = precision
    if let adaptive = dropoutOptions.adaptive(sigma: sigma) { return try runLearnedNoise(task, options, adaptive) }
    if learnGate { return try runLearnedGate(task, options) }
    let noiseText = noise == .dropout ? "no additive noise"
      : noiseLaw == .gaussian && noise != .gated ? "noise-\(noise.rawValue)" : "noise-\(noise.rawValue) (\(noiseLaw.label))"
    let progress = Progress(label: "train \(task.name) \(noiseText) sigma=\(sigma)", total: options.iterations)
    let result: TrainingResult
    do {
      defer { progress.finish() }
      result = try Trainer.train(task: task, options: options, progressEvery: max(1, options.iterations / 200)) { p in
        let rate = Double(p.iteration) / max(progress.elapsed, 1e-9)
        let eta = Double(p.iterations - p.iteration) / max(rate, 1e-9)
        progress.update(done: p.iteration, detail: String(format: "loss %.4g  %.1f iterations/s  ETA %.0fs", p.loss, rate, eta))
      }
    } catch let e as TrainingError {
      throw ValidationError(e.description)
    }
    // A task with parts (multitask's rules): the loss of each, in the metadata and the summary.
    var metadata = training.metadata(task: task), partLine = ""
    if let task = task as? any TaskWithParts {
      let parts = try Trainer.partLosses(
        result.parameters, task: task, dynamics: options.dynamics, trials: options.evaluationTrials, seed: seed &+ 3)
      metadata["loss_per_part"] = parts.map { "\($0.name)=\($0.loss)" }.joined(separator: ",")
      partLine = "\nloss per rule: " + parts.map { "\($0.name) \(String(format: "%.4g", $0.loss))" }.joined(separator: ", ")
    }
    let checkpoint = try result.parameters.checkpoint(
      dynamics: options.dynamics, task: task.name, seed: seed, loss: result.finalLoss,
      extraMetadata: metadata.merging(sigmaSchedule == .constant ? [:] : ["sigma_schedule": sigmaSchedule.rawValue]) { $1 })
    try checkpoint.write(toPath: output)
    // With -o - the checkpoint is stdout; the summary would corrupt it.
    if output != OutputFile.standardOutput {
      print("wrote \(output): \(task.name), \(options.hidden) \(training.activation) units, \(noiseText), sigma = \(sigma)\(dropoutOptions.summary), final loss \(result.finalLoss)" + partLine)
    }
  }
}
