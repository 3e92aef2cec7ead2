import GaussianMoments
import XCTest

import CTRNN
import Foundation
import Reports
@testable import Training

/// The sweep's bookkeeping: sharding covers every job exactly once, merge
/// puts shards back together and refuses what does not belong together, and
/// the summary picks the seed-averaged optimum.
final class ParadoxTests: XCTestCase {
  func config(sigmaTest: [Double] = [0, 0.5, 1]) -> ParadoxConfig {
    ParadoxConfig(
      task: "function", activation: "relu", hidden: 4, iterations: 10, batch: 4, learningRate: 1e-3, clip: 1, dt: 0.1,
      tau: 1, trialSteps: 20, placements: [.inside, .outside], sigmaTrain: [0, 0.5], seeds: [1, 2, 3], sigmaTest: sigmaTest,
      evaluationTrials: 8, evaluationRepeats: 2)
  }

  func outcome(_ job: ParadoxJob, _ losses: [Double]) -> ParadoxOutcome {
    ParadoxOutcome(job: job, finalLoss: 0.1, testLoss: losses, testStandardError: losses.map { _ in 0.01 })
  }

  func testShardsPartitionTheGrid() {
    let c = config()
    XCTAssertEqual(c.jobs.count, 2 * 2 * 3)
    for n in 1...5 {
      let shards = (1...n).flatMap { c.jobs(shard: $0, of: n) }
      XCTAssertEqual(shards.count, c.jobs.count)
      XCTAssertEqual(Set(shards), Set(c.jobs))
    }
  }

  func testMergeRebuildsTheSweepAndNamesMissingJobs() throws {
    let c = config()
    let parts = (1...3).map { k in
      ParadoxResults(config: c, shard: "\(k)/3", outcomes: c.jobs(shard: k, of: 3).map { outcome($0, [1, 2, 3]) })
    }
    let merged = try ParadoxResults.merge(parts)
    XCTAssertEqual(merged.outcomes.map(\.job), c.jobs)
    XCTAssertTrue(merged.missing.isEmpty)
    // The same shard twice is harmless; a shard left out is reported.
    let partial = try ParadoxResults.merge([parts[0], parts[0], parts[1]])
    XCTAssertEqual(Set(partial.missing), Set(c.jobs(shard: 3, of: 3)))
  }

  func testMergeRefusesDifferentSweepsAndConflictingResults() {
    let c = config()
    let a = ParadoxResults(config: c, shard: "1/2", outcomes: c.jobs(shard: 1, of: 2).map { outcome($0, [1, 2, 3]) })
    var other = c
    other.hidden = 8
    let b = ParadoxResults(config: other, shard: "2/2", outcomes: [])
    XCTAssertThrowsError(try ParadoxResults.merge([a, b]))
    let conflicting = ParadoxResults(config: c, shard: "1/2", outcomes: c.jobs(shard: 1, of: 2).map { outcome($0, [9, 9, 9]) })
    XCTAssertThrowsError(try ParadoxResults.merge([a, conflicting]))
  }

  /// Seeds 1–3 of noise-in σ_train = 0.5 have losses whose mean is smallest
  /// at σ_test = 0.5 although seed 3 alone prefers 1.0: the row must report
  /// the seed average (and the across-seed SE).
  func testSummaryUsesTheSeedAverage() {
    let c = config()
    var outcomes: [ParadoxOutcome] = []
    for job in c.jobs {
      let losses: [Double]
      switch (job.noise, job.sigmaTrain, job.seed) {
      case (.inside, 0.5, 3): losses = [0.5, 0.3, 0.25]
      case (.inside, 0.5, _): losses = [0.5, 0.1, 0.4]
      default: losses = [0.1, 0.2, 0.3]
      }
      outcomes.append(outcome(job, losses))
    }
    let summary = ParadoxSummary(ParadoxResults(config: c, shard: "all", outcomes: outcomes))
    let rows = summary.rows
    let row = rows.first { $0.noise == .inside && $0.sigmaTrain == 0.5 }!
    XCTAssertEqual(row.bestSigmaTest, 0.5)
    XCTAssertEqual(row.lossAtBest, (0.1 + 0.1 + 0.3) / 3, accuracy: 1e-15)
    XCTAssertEqual(row.lossAtZero, 0.5)
    XCTAssertEqual(row.sigmaTestNearestTrain, 0.5)
    // SE across seeds of (0.1, 0.1, 0.3): sd = 0.11547, / √3.
    XCTAssertEqual(row.standardError[1], (0.04 / 3).squareRoot() / 3.0.squareRoot(), accuracy: 1e-12)
    XCTAssertEqual(rows.first { $0.noise == .outside && $0.sigmaTrain == 0.5 }!.bestSigmaTest, 0)
    // Both placements' one σ_train > 0 row agrees with the claim; σ_train = 0 rows are not counted.
    XCTAssertEqual(summary.verdict.inside?.agreeing, 1)
    XCTAssertEqual(summary.verdict.inside?.optima.count, 1)
    XCTAssertEqual(summary.verdict.outside?.agreeing, 1)
    XCTAssertEqual(
      summary.verdict.description,
      "noise-in: optimum at sigma_test > 0 for 1/1 sigma_train > 0 (0.5->0.5); noise-out: optimum at sigma_test = 0 for 1/1 (0.5->0.0)")
  }

  /// The verdict counts by placement and optimum: a noise-in optimum at 0
  /// and a noise-out optimum above 0 both disagree; no σ_train > 0, no tally.
  func testVerdictCountsDisagreementsAndEmptySweeps() {
    func row(_ p: NoisePlacement, _ sigmaTrain: Double, best: Double) -> ParadoxSummary.Row {
      ParadoxSummary.Row(
        noise: p, sigmaTrain: sigmaTrain, seeds: 1, meanLoss: [], standardError: [], bestSigmaTest: best, lossAtBest: 0)
    }
    let v = ParadoxSummary.Verdict(rows: [
      row(.inside, 0.5, best: 0), row(.inside, 1, best: 0.8), row(.outside, 0.5, best: 0.3), row(.outside, 1, best: 0),
    ])
    XCTAssertEqual(v.inside?.agreeing, 1)
    XCTAssertEqual(v.inside?.optima.map(\.bestSigmaTest), [0, 0.8])
    XCTAssertEqual(v.outside?.agreeing, 1)
    let none = ParadoxSummary.Verdict(rows: [row(.inside, 0, best: 0)])
    XCTAssertNil(none.inside)
    XCTAssertNil(none.outside)
    XCTAssertEqual(none.description, "no sigma_train > 0 in the sweep: nothing to compare")
  }

  /// JSON keys are snake_case (the reports' strategy); results files from
  /// before the change spell them camelCase, and both must decode to the
  /// same results.
  func testResultsFilesDecodeInBothKeySpellings() throws {
    let c = config()
    let results = ParadoxResults(config: c, shard: "1/3", outcomes: c.jobs(shard: 1, of: 3).map { outcome($0, [1, 2, 3]) })
    let snake = Data(try JSONOutput.string(results).utf8)
    let text = String(decoding: snake, as: UTF8.self)
    XCTAssert(text.contains("\"test_loss\"") && text.contains("\"sigma_train\"") && !text.contains("testLoss"), text)
    let camelEncoder = JSONEncoder()
    camelEncoder.outputFormatting = .sortedKeys
    let camel = try camelEncoder.encode(results)
    XCTAssert(String(decoding: camel, as: UTF8.self).contains("\"testLoss\""))
    for data in [snake, camel] {
      let back = try ParadoxResults.decode(from: data)
      XCTAssertEqual(back.config, c)
      XCTAssertEqual(back.shard, "1/3")
      XCTAssertEqual(back.outcomes, results.outcomes)
    }
    XCTAssertThrowsError(try ParadoxResults.decode(from: Data("{\"format\": 1}".utf8)))
  }
}

extension ParadoxTests {
  /// A results file is user input: an outcome whose curve does not match the
  /// sweep's sigma_test grid, or a job outside the grid, is refused by merge
  /// (not indexed into).
  func testMergeRefusesOutcomesThatDoNotFitTheGrid() {
    let c = config()
    let short = ParadoxResults(config: c, shard: "all", outcomes: [outcome(c.jobs[0], [1, 2])])
    XCTAssertThrowsError(try ParadoxResults.merge([short]))
    let stranger = ParadoxOutcome(
      job: ParadoxJob(noise: .inside, sigmaTrain: 0.75, seed: 1), finalLoss: 0, testLoss: [1, 2, 3], testStandardError: [0, 0, 0])
    XCTAssertThrowsError(try ParadoxResults.merge([ParadoxResults(config: c, shard: "all", outcomes: [stranger])]))
    XCTAssertThrowsError(try ParadoxResults.merge([ParadoxResults(config: config(sigmaTest: []), shard: "all", outcomes: [])]))
  }
}
