import Foundation
import XCTest

@testable import GaussianMoments

/// The batched mean and slope beyond the Gauss–Hermite rules' range
/// (`WideGaussianRule`, the trapezoidal rule in x) against the scalar path
/// and the mpmath table.
///
/// Tolerance 1e-12 relative: the rule's discretisation error is e^{−39.5} ≈ 7e-18
/// times a factor below ~10² (see the type's doc), its truncation below
/// 1e-20, and the weights' recurrence carries at most ~32²/4 ulp ≈ 6e-14
/// between exact re-anchorings; the scalar path is itself checked against
/// mpmath at 1e-13. So 1e-12 leaves a margin of ~10 over the expected error,
/// while a wrong step, range or comparator shows as 1e-6 or worse.
final class WideGaussianRuleTests: XCTestCase {
  private func rel(_ a: Double, _ b: Double) -> Double { b == 0 ? abs(a) : abs(a - b) / abs(b) }

  func testAgreesWithScalarPath() throws {
    let evaluator = try MomentEvaluator()
    let mus = stride(from: -40.0, through: 40.0, by: 0.5).map { $0 } + [1e-8, -1e-8, 1e-3, 0.3, -0.3, 120, -250]
    var worst = (0.0, "")
    for f in [Activation.tanh, .sigmoid, .softplus] {
      let bound = BatchedRule.maxSigma(f)
      for s in [bound * 1.0001, 1.0, 1.3, 2, 3, 5, 10, 20, 50, 300] where s > bound {
        let sv = [Double](repeating: s, count: mus.count)
        let batch = try evaluator.batchedMoments(f, mu: mus, sigma: sv, .meanAndSlope)
        for (i, mu) in mus.enumerated() {
          XCTAssertNotNil(WideGaussianRule.rule(f)!.meanAndSlope(mu: mu, s: s, what: .meanAndSlope), "\(f) μ=\(mu) s=\(s) left to the scalar path")
          let r = try evaluator.moments(f, mu: mu, sigma: s)
          for (name, ours, ref) in [("mean", batch.mean[i], r.mean), ("slope", batch.meanSlope[i], r.meanSlope)] {
            let e = rel(ours, ref)
            XCTAssert(e <= 1e-12, "\(f) μ=\(mu) s=\(s) \(name): \(ours) vs \(ref) (rel \(e))")
            if e > worst.0 { worst = (e, "\(f) μ=\(mu) s=\(s) \(name)") }
          }
        }
      }
    }
    print("wide rule vs scalar path, worst relative difference:", worst)
  }

  /// Every row of the mpmath table the rule covers (s beyond the
  /// Gauss–Hermite bound), mean and slope.
  func testAgainstReferenceTable() throws {
    let evaluator = try MomentEvaluator()
    var checked = 0
    for row in ReferenceMoments.rows {
      guard let f = Activation(rawValue: row.activation), let rule = WideGaussianRule.rule(f),
        row.s > BatchedRule.maxSigma(f), rule.meanAndSlope(mu: row.mu, s: row.s, what: .meanAndSlope) != nil
      else { continue }
      let b = try evaluator.batchedMoments(f, mu: [row.mu], sigma: [row.s], .meanAndSlope)
      XCTAssert(rel(b.mean[0], row.mean) <= 1e-12, "\(f) μ=\(row.mu) s=\(row.s) mean \(b.mean[0]) vs \(row.mean)")
      XCTAssert(rel(b.meanSlope[0], row.meanSlope) <= 1e-12, "\(f) μ=\(row.mu) s=\(row.s) slope \(b.meanSlope[0]) vs \(row.meanSlope)")
      checked += 1
    }
    // The table has 30 (μ) rows at each of s = 1, 3, 10, 50 per activation,
    // and more; all of them must have been reachable.
    XCTAssertGreaterThanOrEqual(checked, 60)
    print("wide rule: \(checked) mpmath rows checked")
  }

  /// tanh's mean is odd: near μ = 0 it is linear in μ, and the folded sum
  /// must keep that to full relative precision (a plain sum would lose it to
  /// cancellation: at μ = 1e-300 it would be pure rounding).
  func testTanhMeanKeepsRelativePrecisionNearZero() throws {
    let rule = try XCTUnwrap(WideGaussianRule.rule(.tanh))
    for s in [1.0, 4, 40] {
      let (ref, _) = try XCTUnwrap(rule.meanAndSlope(mu: 1e-8, s: s, what: .mean))
      for mu in [1e-12, 1e-100, 1e-300, -1e-300] {
        let (m, _) = try XCTUnwrap(rule.meanAndSlope(mu: mu, s: s, what: .mean))
        // Linear to O(μ²) relative: 1e-16 at μ = 1e-8.
        XCTAssertEqual(m / mu, ref / 1e-8, accuracy: 1e-13 * abs(ref / 1e-8), "s=\(s) μ=\(mu)")
      }
      let (zero, _) = try XCTUnwrap(rule.meanAndSlope(mu: 0, s: s, what: .mean))
      XCTAssertEqual(zero, 0)
    }
  }

  /// Far out the nodes needed leave the table: nil, and the batched path
  /// then gives the scalar path's bits.
  func testFarOutIsLeftToTheScalarPath() throws {
    let evaluator = try MomentEvaluator()
    XCTAssertNil(WideGaussianRule.rule(.tanh)!.meanAndSlope(mu: 1000, s: 2, what: .meanAndSlope))
    XCTAssertNil(WideGaussianRule.rule(.relu))
    let b = try evaluator.batchedMoments(.sigmoid, mu: [-1000], sigma: [3], .meanAndSlope)
    let r = try evaluator.moments(.sigmoid, mu: -1000, sigma: 3)
    XCTAssertEqual(b.mean[0], r.mean)
    XCTAssertEqual(b.meanSlope[0], r.meanSlope)
  }
}
