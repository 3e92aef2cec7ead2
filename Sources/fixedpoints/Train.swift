import ArgumentParser
import SDE
import CTRNN
import Foundation
import GaussianMoments
import Platform
import Training

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

  @OptionGroup var noiseOptions: TrainNoiseOptions

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

  /// The checkpoint path, under either name (validate makes sure there is one).
  var output: String { out ?? oldOutput ?? "" }

  @OptionGroup var architecture: TrainModelOptions

  func validate() throws {
    try checkRenamed(out, oldOutput, current: "-o/--out", old: "--output")
    try noiseOptions.checkDropoutNoise(dropoutOptions)
    let dropoutOptions = noiseOptions.dropout(dropoutOptions)
    guard out != nil || oldOutput != nil else { throw ValidationError("Missing expected argument '-o/--out <file>'") }
    let sigma = noiseOptions.sigma
    do {
      var options = try dropoutOptions.apply(
        to: training.options(noise: noiseOptions.noise.placement, sigma: sigma, seed: seed, law: noiseLaw, gate: noiseOptions.dynamicsGate))
      options.precision = architecture.model == "ctrnn" ? architecture.precision : .f64
      try options.validate()
      try dropoutOptions.adaptive(sigma: sigma)?.validate()
    } catch {
      throw ValidationError("\(error)")
    }
    if architecture.model != "ctrnn", dropoutOptions.dropout != nil { throw ValidationError("--dropout applies to --model ctrnn only") }
    try noiseOptions.check(
      law: noiseLaw, dropout: dropoutOptions.dropout, activation: training.activation, precision: architecture.precision,
      model: architecture.model)
    try OutputPath.validate(output, option: "-o/--out")
    try architecture.check(training: training, noise: noiseOptions.noise, law: noiseLaw)
  }

  func run() throws {
    if architecture.model == "mlp" { return try runMLP() }
    if architecture.model == "dae" { return try runDAE() }
    let task = try training.makeTask()
    let dropoutOptions = noiseOptions.dropout(dropoutOptions)
    let sigma = noiseOptions.sigma, sigmaSchedule = noiseOptions.sigmaSchedule
    var options = try dropoutOptions.apply(
      to: training.options(
        noise: noiseOptions.noise.placement, sigma: sigma, seed: seed, law: noiseLaw, gate: noiseOptions.dynamicsGate, schedule: sigmaSchedule))
    options.precision = architecture.precision
    if let adaptive = dropoutOptions.adaptive(sigma: sigma) { return try runLearnedNoise(task, options, adaptive) }
    if noiseOptions.learnGate { return try runLearnedGate(task, options) }
    let noiseText = noiseOptions.label(law: noiseLaw)
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
