import ArgumentParser
import CTRNN
import Foundation
import Platform
import Training

extension Train {
  /// `train --noise gated --learn-gate`: the weights and the gate's p
  /// together (`GateTrainer`); the checkpoint records the learned p as
  /// `gate_p` (what `analyze` reads) and the starting one as `gate_p_start`.
  func runLearnedGate(_ task: any TrainingTask, _ options: TrainingOptions) throws {
    let progress = Progress(label: "train \(task.name) gated-\(noiseOptions.gateSite.rawValue) learned p", total: options.iterations)
    let result: GateTrainer.Result
    do {
      defer { progress.finish() }
      result = try GateTrainer.train(task: task, options: options) { p in
        progress.update(done: p.iteration, detail: String(format: "loss %.4g", p.loss))
      }
    } catch let e as TrainingError {
      throw ValidationError(e.description)
    }
    var extra = training.metadata(task: task)
    extra["gate_p_start"] = "\(noiseOptions.gateP)"
    if noiseOptions.sigmaSchedule != .constant { extra["sigma_schedule"] = noiseOptions.sigmaSchedule.rawValue }
    var dynamics = options.dynamics
    dynamics.gate = result.gate
    let checkpoint = try result.parameters.checkpoint(
      dynamics: dynamics, task: task.name, seed: seed, loss: result.finalLoss, extraMetadata: extra)
    try checkpoint.write(toPath: output)
    if output != OutputFile.standardOutput {
      print("wrote \(output): \(task.name), \(options.hidden) \(training.activation.rawValue) units, noise-gated-\(noiseOptions.gateSite.rawValue) "
        + "(\(noiseLaw.label)), sigma = \(noiseOptions.sigma), learned p \(String(format: "%.4g", result.gate.p)) (from \(noiseOptions.gateP)), final loss \(result.finalLoss)")
    }
  }
}
