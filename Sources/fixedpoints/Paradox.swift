import ArgumentParser
import CTRNN
import Foundation
import Platform
import GaussianMoments
import Reports
import Training

struct Paradox: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Train noise-in and noise-out networks over a sigma_train grid and find each one's best test noise.",
    discussion: """
      Trains one network per (placement, sigma_train, seed) and evaluates its
      test loss at every sigma_test on one fixed test batch (common random
      numbers), averaging --eval-repeats noise samples (the SE is theirs).
      The table gives, per placement and sigma_train, the seed-averaged
      sigma_test with the lowest loss, and the loss at sigma_test = 0 and at
      sigma_train. The claim under test (Eckstein & Srinivasan 2026): noise-in
      networks do best near sigma_train, noise-out ones at 0.
      Clusters: --shard k/n runs jobs k, k+n, k+2n, ... (1-based) and writes
      them with --out; `fixedpoints merge shard*.json` combines the shards.
      --keep DIR writes every trained network into DIR as
      <noise>-s<sigma_train>-seed<seed>.ckpt (e.g. in-s0.5-seed1.ckpt) with its
      measured test-loss curve as the .json of the same name; the results file
      lists each checkpoint relative to itself (shards never collide; merge keeps the links).
      Example: fixedpoints paradox --task function --noise in,out --sigma-train 0,0.25,0.5,1.0 --sigma-test 0:1.0:0.1 --seeds 3 --iterations 3000
      --model mlp sweeps feedforward networks instead (function task, --hidden
      units in each of --hidden-layers layers, trained as train --model mlp;
      test loss E(z - sin(pi u))^2 over --eval-trials evenly spaced inputs),
      or --task moons (two-moons classification, 2 inputs, logistic loss on a
      fixed jitter-free batch); the results read as task mlp-function / mlp-moons. --keep and --threads apply to the
      CTRNN only.
      """)

  @OptionGroup var training: TrainingArguments

  @OptionGroup var noiseOptions: SweepNoiseOptions

  @OptionGroup var dropoutOptions: DropoutSweepOptions

  @Option(help: "Seeds per cell (seeds 1...k).")
  var seeds = 3

  @Option(name: .customLong("eval-trials"), help: "Trials in the fixed test batch.")
  var evalTrials = 256

  @Option(name: .customLong("eval-repeats"), help: "Noise samples per test point (>= 2 for a standard error).")
  var evalRepeats = 8

  @OptionGroup var execution: SweepExecutionOptions

  @Option(name: [.customShort("o"), .customLong("out")], help: "Write the results (JSON, for merge) to this file.")
  var out: String?

  @Option(help: "Keep every trained network (checkpoint + test-loss curve JSON) in this directory (created if missing).")
  var keep: String?

  @Option(help: "Model: ctrnn (default) or mlp (feedforward, function task).")
  var model = "ctrnn"

  @Option(name: .customLong("hidden-layers"), help: "mlp: hidden layers (default 2).")
  var hiddenLayers: Int?

  @OptionGroup var output: OutputOptions

  /// The grids the sweep runs: σ, or with --dropout the rates.
  var trainGrid: [Double] { dropoutOptions.trainGrid(noiseOptions) }
  var testGrid: [Double] { dropoutOptions.testGrid(noiseOptions) }

  func validate() throws {
    try dropoutOptions.check(model: model, noise: noiseOptions)
    try noiseOptions.check(activation: training.activation)
    guard seeds >= 1 else { throw ValidationError("--seeds must be at least 1, got \(seeds)") }
    let placements = noiseOptions.placements
    let jobs = placements.count.multipliedReportingOverflow(by: trainGrid.count).partialValue.multipliedReportingOverflow(by: seeds)
    guard !jobs.overflow, jobs.partialValue <= ParadoxConfig.maximumJobs else {
      throw ValidationError("--seeds × --sigma-train × --noise must be at most \(ParadoxConfig.maximumJobs) jobs, got \(seeds) seeds × \(trainGrid.count) × \(placements.count)")
    }
    guard evalTrials >= 1 else { throw ValidationError("--eval-trials must be at least 1, got \(evalTrials)") }
    guard (1...10_000).contains(evalRepeats) else { throw ValidationError("--eval-repeats must be in 1...10000, got \(evalRepeats)") }
    try execution.check()
    do {
      try ParadoxConfig.checkMemory(
        placements: placements.count, sigmaTrain: trainGrid.count, seeds: seeds, sigmaTest: testGrid.count,
        budget: training.limits.budget())
      // Each worker trains and evaluates one job: the evaluation batch has --eval-trials trials.
      var o = training.options(noise: .inside, sigma: 0, seed: 1)
      o.evaluationTrials = evalTrials
      try o.checkMemory(steps: training.isFeedforwardOnlyTask ? 1 : training.makeTask().steps, budget: training.limits.budget())
    } catch let e as PlatformError { throw ValidationError(ParameterFlags.message(e)) }
    if let out { try OutputPath.validate(out, option: "--out") }
    if let keep { try KeepDirectory.validate(keep) }
    try validateModel()
  }

  func run() throws {
    if model == "mlp" { return try runMLP() }
    let task = try training.makeTask()
    var config = ParadoxConfig(
      task: task.name, activation: training.activation.rawValue, hidden: training.hidden, iterations: training.iterations,
      batch: training.batch, learningRate: training.lr, clip: training.clip, dt: training.dt, tau: training.tau,
      trialSteps: task.steps, placements: dropoutOptions.dropout == nil ? noiseOptions.placements : [.inside], sigmaTrain: Array(Set(trainGrid)).sorted(),
      seeds: (1...seeds).map { UInt64($0) }, sigmaTest: Array(Set(testGrid)).sorted(), evaluationTrials: evalTrials,
      evaluationRepeats: evalRepeats)
    config.noiseLaw = noiseOptions.noiseLaw == .gaussian ? nil : noiseOptions.noiseLaw
    config.gate = noiseOptions.gated ? noiseOptions.gate : nil
    config.dropout = dropoutOptions.dropout
    let sweep = config
    let (k, n) = try execution.parsedShard
    let work = config.jobs(shard: k, of: n)
    var keeper: (@Sendable (KeptNetwork) throws -> String)?
    if let keep {
      // Created before any training, so a sweep never fails at its first write.
      try KeepDirectory.create(keep)
      // The link recorded in the results: relative to the results file, or as given.
      let prefix = out.map { RelativePath.from(URL(fileURLWithPath: $0).deletingLastPathComponent().path, to: keep) } ?? keep
      keeper = { kept in
        let name = try KeepDirectory.write(kept, into: keep)
        return prefix == "." ? name : (prefix.hasSuffix("/") ? prefix + name : prefix + "/" + name)
      }
    }
    let status = Progress(label: "paradox", total: work.count)
    let outcomes: [ParadoxOutcome]
    do {
      defer { status.finish() }
      outcomes = try SweepRunner.run(
        work, config: sweep, task: task, workers: execution.workers,
        progress: { done, job, _ in
          status.update(
            done: done,
            detail: dropoutOptions.dropout.map { String(format: "done dropout-%@ p_train=%g seed=%llu", $0.rawValue, job.sigmaTrain, job.seed) }
              ?? String(format: "done noise-%@ sigma_train=%g seed=%llu", sweep.noiseLabel(job.noise), job.sigmaTrain, job.seed))
        }, keep: keeper)
    } catch { throw ValidationError(error.description) }
    let results = ParadoxResults(config: config, shard: execution.shard ?? "all", outcomes: outcomes)
    if let out { try OutputFile.write(try JSONOutput.string(results) + "\n", to: out) }
    // With --out - stdout carries the results file alone.
    if out != OutputFile.standardOutput { try output.emit(ParadoxSummary(results), stage: "the sweep") }
  }
}
