import CTRNN
import GSL
import Foundation
import XCTest

@testable import Training

/// `paradox --keep` at the library level: names, the kept network against
/// the unkept outcome, the runner's links, and merge's re-linking.
final class KeepSweepTests: XCTestCase {
  static func tinyConfig() -> ParadoxConfig {
    ParadoxConfig(
      task: "function", activation: "relu", hidden: 4, iterations: 5, batch: 4, learningRate: 3e-3, clip: 1, dt: 0.1,
      tau: 1, trialSteps: 20, placements: [.inside, .outside], sigmaTrain: [0, 0.5], seeds: [1], sigmaTest: [0, 0.5],
      evaluationTrials: 8, evaluationRepeats: 2)
  }

  func testFileStemsNameEveryJobOnce() {
    let jobs = ParadoxConfig(
      task: "function", activation: "relu", hidden: 4, iterations: 5, batch: 4, learningRate: 3e-3, clip: 1, dt: 0.1,
      tau: 1, trialSteps: 20, placements: [.inside, .outside], sigmaTrain: [0, 0.1, 0.25, 0.5, 1, 1e-5], seeds: [1, 2, 10],
      sigmaTest: [0], evaluationTrials: 8, evaluationRepeats: 2
    ).jobs
    XCTAssertEqual(Set(jobs.map(\.fileStem)).count, jobs.count)
    XCTAssertEqual(ParadoxJob(noise: .inside, sigmaTrain: 0.5, seed: 1).fileStem, "in-s0.5-seed1")
  }

  /// Keeping a network changes nothing measured, and the checkpoint is the
  /// network that was measured: its σ_train, seed, placement and loss.
  func testKeptNetworkIsTheMeasuredOne() throws {
    let config = Self.tinyConfig()
    let task = try XCTUnwrap(TaskCatalogue.task(named: "function", steps: 20))
    let job = ParadoxJob(noise: .inside, sigmaTrain: 0.5, seed: 1)
    let kept = try config.train(job, task: task)
    XCTAssertEqual(kept.outcome, try config.run(job, task: task))
    XCTAssertEqual(kept.checkpoint.noise, .inside)
    XCTAssertEqual(kept.checkpoint.sigmaTrain, 0.5)
    XCTAssertEqual(kept.checkpoint.seed, "1")
    XCTAssertEqual(kept.checkpoint.hiddenSize, 4)
    XCTAssertEqual(kept.checkpoint.loss, kept.curve.finalLoss)
    XCTAssertEqual(kept.curve.checkpoint, "in-s0.5-seed1.ckpt")
    XCTAssertEqual(kept.curve.sigmaTest, config.sigmaTest)
  }

  /// Shards 1/2 and 2/2 with a keeper: every job kept once, links recorded,
  /// the numbers those of a run without keeping; merge keeps the links.
  func testShardedKeepingAndMergeKeepTheLinks() throws {
    let config = Self.tinyConfig()
    let task = try XCTUnwrap(TaskCatalogue.task(named: "function", steps: 20))
    final class Seen: @unchecked Sendable {
      let lock = NSLock()
      var stems: [String] = []
    }
    let seen = Seen()
    let keeper: @Sendable (KeptNetwork) throws -> String = { kept in
      seen.lock.lock()
      seen.stems.append(kept.job.fileStem)
      seen.lock.unlock()
      return "nets/" + kept.job.fileStem + ".ckpt"
    }
    var parts: [ParadoxResults] = []
    for k in 1...2 {
      let outcomes = try SweepRunner.run(config.jobs(shard: k, of: 2), config: config, task: task, workers: 2, keep: keeper)
      parts.append(ParadoxResults(config: config, shard: "\(k)/2", outcomes: outcomes))
    }
    XCTAssertEqual(seen.stems.sorted(), config.jobs.map(\.fileStem).sorted(), "every job kept exactly once")
    let plain = try SweepRunner.run(config.jobs, config: config, task: task, workers: 1)
    let merged = try ParadoxResults.merge(parts)
    XCTAssertEqual(merged.missing, [])
    XCTAssertEqual(merged.outcomes.map(\.checkpoint), config.jobs.map { "nets/\($0.fileStem).ckpt" })
    var unlinked = merged.outcomes
    for i in unlinked.indices { unlinked[i].checkpoint = nil }
    XCTAssertEqual(unlinked, plain, "keeping changed a measured number")

    // Shards in results/a/, merged into results/: links re-expressed from there.
    let moved = merged.relinked(from: "results/a", to: "results")
    XCTAssertEqual(moved.outcomes.first?.checkpoint, "a/nets/in-s0.0-seed1.ckpt")
    XCTAssertEqual(merged.relinked(from: "results/a", to: "other").outcomes.first?.checkpoint, "../results/a/nets/in-s0.0-seed1.ckpt")
    XCTAssertEqual(merged.relinked(from: "results/a", to: nil).outcomes.first?.checkpoint, "results/a/nets/in-s0.0-seed1.ckpt")
    // Results without --keep encode no checkpoint key at all.
    let json = String(decoding: try JSONEncoder().encode(ParadoxResults(config: config, shard: "all", outcomes: plain)), as: UTF8.self)
    XCTAssertFalse(json.contains("checkpoint"))
    // A linked results file round-trips through the decoder merge uses.
    let encoder = JSONEncoder()
    encoder.keyEncodingStrategy = .convertToSnakeCase
    XCTAssertEqual(try ParadoxResults.decode(from: try encoder.encode(merged)).outcomes, merged.outcomes)
  }

  /// CTRNN's task input ranges (it cannot import the tasks) are the tasks'.
  func testTaskTargetRangesMatchTheTrainingTasks() throws {
    XCTAssertEqual(TaskTarget.named("regulator", inputs: 1, outputs: 1)?.inputRange, RegulatorTask.levels)
    XCTAssertEqual(TaskTarget.named("function", inputs: 1, outputs: 1)?.inputRange, -1...1)
    let rng = try GSLRandom(seed: 4)
    let batch = FunctionTask(steps: 4).batch(trials: 2000, rng: rng)
    XCTAssert(batch.inputs.allSatisfy { (-1...1).contains($0) })
    XCTAssertLessThan(batch.inputs.min()!, -0.99)
    XCTAssertGreaterThan(batch.inputs.max()!, 0.99)
  }
}
