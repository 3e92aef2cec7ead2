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

  @Option(help: "Noise placements, comma-separated: in, out; or gated alone (Gulcehre's saturation-gated noise, alpha = 1, p = 1, as train --noise gated; --activation hardtanh or hardsigmoid); or gated-input alone (the gate at h's input, as train --noise gated --gate-site input).")
  var noise = "in,out"

  @Option(name: .customLong("gate-p"), help: "gated, gated-input: the gate's p (default 1; > 0).")
  var gateP = 1.0

  @Option(
    name: .customLong("noise-law"),
    help: "Law of the noise of every job, sigma its SD (as train --noise-law): gaussian (default), laplace, half-normal, salt-and-pepper.")
  var noiseLaw: NoiseLaw = .gaussian

  @Option(name: .customLong("sigma-train"), help: "Training noise levels (sd per step, as train --sigma): a list 0,0.5, a range start:stop:step, or both.")
  var sigmaTrain = NumberList([0, 0.25, 0.5, 1.0])

  @Option(name: .customLong("sigma-test"), help: "Test noise levels (sd per step): a list 0,0.5, a range start:stop:step, or both.")
  var sigmaTest = NumberList(stride(from: 0.0, through: 1.0, by: 0.1).map(NumberList.tidy))

  @Option(
    help: ArgumentHelp(
      "Sweep Bernoulli dropout instead of additive noise: state or input (as train --dropout); with --rate-train and --rate-test.",
      discussion: "No additive noise (sigma = 0); the summary's sigma columns then hold the rates. Example: fixedpoints paradox --dropout state --rate-train 0,0.1,0.2,0.3 --rate-test 0:0.5:0.05 --seeds 3"))
  var dropout: DropoutSite?

  @Option(name: .customLong("rate-train"), help: "With --dropout: training dropout rates (0...0.95), a list or a range.")
  var rateTrain: NumberList?

  @Option(name: .customLong("rate-test"), help: "With --dropout: test dropout rates (0...0.95), a list or a range.")
  var rateTest: NumberList?

  @Option(help: "Seeds per cell (seeds 1...k).")
  var seeds = 3

  @Option(name: .customLong("eval-trials"), help: "Trials in the fixed test batch.")
  var evalTrials = 256

  @Option(name: .customLong("eval-repeats"), help: "Noise samples per test point (>= 2 for a standard error).")
  var evalRepeats = 8

  @Option(help: "Run one slice of the grid: k/n (1 <= k <= n).")
  var shard: String?

  @Option(help: "Jobs trained at once, one per thread (default: the cores; results do not depend on it).")
  var threads: Int?

  /// The old name of --threads, accepted and not shown.
  @Option(name: .customLong("jobs"), help: .hidden)
  var oldJobs: Int?

  var workers: Int { threads ?? oldJobs ?? ProcessInfo.processInfo.activeProcessorCount }

  @Option(name: [.customShort("o"), .customLong("out")], help: "Write the results (JSON, for merge) to this file.")
  var out: String?

  @Option(help: "Keep every trained network (checkpoint + test-loss curve JSON) in this directory (created if missing).")
  var keep: String?

  @Option(help: "Model: ctrnn (default) or mlp (feedforward, function task).")
  var model = "ctrnn"

  @Option(name: .customLong("hidden-layers"), help: "mlp: hidden layers (default 2).")
  var hiddenLayers: Int?

  @OptionGroup var output: OutputOptions

  /// The placements asked for, each once, in the order given.
  var placementNames: [String] {
    var seen = Set<String>()
    return noise.split(separator: ",", omittingEmptySubsequences: false).map { String($0) }.filter { seen.insert($0).inserted }
  }

  var gated: Bool { placementNames == ["gated"] || placementNames == ["gated-input"] }

  /// The gate of a gated sweep: `--noise gated-input` puts it at h's input.
  var gate: NoiseGate { NoiseGate(p: gateP, site: placementNames == ["gated-input"] ? .input : .output) }

  var placements: [NoisePlacement] { gated ? [.outside] : placementNames.compactMap(NoisePlacement.init(rawValue:)) }

  var parsedShard: (k: Int, n: Int) {
    get throws {
      guard let shard else { return (1, 1) }
      let parts = shard.split(separator: "/").map { Int($0) }
      guard parts.count == 2, let k = parts[0], let n = parts[1], n >= 1, (1...n).contains(k) else {
        throw ValidationError("--shard must be k/n with 1 <= k <= n, got '\(shard)'")
      }
      return (k, n)
    }
  }

  /// The grids the sweep runs: σ, or with --dropout the rates.
  var trainGrid: [Double] { dropout == nil ? sigmaTrain.values : rateTrain?.values ?? [] }
  var testGrid: [Double] { dropout == nil ? sigmaTest.values : rateTest?.values ?? [] }

  func validate() throws {
    if dropout == nil, rateTrain != nil || rateTest != nil { throw ValidationError("--rate-train/--rate-test need --dropout state or input") }
    if dropout != nil, model != "ctrnn" { throw ValidationError("--dropout applies to --model ctrnn only") }
    if dropout != nil {
      guard let rateTrain, let rateTest else { throw ValidationError("--dropout needs --rate-train and --rate-test") }
      for p in rateTrain.values + rateTest.values where !(p.isFinite && p >= 0 && p <= DropoutSite.maximumRate) {
        throw ValidationError("--rate-train/--rate-test values must be in 0...\(DropoutSite.maximumRate), got \(p)")
      }
      guard placements == [.inside] || noise == "in,out" else {
        throw ValidationError("--noise does not apply with --dropout (no additive noise)")
      }
    }
    if dropout != nil, gated || noiseLaw != .gaussian {
      throw ValidationError("--dropout runs without additive noise: --noise gated and --noise-law do not apply")
    }
    for p in placementNames where NoisePlacement(rawValue: p) == nil && !gated {
      throw ValidationError(
        p.hasPrefix("gated") ? "--noise \(p) runs alone (a sweep of gated noise), not with in/out" : "--noise: unknown placement '\(p)'; use in, out, in,out, gated or gated-input")
    }
    if gated {
      if let problem = gate.problem(activation: training.activation) { throw ValidationError("--noise \(noise): \(problem)") }
      guard [.gaussian, .halfNormal].contains(noiseLaw) else {
        throw ValidationError("--noise-law \(noiseLaw.rawValue): gated noise takes gaussian or half-normal (Gulcehre et al.'s two)")
      }
    }
    if !gated, gateP != 1 { throw ValidationError("--gate-p applies to --noise gated or gated-input only") }
    guard !placements.isEmpty else { throw ValidationError("--noise needs at least one placement") }
    for s in sigmaTrain.values + sigmaTest.values where !(s.isFinite && s >= 0 && s <= NetworkAnalysis.Options.maximumSigma) {
      throw ValidationError("--sigma-train/--sigma-test values must be finite and in 0...\(NetworkAnalysis.Options.maximumSigma), got \(s)")
    }
    guard seeds >= 1 else { throw ValidationError("--seeds must be at least 1, got \(seeds)") }
    let jobs = placements.count.multipliedReportingOverflow(by: trainGrid.count).partialValue.multipliedReportingOverflow(by: seeds)
    guard !jobs.overflow, jobs.partialValue <= ParadoxConfig.maximumJobs else {
      throw ValidationError("--seeds × --sigma-train × --noise must be at most \(ParadoxConfig.maximumJobs) jobs, got \(seeds) seeds × \(trainGrid.count) × \(placements.count)")
    }
    guard evalTrials >= 1 else { throw ValidationError("--eval-trials must be at least 1, got \(evalTrials)") }
    guard (1...10_000).contains(evalRepeats) else { throw ValidationError("--eval-repeats must be in 1...10000, got \(evalRepeats)") }
    try checkRenamed(threads, oldJobs, current: "--threads", old: "--jobs")
    guard workers >= 1 else { throw ValidationError("--threads must be at least 1, got \(workers)") }
    _ = try parsedShard
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
      trialSteps: task.steps, placements: dropout == nil ? placements : [.inside], sigmaTrain: Array(Set(trainGrid)).sorted(),
      seeds: (1...seeds).map { UInt64($0) }, sigmaTest: Array(Set(testGrid)).sorted(), evaluationTrials: evalTrials,
      evaluationRepeats: evalRepeats)
    config.noiseLaw = noiseLaw == .gaussian ? nil : noiseLaw
    config.gate = gated ? gate : nil
    config.dropout = dropout
    let sweep = config
    let (k, n) = try parsedShard
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
        work, config: sweep, task: task, workers: workers,
        progress: { done, job, _ in
          status.update(
            done: done,
            detail: dropout.map { String(format: "done dropout-%@ p_train=%g seed=%llu", $0.rawValue, job.sigmaTrain, job.seed) }
              ?? String(format: "done noise-%@ sigma_train=%g seed=%llu", sweep.noiseLabel(job.noise), job.sigmaTrain, job.seed))
        }, keep: keeper)
    } catch { throw ValidationError(error.description) }
    let results = ParadoxResults(config: config, shard: shard ?? "all", outcomes: outcomes)
    if let out { try OutputFile.write(try JSONOutput.string(results) + "\n", to: out) }
    // With --out - stdout carries the results file alone.
    if out != OutputFile.standardOutput { try output.emit(ParadoxSummary(results), stage: "the sweep") }
  }
}
