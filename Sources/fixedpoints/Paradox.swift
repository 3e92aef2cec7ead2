import ArgumentParser
import CTRNN
import Foundation
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
      Example: fixedpoints paradox --task function --noise in,out --sigma-train 0,0.25,0.5,1.0 --sigma-test 0:1.0:0.1 --seeds 3
      """)

  @OptionGroup var training: TrainingArguments

  @Option(help: "Noise placements, comma-separated: in, out.")
  var noise = "in,out"

  @Option(name: .customLong("sigma-train"), help: "Training noise levels: a list or start:stop:step.")
  var sigmaTrain = NumberList([0, 0.25, 0.5, 1.0])

  @Option(name: .customLong("sigma-test"), help: "Test noise levels: a list or start:stop:step.")
  var sigmaTest = NumberList(stride(from: 0.0, through: 1.0, by: 0.1).map(NumberList.tidy))

  @Option(help: "Seeds per cell (seeds 1...k).")
  var seeds = 3

  @Option(name: .customLong("eval-trials"), help: "Trials in the fixed test batch.")
  var evalTrials = 256

  @Option(name: .customLong("eval-repeats"), help: "Noise samples per test point (>= 2 for a standard error).")
  var evalRepeats = 8

  @Option(help: "Run one slice of the grid: k/n (1 <= k <= n).")
  var shard: String?

  @Option(help: "Jobs trained at once (each on one core; results do not depend on it).")
  var jobs = ProcessInfo.processInfo.activeProcessorCount

  @Option(help: "Write the results (JSON, for merge) to this file.")
  var out: String?

  @OptionGroup var output: OutputOptions

  /// The placements asked for, each once, in the order given.
  var placements: [String] {
    var seen = Set<String>()
    return noise.split(separator: ",", omittingEmptySubsequences: false).map { String($0) }.filter { seen.insert($0).inserted }
  }

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

  func validate() throws {
    for p in placements where NoisePlacement(rawValue: p) == nil {
      throw ValidationError("--noise: unknown placement '\(p)'; use in, out or in,out")
    }
    guard !placements.isEmpty else { throw ValidationError("--noise needs at least one placement") }
    for s in sigmaTrain.values + sigmaTest.values where !(s.isFinite && s >= 0) {
      throw ValidationError("--sigma-train/--sigma-test values must be finite and >= 0, got \(s)")
    }
    guard seeds >= 1 else { throw ValidationError("--seeds must be at least 1, got \(seeds)") }
    guard evalTrials >= 1 else { throw ValidationError("--eval-trials must be at least 1, got \(evalTrials)") }
    guard evalRepeats >= 1 else { throw ValidationError("--eval-repeats must be at least 1, got \(evalRepeats)") }
    guard jobs >= 1 else { throw ValidationError("--jobs must be at least 1, got \(jobs)") }
    _ = try parsedShard
    if let out { try OutputPath.validate(out, option: "--out") }
  }

  func run() throws {
    let task = try training.makeTask()
    let config = ParadoxConfig(
      task: task.name, activation: training.activation.rawValue, hidden: training.hidden, iterations: training.iterations,
      batch: training.batch, learningRate: training.lr, clip: training.clip, dt: training.dt, tau: training.tau,
      trialSteps: task.steps, placements: placements, sigmaTrain: Array(Set(sigmaTrain.values)).sorted(),
      seeds: (1...seeds).map { UInt64($0) }, sigmaTest: Array(Set(sigmaTest.values)).sorted(), evaluationTrials: evalTrials,
      evaluationRepeats: evalRepeats)
    let (k, n) = try parsedShard
    let work = config.jobs(shard: k, of: n)
    let outcomes = try ParadoxRunner.run(work, config: config, task: task, workers: jobs)
    let results = ParadoxResults(config: config, shard: shard ?? "all", outcomes: outcomes)
    if let out { try AtomicFile.write(try JSONOutput.string(results) + "\n", to: out) }
    try ParadoxReport.print(results, output: output)
  }
}

/// Runs jobs on `workers` threads, one job per thread at a time; results
/// land in job order whatever the schedule. Progress: one stderr line per job.
enum ParadoxRunner {
  static func run(_ jobs: [ParadoxJob], config: ParadoxConfig, task: any TrainingTask, workers: Int) throws -> [ParadoxOutcome] {
    final class Slots: @unchecked Sendable {  // each index written by one worker, read after the join
      var outcomes: [ParadoxOutcome?]
      var errors: [String?]
      var done = 0  // guarded by `lock`
      init(_ n: Int) {
        outcomes = [ParadoxOutcome?](repeating: nil, count: n)
        errors = [String?](repeating: nil, count: n)
      }
    }
    let slots = Slots(jobs.count)
    let start = Date()
    let lock = NSLock()
    DispatchQueue.concurrentPerform(iterations: max(1, min(workers, jobs.count))) { w in
      var j = w
      while j < jobs.count {
        do { slots.outcomes[j] = try config.run(jobs[j], task: task) } catch { slots.errors[j] = "\(error)" }
        lock.lock()
        slots.done += 1
        let line = String(
          format: "[%6.1fs] job %d/%d done: noise-%@ sigma_train=%g seed=%llu\n", Date().timeIntervalSince(start), slots.done,
          jobs.count, jobs[j].noise, jobs[j].sigmaTrain, jobs[j].seed)
        FileHandle.standardError.write(Data(line.utf8))
        lock.unlock()
        j += max(1, min(workers, jobs.count))
      }
    }
    if let i = slots.errors.firstIndex(where: { $0 != nil }) {
      throw ValidationError("job noise-\(jobs[i].noise) sigma_train=\(jobs[i].sigmaTrain) seed=\(jobs[i].seed) failed: \(slots.errors[i]!)")
    }
    return slots.outcomes.map { $0! }
  }
}

struct Merge: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Combine `paradox --shard k/n --out FILE` results into one table.",
    discussion: "All files must come from the same sweep (same configuration). Missing jobs are listed on stderr.")

  @Argument(help: "Results files written by paradox --out.")
  var files: [String]

  @Option(help: "Write the merged results (JSON) to this file.")
  var out: String?

  @OptionGroup var output: OutputOptions

  func validate() throws {
    guard !files.isEmpty else { throw ValidationError("merge needs at least one results file") }
    if let out { try OutputPath.validate(out, option: "--out") }
  }

  func run() throws {
    let decoder = JSONDecoder()
    decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
    let parts = try files.map { path -> ParadoxResults in
      guard let data = FileManager.default.contents(atPath: path) else { throw ValidationError("cannot read \(path)") }
      do { return try decoder.decode(ParadoxResults.self, from: data) } catch {
        throw ValidationError("\(path) is not a paradox results file: \(error)")
      }
    }
    let merged: ParadoxResults
    do { merged = try ParadoxResults.merge(parts) } catch { throw ValidationError(error.description) }
    let missing = merged.missing
    if !missing.isEmpty {
      FileHandle.standardError.write(Data("merge: \(missing.count) job(s) of \(merged.config.jobs.count) missing (e.g. noise-\(missing[0].noise) sigma_train=\(missing[0].sigmaTrain) seed=\(missing[0].seed))\n".utf8))
    }
    if let out { try AtomicFile.write(try JSONOutput.string(merged) + "\n", to: out) }
    try ParadoxReport.print(merged, output: output)
  }
}

/// The paradox table, and the one-line reading of it.
enum ParadoxReport {
  static func print(_ r: ParadoxResults, output: OutputOptions) throws {
    let rows = r.summary
    if output.json {
      struct JSONReport: Encodable {
        var results: ParadoxResults
        var summary: [ParadoxSummaryRow]
        var verdict: String
      }
      Swift.print(try JSONOutput.string(JSONReport(results: r, summary: rows, verdict: verdict(rows))))
      return
    }
    var t = Table(
      columns: ["noise", "sigma_train", "seeds", "best sigma_test", "loss at best", "loss at 0", "loss at sigma_train"],
      caption: "\(r.config.task), \(r.config.hidden) \(r.config.activation) units, \(r.config.iterations) steps; test loss (mean over seeds) on \(r.config.evaluationTrials) trials x \(r.config.evaluationRepeats) noise samples")
    func fmt(_ x: Double?, _ se: Double?) -> String {
      guard let x else { return "-" }
      return se.map { String(format: "%.4g ± %.1g", x, $0) } ?? String(format: "%.4g", x)
    }
    for row in rows {
      let zero = r.config.sigmaTest.firstIndex(of: 0)
      let train = row.sigmaTestNearestTrain.flatMap { r.config.sigmaTest.firstIndex(of: $0) }
      let best = r.config.sigmaTest.firstIndex(of: row.bestSigmaTest)!
      t.append([
        row.noise, "\(row.sigmaTrain)", "\(row.seeds)", "\(row.bestSigmaTest)", fmt(row.lossAtBest, row.standardError[best]),
        fmt(row.lossAtZero, zero.map { row.standardError[$0] }), fmt(row.lossAtTrain, train.map { row.standardError[$0] }),
      ])
    }
    Swift.print(t.render(output.format), terminator: "")
    if output.format == .terminal { Swift.print("verdict: " + verdict(rows)) }
  }

  /// Noise-in rows with σ_train > 0 whose optimum is at σ_test > 0, and
  /// noise-out rows whose optimum is at 0: how many of each.
  static func verdict(_ rows: [ParadoxSummaryRow]) -> String {
    let inside = rows.filter { $0.noise == "in" && $0.sigmaTrain > 0 }
    let outside = rows.filter { $0.noise == "out" && $0.sigmaTrain > 0 }
    var parts: [String] = []
    if !inside.isEmpty {
      let near = inside.filter { $0.bestSigmaTest > 0 }
      parts.append("noise-in: optimum at sigma_test > 0 for \(near.count)/\(inside.count) sigma_train > 0 (" + inside.map { "\($0.sigmaTrain)->\($0.bestSigmaTest)" }.joined(separator: ", ") + ")")
    }
    if !outside.isEmpty {
      let zero = outside.filter { $0.bestSigmaTest == 0 }
      parts.append("noise-out: optimum at sigma_test = 0 for \(zero.count)/\(outside.count) (" + outside.map { "\($0.sigmaTrain)->\($0.bestSigmaTest)" }.joined(separator: ", ") + ")")
    }
    return parts.isEmpty ? "no sigma_train > 0 in the sweep: nothing to compare" : parts.joined(separator: "; ")
  }
}
