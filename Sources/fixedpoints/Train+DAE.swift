import ArgumentParser
import Feedforward
import Foundation
import Platform
import Training

extension Train {
  /// `--model dae`: Bricken's shallow ReLU denoising autoencoder on the
  /// synthetic sparse-pattern data (32 inputs, 16 dictionary features, each
  /// on with probability 0.1), --hidden units, Gaussian noise of sd --sigma
  /// on the input; --noise, --activation, dt, tau and the task do not apply.
  func runDAE() throws {
    var o = DAETrainer.Options(sigma: noiseOptions.sigma)
    o.hidden = training.hidden
    o.iterations = training.iterations
    o.batchSize = training.batch
    o.learningRate = training.lr
    o.seed = seed
    let result: DAETrainer.Result
    do { result = try DAETrainer.train(o) } catch let e as TrainingError { throw ValidationError(e.description) }
    var dae = result.dae
    dae.extraMetadata = [
      "trained_by": "fixedpoints train", "iterations": "\(o.iterations)", "batch": "\(o.batchSize)", "lr": "\(o.learningRate)",
      "clip": "\(o.clipNorm)",
    ]
    try dae.write(toPath: output)
    if output != OutputFile.standardOutput {
      print("wrote \(output): dae \(dae.inputSize)-\(dae.hiddenSize)-\(dae.inputSize) relu, input noise sigma = \(noiseOptions.sigma), final loss \(result.finalLoss)")
    }
  }
}
