import Foundation
import GSL
import GaussianMoments
import XCTest

@testable import CTRNN

/// The lockstep sampled runs (SampledStartsLockstep.swift) only reorder work
/// across runs: every start must equal the single-run path's to the bit.
final class SampledStartsLockstepTests: XCTestCase {
  /// A random network of n units, W ~ N(0, gain²/n) plus `diagonal`·I, with
  /// either noise placement (the stage benchmark's construction, any
  /// activation).
  static func network(
    _ n: Int, _ f: Activation, _ noise: NoisePlacement, gain: Double, diagonal: Double = 0, seed: UInt
  ) throws -> Network {
    let rng = try GSLRandom(seed: seed)
    let w = Matrix(
      rows: n, columns: n,
      elements: (0..<(n * n)).map { k in gain * rng.gaussian() / Double(n).squareRoot() + (k % (n + 1) == 0 ? diagonal : 0) })
    let input = Matrix(rows: n, columns: 1, elements: (0..<n).map { _ in rng.gaussian() })
    let bias = (0..<n).map { _ in 0.1 + 0.1 * rng.gaussian() }
    let out = Matrix(rows: 1, columns: n, elements: (0..<n).map { _ in rng.gaussian() / Double(n).squareRoot() })
    let k = try Checkpoint(
      activation: f, noise: noise, sigmaTrain: 0.1, dt: 0.1, tau: 1, recurrent: w, inputWeights: input, bias: bias,
      readoutWeights: out, readoutBias: [0], task: "function")
    return try Network(checkpoint: k, input: [0.5])
  }

  /// Where two lists of starts first differ in their bits (so -0.0 ≠ 0.0 and
  /// the comparison is exact), or nil when they are identical.
  static func firstDifference(_ a: [[Double]], _ b: [[Double]]) -> String? {
    if a.count != b.count { return "\(a.count) vs \(b.count) starts" }
    for (k, (x, y)) in zip(a, b).enumerated() {
      if x.count != y.count { return "start \(k): \(x.count) vs \(y.count) units" }
      if let i = x.indices.first(where: { x[$0].bitPattern != y[$0].bitPattern }) { return "start \(k), unit \(i): \(x[i]) vs \(y[i])" }
    }
    return nil
  }

  /// Bit patterns, so that -0.0 ≠ 0.0 and the comparison is exact.
  static func bits(_ starts: [[Double]]) -> [[UInt64]] { starts.map { $0.map(\.bitPattern) } }

  struct Case {
    var f: Activation
    var gain: Double
    var diagonal = 0.0
  }

  /// Runs of one worker stepped together against each run alone. The
  /// networks cover the three ways a noiseless run ends — settling early
  /// (relu, gain 0.8, after a number of steps that depends on the run's
  /// start), running the full step budget (tanh, gain 1.5: it wanders
  /// between many fixed points), diverging to a non-finite state (relu with
  /// 1000 on W's diagonal: an active unit grows ~100× per step and overflows
  /// within ~160 steps, inside both the noiseless and the noisy run's
  /// budgets) — so runs of one group leave the active set at different
  /// steps; five runs make a group of four and a single, and as runs stop,
  /// groups of three and two (every kernel width); n = 45 and 300 are not
  /// multiples of the 8-row blocks.
  func check(n: Int, cases: [Case], runs: [Int] = [0, 1, 2, 3, 4]) throws {
    var sawDivergence = false, sawSettled = false
    for c in cases {
      let f = c.f, gain = c.gain
      for noise in [NoisePlacement.inside, .outside] {
        let net = try Self.network(n, f, noise, gain: gain, diagonal: c.diagonal, seed: UInt(n) &* 31 &+ 5)
        var search = FixedPointSearch()
        search.seed = 17
        // Three known states, so the midpoint uniforms are drawn too.
        let known = (0..<3).map { k in (0..<n).map { i in sin(Double(i * (k + 2))) } }
        let batch = 2
        let single = try runs.map { try net.sampledStarts(batch: batch, run: $0, known: known, search: search) }
        let lockstep = try net.sampledStartsLockstep(batch: batch, runs: runs, known: known, search: search).map { try $0.get() }
        XCTAssertEqual(lockstep.count, runs.count)
        for (j, (a, b)) in zip(single, lockstep).enumerated() {
          // The first difference, rather than every start's bits.
          if let d = Self.firstDifference(a, b) { XCTFail("n = \(n), \(f), gain \(gain), noise \(noise): run \(runs[j]): \(d)") }
        }
        // starts[1] is the noiseless run's last finite state: beyond 1e300
        // only when the run stopped on overflow (the growth is ~100× a step).
        let ends = single.map { $0[1].map(abs).max() ?? 0 }
        if ends.contains(where: { $0 > 1e300 }) { sawDivergence = true }
        if ends.contains(where: { $0 < 1e3 }) { sawSettled = true }
      }
    }
    // The cases must exercise both early exits, or the test proves less than it says.
    if cases.contains(where: { $0.diagonal > 0 }) { XCTAssertTrue(sawDivergence, "n = \(n): no run diverged") }
    XCTAssertTrue(sawSettled, "n = \(n): no run reached a finite end state")
  }

  static let allCases = [Case(f: .relu, gain: 0.8), Case(f: .tanh, gain: 1.5), Case(f: .relu, gain: 0.8, diagonal: 1000)]

  func testSmallNotAMultipleOfTheBlock() throws {
    try check(n: 45, cases: Self.allCases)
  }

  func testMidSizeNotAMultipleOfTheBlock() throws {
    try check(n: 300, cases: Self.allCases)
  }

  func testN512() throws {
    try check(n: 512, cases: [Case(f: .relu, gain: 0.8), Case(f: .tanh, gain: 1.5)], runs: [1, 3, 5])
  }

  /// A worker's strided runs (w, w + workers, …) in any group: one run alone
  /// through the lockstep path is the single-run path too.
  func testStridedAndSingleRunGroups() throws {
    try check(n: 45, cases: [Case(f: .tanh, gain: 1.5)], runs: [1, 4, 7, 10, 13])
    try check(n: 45, cases: [Case(f: .tanh, gain: 1.5)], runs: [6])
  }

  /// The batch as the search runs it (workers of strided runs, lockstep
  /// when a worker has two or more) against every run through the
  /// single-run path, on 1, 2, 3 and 16 threads (16: one run per worker,
  /// the single-run path).
  func testSampledRunsMatchTheSingleRunPathOnAnyThreadCount() throws {
    for (f, gain) in [(Activation.relu, 0.8), (.tanh, 1.5)] {
      let net = try Self.network(45, f, .inside, gain: gain, seed: 3)
      let search = FixedPointSearch()
      let known = (0..<2).map { k in (0..<45).map { i in cos(Double(i + k)) } }
      let reference = try (0..<search.runsPerBatch).map { try net.sampledStarts(batch: 1, run: $0, known: known, search: search) }
      for threads in [1, 2, 3, 16] {
        let runs = try net.sampledRuns(batch: 1, known: known, search: search, threads: threads)
        XCTAssertEqual(runs.map { Self.bits($0.starts) }, reference.map(Self.bits), "\(f), \(threads) threads")
      }
    }
  }

  /// The whole search: the same fixed points, to the bit, on 1 and 2 threads.
  func testSearchIsTheSameOnOneAndTwoThreads() throws {
    for (f, gain) in [(Activation.relu, 0.8), (.tanh, 1.5)] {
      let net = try Self.network(45, f, .inside, gain: gain, seed: 9)
      let one = try net.searchFixedPoints(search: FixedPointSearch(), threads: 1)
      let two = try net.searchFixedPoints(search: FixedPointSearch(), threads: 2)
      XCTAssertGreaterThan(one.report.batches, 1, "\(f): no sampled batch ran")
      XCTAssertEqual(one.points.map { Self.bits([$0.h]) }, two.points.map { Self.bits([$0.h]) }, "\(f)")
      XCTAssertEqual(one.points.map(\.timesFound), two.points.map(\.timesFound))
      XCTAssertEqual(one.report.startsUsed, two.report.startsUsed)
      XCTAssertEqual(one.report.newPerBatch, two.report.newPerBatch)
    }
  }
}
