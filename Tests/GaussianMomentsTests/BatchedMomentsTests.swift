import Foundation
import XCTest

@testable import GaussianMoments

/// The batched path (`MomentEvaluator.batchedMoments`) against the scalar
/// path elementwise and against the mpmath table.
final class BatchedMomentsTests: XCTestCase {
  /// Relative difference, absolute where the reference is 0 (tanh's mean
  /// at μ = 0 is exactly 0 on both paths).
  private func rel(_ a: Double, _ b: Double) -> Double { b == 0 ? abs(a) : abs(a - b) / abs(b) }

  /// The validity table, re-checked: for each rule, s at its bound and
  /// between the previous rule's bound and it, μ over [−40, 40] plus
  /// values near 0. Tolerance 1e-13 relative: the table's criterion (the
  /// bounds used are 0.8 × where that criterion was measured to fail, so a
  /// regression in the rules or integrands shows here).
  func testRulesAgreeWithScalarPathOverTheirRange() throws {
    let evaluator = try MomentEvaluator()
    let mus = stride(from: -40.0, through: 40.0, by: 0.5).map { $0 } + [1e-8, -1e-8, 1e-3, 0.3, -0.3]
    var worst = (0.0, "")
    for f in [Activation.tanh, .sigmoid, .softplus] {
      let bounds = BatchedRule.bounds(f)
      XCTAssertEqual(bounds.count, BatchedRule.rules.count)
      var lower = 0.0
      var sigmas: [Double] = [1e-6, 1e-3]
      for b in bounds {
        sigmas += [lower + 0.5 * (b - lower), b]
        lower = b
      }
      for s in sigmas {
        XCTAssertNotNil(BatchedRule.rule(f, sigma: s))
        let sv = [Double](repeating: s, count: mus.count)
        let batch = try evaluator.batchedMoments(f, mu: mus, sigma: sv, .closure)
        for (i, mu) in mus.enumerated() {
          let r = try evaluator.moments(f, mu: mu, sigma: s)
          for (name, ours, ref) in [("mean", batch.mean[i], r.mean), ("slope", batch.meanSlope[i], r.meanSlope), ("var", batch.variance[i], r.variance)] {
            let e = rel(ours, ref)
            XCTAssert(e <= 1e-13, "\(f) μ=\(mu) s=\(s) \(name): \(ours) vs \(ref) (rel \(e))")
            if e > worst.0 { worst = (e, "\(f) μ=\(mu) s=\(s) \(name)") }
          }
        }
      }
    }
    print("batched vs scalar, worst relative difference:", worst)
  }

  /// Where no rule applies, the batched path is the scalar one: same bits.
  func testOutsideTheRulesTheScalarPathIsUsed() throws {
    let evaluator = try MomentEvaluator()
    for f in Activation.allCases {
      let mus: [Double] = [-3, -0.2, 0, 0.7, 4]
      let sigmas: [Double] = [0, 0.3, BatchedRule.maxSigma(f) + 0.01, 2.5, 20]
      for s in sigmas where s == 0 || BatchedRule.rule(f, sigma: s) == nil {
        let batch = try evaluator.batchedMoments(f, mu: mus, sigma: [Double](repeating: s, count: mus.count), .closure)
        for (i, mu) in mus.enumerated() {
          let r = try evaluator.moments(f, mu: mu, sigma: s)
          XCTAssertEqual(batch.mean[i], r.mean, "\(f) μ=\(mu) s=\(s)")
          XCTAssertEqual(batch.meanSlope[i], r.meanSlope, "\(f) μ=\(mu) s=\(s)")
          XCTAssertEqual(batch.variance[i], r.variance, "\(f) μ=\(mu) s=\(s)")
        }
      }
    }
    XCTAssertNil(BatchedRule.rule(.relu, sigma: 0.1))
    XCTAssertNil(BatchedRule.rule(.tanh, sigma: 1))
  }

  /// Only what is asked is returned; the slope does not depend on whether
  /// the mean was asked for (the mean-field solver reuses it).
  func testSelection() throws {
    let evaluator = try MomentEvaluator()
    let mus = [-1.0, 0.2, 3], sigmas = [0.1, 0.5, 0.8]
    for f in [Activation.tanh, .sigmoid, .softplus] {
      let slopeOnly = try evaluator.batchedMoments(f, mu: mus, sigma: sigmas, .meanSlope)
      XCTAssertEqual(slopeOnly.mean, [])
      XCTAssertEqual(slopeOnly.variance, [])
      let both = try evaluator.batchedMoments(f, mu: mus, sigma: sigmas, .meanAndSlope)
      XCTAssertEqual(both.meanSlope, slopeOnly.meanSlope)
      XCTAssertEqual(both.mean.count, 3)
    }
  }

  /// Every row of the mpmath table (|μ| ≤ 20, 1e-6 ≤ s ≤ 100, every
  /// activation) through the batched path: mean, slope and variance within
  /// 1e-12 relative (0-valued references: absolute 1e-15, the rounding of
  /// an O(1) mean).
  func testAgainstReferenceTable() throws {
    let evaluator = try MomentEvaluator()
    var worst = (0.0, "")
    for row in ReferenceMoments.rows {
      let f = try XCTUnwrap(Activation(rawValue: row.activation))
      let b = try evaluator.batchedMoments(f, mu: [row.mu], sigma: [row.s], .closure)
      for (name, ours, ref) in [("mean", b.mean[0], row.mean), ("slope", b.meanSlope[0], row.meanSlope), ("var", b.variance[0], row.variance)] {
        let e = rel(ours, ref)
        let ok = ref == 0 ? abs(ours) <= 1e-15 : e <= 1e-12
        XCTAssert(ok, "\(f) μ=\(row.mu) s=\(row.s) \(name): \(ours) vs \(ref) (rel \(e))")
        if ref != 0 && e > worst.0 { worst = (e, "\(f) μ=\(row.mu) s=\(row.s) \(name)") }
      }
    }
    print("batched vs mpmath, worst relative error:", worst)
  }

  func testBadArgumentsThrow() throws {
    let evaluator = try MomentEvaluator()
    XCTAssertThrowsError(try evaluator.batchedMoments(.tanh, mu: [0, .nan], sigma: [0.1, 0.1], .mean))
    XCTAssertThrowsError(try evaluator.batchedMoments(.tanh, mu: [0], sigma: [-0.1], .mean))
  }

  /// Measures the validity table of `BatchedRule` (not a check: run with
  /// FIXEDPOINTS_MEASURE_BATCHED=1, or =big for n ≥ 128): for each rule,
  /// the largest s on a grid at which mean, slope and variance agree with
  /// the scalar path to 1e-13 relative for every μ in [−40, 40].
  func testMeasureValidityTable() throws {
    let mode = ProcessInfo.processInfo.environment["FIXEDPOINTS_MEASURE_BATCHED"]
    guard let mode else { throw XCTSkip("measurement only") }
    let evaluator = try MomentEvaluator()
    let mus = stride(from: -40.0, through: 40.0, by: 0.25).map { $0 } + [1e-8, -1e-8, 1e-3]
    for f in [Activation.tanh, .sigmoid, .softplus] {
      var start = mode == "big" ? 0.6 : 0.01
      for n in (mode == "big" ? [128, 160, 200, 256] : [16, 20, 24, 32, 40, 48, 64, 96]) {
        let rule = GaussHermiteRule(n: n)
        var s = start, last = 0.0
        outer: while s <= 3 {
          for mu in mus {
            let r = try evaluator.moments(f, mu: mu, sigma: s)
            let (m, d) = MomentEvaluator.meanAndSlope(f, mu: mu, s: s, rule: rule, what: .meanAndSlope)
            let v = MomentEvaluator.variance(f, mu: mu, s: s, rule: rule)
            let e = max(rel(m, r.mean), rel(d, r.meanSlope), rel(v, r.variance))
            if !(e <= 1e-13) { break outer }
          }
          last = s
          s += 0.01
        }
        print("TABLE \(f) n=\(n) maxSigma=\(last)")
        start = max(last, 0.01)
      }
    }
  }
}
