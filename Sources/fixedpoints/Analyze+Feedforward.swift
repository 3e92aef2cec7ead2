import ArgumentParser
import Feedforward
import Foundation
import Reports

extension Analyze {
  /// The model kinds `analyze` reads, by their `architecture` metadata.
  static let architectures = ["ctrnn", MLP.architecture, DenoisingAutoencoder.architecture]

  /// A checkpoint whose metadata names another architecture than ctrnn:
  /// the feedforward analysis with the options that apply to it (the
  /// CTRNN's ensemble, search, scheme and file options are refused by
  /// name rather than ignored).
  func runFeedforward(architecture: String, path: String) throws {
    guard Self.architectures.contains(architecture) else {
      throw ValidationError(
        "\(path): architecture '\(architecture)' is not one analyze reads (\(Self.architectures.joined(separator: ", ")))")
    }
    var ctrnnOnly: [String] = []
    if schemeOptions.schemes != "chain" { ctrnnOnly.append("--schemes") }
    if slowPoints != nil { ctrnnOnly.append("--slow-points") }
    if destination.out != nil { ctrnnOnly.append("-o/--out") }
    if simulation.trajectories != Defaults.trajectories { ctrnnOnly.append("--trajectories") }
    if simulation.steps != Defaults.steps { ctrnnOnly.append("--steps") }
    if simulation.burnIn != Defaults.burnIn { ctrnnOnly.append("--burn-in") }
    if let first = ctrnnOnly.first {
      throw ValidationError("\(first) applies to CTRNN checkpoints; \(path) is an \(architecture) (its simulation is --samples forward passes)")
    }
    if architecture == DenoisingAutoencoder.architecture { return try runDAE(path: path) }
    let conditions = input.flatMap(\.conditions)
    guard conditions.count <= 1 else {
      throw ValidationError("--input: an \(architecture) checkpoint is analysed at one input; got \(conditions.count) conditions")
    }
    let samples = self.samples ?? Self.feedforwardSamples
    guard (2...MLPSimulation.maxSamples).contains(samples) else {
      throw ValidationError("--samples must be in 2...\(MLPSimulation.maxSamples), got \(samples)")
    }
    let net = try MLP(contentsOf: URL(fileURLWithPath: path))
    try AnalyzeMLP.report(
      net, sigmas: sigmaTest.values, input: conditions.first, samples: samples, seed: UInt(simulation.seed),
      taskLoss: taskLossOptions.taskLoss, taskInputs: taskLossOptions.taskInputs, output: output)
  }

  /// A denoising autoencoder: its hidden layer's sparsity and Bricken's
  /// moments against its measured activations at every sigma_test
  /// (--samples noise draws per evaluation datum).
  func runDAE(path: String) throws {
    if taskLossOptions.taskLoss || !input.isEmpty {
      throw ValidationError("\(taskLossOptions.taskLoss ? "--task-loss" : "--input") does not apply to a dae checkpoint (it is analysed over its own data)")
    }
    let draws = samples ?? DAESparsity.defaultDraws
    let dae = try DenoisingAutoencoder(contentsOf: URL(fileURLWithPath: path))
    let analyses = try sigmaTest.values.map {
      try DAEAnalysis.run(dae, sigma: $0, draws: draws, seed: UInt(simulation.seed))
    }
    try output.emit(DAESparsityReport(analyses, model: DAESparsity.modelDescription(dae)), stage: "the DAE analysis")
  }

  /// Forward passes per σ when --samples is not given (analyze-mlp's default).
  static let feedforwardSamples = 100_000
}
