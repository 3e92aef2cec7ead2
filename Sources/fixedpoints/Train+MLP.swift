import ArgumentParser
import Feedforward
import Foundation
import Platform
import Training

extension Train {
  /// `--model mlp`: the feedforward trainer; the CTRNN-only options (dt,
  /// tau, trial steps) do not apply and are ignored.
  func runMLP() throws {
    var o = MLPTrainer.Options(
      sizes: [MLPTask(rawValue: training.task)?.inputs ?? 1] + Array(repeating: training.hidden, count: architecture.hiddenLayers ?? 2) + [1], activation: training.activation,
      noise: noiseOptions.noise.placement, sigma: noiseOptions.sigma)
    o.iterations = training.iterations
    o.batchSize = training.batch
    o.learningRate = training.lr
    o.clipNorm = training.clip
    o.seed = seed
    let result: MLPTrainer.Result
    do { result = try MLPTrainer.train(task: training.task, options: o) } catch let e as TrainingError {
      throw ValidationError(e.description)
    }
    var net = result.net
    net.extraMetadata = [
      "trained_by": "fixedpoints train", "iterations": "\(o.iterations)", "batch": "\(o.batchSize)", "lr": "\(o.learningRate)",
      "clip": "\(o.clipNorm)",
    ]
    try net.write(toPath: output)
    if output != OutputFile.standardOutput {
      print("wrote \(output): mlp \(net.sizes.map(String.init).joined(separator: "-")) \(training.activation), noise-\(noiseOptions.noise.placement.label), sigma = \(noiseOptions.sigma), final loss \(result.finalLoss)")
    }
  }
}
