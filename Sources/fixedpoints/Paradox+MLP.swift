import ArgumentParser
import Foundation
import Platform
import Reports
import Training

extension Paradox {
  func validateModel() throws {
    guard ["ctrnn", "mlp"].contains(model) else { throw ValidationError("--model must be ctrnn or mlp, got '\(model)'") }
    guard model == "mlp" else {
      if hiddenLayers != nil { throw ValidationError("--hidden-layers applies to --model mlp only") }
      if training.isFeedforwardOnlyTask { throw ValidationError("--task \(training.task) applies to --model mlp only") }
      return
    }
    guard MLPTask(rawValue: training.task) != nil else {
      throw ValidationError("--task \(training.task): paradox --model mlp runs \(MLPTask.allCases.map(\.rawValue).joined(separator: " or ")) only")
    }
    if keep != nil { throw ValidationError("--keep applies to --model ctrnn only") }
    if training.trialSteps != nil { throw ValidationError("--trial-steps applies to --model ctrnn only") }
    if let hiddenLayers, !(1...16).contains(hiddenLayers) { throw ValidationError("--hidden-layers must be in 1...16, got \(hiddenLayers)") }
    guard (1...4096).contains(training.hidden) else { throw ValidationError("--hidden must be in 1...4096 for --model mlp, got \(training.hidden)") }
  }

  /// The feedforward sweep: jobs one after another (each is a second or
  /// two), the same results format as the CTRNN's.
  func runMLP() throws {
    let config = MLPParadox.config(
      task: MLPTask(rawValue: training.task) ?? .function, activation: training.activation, hidden: training.hidden, hiddenLayers: hiddenLayers ?? 2, iterations: training.iterations,
      batch: training.batch, learningRate: training.lr, clip: training.clip, placements: noiseOptions.placements,
      sigmaTrain: Array(Set(noiseOptions.sigmaTrain.values)).sorted(), seeds: (1...seeds).map { UInt64($0) },
      sigmaTest: Array(Set(noiseOptions.sigmaTest.values)).sorted(), evaluationTrials: evalTrials, evaluationRepeats: evalRepeats)
    let (k, n) = try execution.parsedShard
    let work = config.jobs(shard: k, of: n)
    let status = Progress(label: "paradox mlp", total: work.count)
    var outcomes: [ParadoxOutcome] = []
    do {
      defer { status.finish() }
      for (i, job) in work.enumerated() {
        outcomes.append(try MLPParadox.run(job, config: config))
        status.update(done: i + 1, detail: String(format: "done noise-%@ sigma_train=%g seed=%llu", job.noise.label, job.sigmaTrain, job.seed))
      }
    } catch let e as TrainingError { throw ValidationError(e.description) }
    let results = ParadoxResults(config: config, shard: execution.shard ?? "all", outcomes: outcomes)
    if let out { try OutputFile.write(try JSONOutput.string(results) + "\n", to: out) }
    if out != OutputFile.standardOutput { try output.emit(ParadoxSummary(results), stage: "the sweep") }
  }
}
