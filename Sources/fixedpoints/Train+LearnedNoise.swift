import ArgumentParser
import CTRNN
import Foundation
import Platform
import Training

extension Train {
  /// `train --learn-noise`: weights, σᵢ and pᵢ together (`AdaptiveNoiseTrainer`);
  /// the checkpoint records the learned per-unit values.
  func runLearnedNoise(_ task: any TrainingTask, _ options: TrainingOptions, _ adaptive: AdaptiveNoise.Options) throws {
    let progress = Progress(label: "train \(task.name) learned noise", total: options.iterations)
    let result: AdaptiveNoiseTrainer.Result
    do {
      defer { progress.finish() }
      result = try AdaptiveNoiseTrainer.train(task: task, options: options, adaptive: adaptive) { p in
        progress.update(done: p.iteration, detail: String(format: "loss %.4g", p.loss))
      }
    } catch let e as TrainingError {
      throw ValidationError(e.description)
    }
    var extra = training.metadata(task: task)
    extra["noise_kl"] = "\(adaptive.klWeight)"
    let checkpoint = try result.parameters.checkpoint(
      dynamics: options.dynamics, task: task.name, seed: seed, loss: result.finalLoss, extraMetadata: extra)
      .withLearnedNoise(sigmas: result.noise.sigmas, rates: result.noise.rates)
    try checkpoint.write(toPath: output)
    if output != OutputFile.standardOutput {
      let s = result.noise.sigmas, p = result.noise.rates
      let f = { (x: Double) in String(format: "%.3g", x) }
      print("wrote \(output): \(task.name), \(options.hidden) \(training.activation.rawValue) units, noise-\(noiseOptions.noise.placement.label), "
        + "learned sigma_i \(f(s.min() ?? 0))..\(f(s.max() ?? 0)) (RMS \(f(checkpoint.sigmaTrain))), "
        + "\(options.dynamics.dropout?.label ?? "") p_i \(f(p.min() ?? 0))..\(f(p.max() ?? 0)), final loss \(result.finalLoss)")
    }
  }
}
