import ArgumentParser
import GaussianMoments
import SDE
import Training

/// What `train` trains: --model (the CTRNN, a feedforward MLP or a denoising
/// autoencoder), --hidden-layers of an MLP, and --precision of the CTRNN's
/// BPTT. `train` calls `check` from its `validate()`, after its other checks.
struct TrainModelOptions: ParsableArguments {
  @Option(help: "Model: ctrnn (default), mlp (feedforward: --hidden units in each of --hidden-layers layers, task function) or dae (denoising autoencoder, input noise).")
  var model = "ctrnn"

  @Option(name: .customLong("hidden-layers"), help: "mlp: number of hidden layers (default 2).")
  var hiddenLayers: Int?

  @Option(help: "f64 (default) or f32: the precision of BPTT (ctrnn; the loss is summed and Adam run in f64; f32 draws other noise from the same streams; Gaussian noise only, and half-normal with --noise gated).")
  var precision: Precision = .f64

  /// The model against the network and noise options it does or does not take.
  func check(training: TrainingArguments, noise: TrainNoise, law: NoiseLaw) throws {
    guard ["ctrnn", "mlp", "dae"].contains(model) else { throw ValidationError("--model must be ctrnn, mlp or dae, got '\(model)'") }
    if model != "ctrnn", law != .gaussian { throw ValidationError("--noise-law applies to --model ctrnn only") }
    if model == "dae" {
      if hiddenLayers != nil { throw ValidationError("--hidden-layers applies to --model mlp only") }
      if training.trialSteps != nil { throw ValidationError("--trial-steps applies to --model ctrnn only") }
      guard (1...4096).contains(training.hidden) else { throw ValidationError("--hidden must be in 1...4096 for --model dae, got \(training.hidden)") }
    }
    if model == "ctrnn", hiddenLayers != nil { throw ValidationError("--hidden-layers applies to --model mlp only") }
    if model != "ctrnn", precision != .f64 { throw ValidationError("--precision f32 applies to --model ctrnn only") }
    if precision == .f32, law != .gaussian, !(noise == .gated && law == .halfNormal) {
      throw ValidationError("--precision f32 trains with Gaussian noise only (and half-normal with --noise gated); use f64 with --noise-law \(law.rawValue)")
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
}
