import Foundation
import XCTest

@testable import GaussianMoments

/// The batched mean and slope from the Fourier side (`SpectralGaussianRule`)
/// against the scalar path and the mpmath table.
///
/// Tolerance 1e-12 relative: the rule accepts an element only where its
/// own worst-case bound (rounding of the rotation and the sums, the k-tail,
/// the aliasing) is below 1e-13 of the result; the scalar path is checked
/// against mpmath at 1e-13 (the mpmath rows here directly). A wrong weight,
/// step or sign shows as 1e-6 or worse.
final class SpectralGaussianRuleTests: XCTestCase {
  private func rel(_ a: Double, _ b: Double) -> Double { b == 0 ? abs(a) : abs(a - b) / abs(b) }

  /// (mean, slope, accepted) straight from the rule, for one s.
  private func spectral(_ f: Activation, mus: [Double], s: Double) -> ([Double], [Double], [Bool]) {
    let rule = SpectralGaussianRule(f, sigma: s)
    var mean = [Double](repeating: .nan, count: mus.count), slope = mean
    var ok = [Bool](repeating: false, count: mus.count)
    mus.withUnsafeBufferPointer { m in
      mean.withUnsafeMutableBufferPointer { me in
        slope.withUnsafeMutableBufferPointer { sl in
          ok.withUnsafeMutableBufferPointer { o in
            rule.evaluate(mu: m, mean: me.baseAddress!, slope: sl.baseAddress!, accepted: o.baseAddress!)
          }
        }
      }
    }
    return (mean, slope, ok)
  }

  /// The benchmark's wide grid (`BatchedMomentsBenchmark.Grid.wide`: μ from −3
  /// to 3 by 0.25, s ∈ {1.5, 3, 10, 50}): every element the rule covers must be
  /// accepted by it (so the benchmark times this rule, not a fallback) and
  /// agree with the scalar path; the batched path as a whole likewise.
  func testBenchmarkWideGridAgainstScalarPath() throws {
    let evaluator = try MomentEvaluator()
    let mus = stride(from: -3.0, through: 3.0, by: 0.25).map { $0 }
    var worst = (0.0, "")
    for f in [Activation.tanh, .sigmoid, .softplus] {
      for s in [1.5, 3, 10, 50] {
        let batch = try evaluator.batchedMoments(f, mu: mus, sigma: [Double](repeating: s, count: mus.count), .meanAndSlope)
        let covered = SpectralGaussianRule.applies(f, sigma: s)
        let (mean, slope, ok) = spectral(f, mus: mus, s: s)
        for (i, mu) in mus.enumerated() {
          let r = try evaluator.moments(f, mu: mu, sigma: s)
          if covered {
            XCTAssert(ok[i], "\(f) μ=\(mu) s=\(s) declined by the spectral rule")
            for (name, ours, ref) in [("mean", mean[i], r.mean), ("slope", slope[i], r.meanSlope)] {
              let e = rel(ours, ref)
              XCTAssert(e <= 1e-12, "spectral \(f) μ=\(mu) s=\(s) \(name): \(ours) vs \(ref) (rel \(e))")
              if e > worst.0 { worst = (e, "\(f) μ=\(mu) s=\(s) \(name)") }
            }
          }
          for (name, ours, ref) in [("mean", batch.mean[i], r.mean), ("slope", batch.meanSlope[i], r.meanSlope)] {
            XCTAssert(rel(ours, ref) <= 1e-12, "batched \(f) μ=\(mu) s=\(s) \(name): \(ours) vs \(ref)")
          }
        }
      }
    }
    print("spectral rule on the benchmark's wide grid, worst relative difference:", worst)
  }

  /// A wider μ range and more s (including just past the Gauss–Hermite
  /// bound): where the rule accepts it agrees with the scalar path, and the
  /// batched path (spectral, then the trapezoid in x, then scalar) always does.
  func testAgreesWithScalarPathWherever() throws {
    let evaluator = try MomentEvaluator()
    let mus = stride(from: -40.0, through: 40.0, by: 0.5).map { $0 } + [1e-8, -1e-8, 1e-300, 0.3, -0.3, 120, -250]
    var accepted = 0, total = 0
    for f in [Activation.tanh, .sigmoid, .softplus] {
      for s in [SpectralGaussianRule.lowerSigma(f) * 1.0001, 0.7, 0.8, BatchedRule.maxSigma(f) * 1.0001, 1.0, 1.3, 1.4, 1.6, 2, 2.5, 4, 7, 20, 33, 50, 120, 300] where SpectralGaussianRule.applies(f, sigma: s) {
        let (mean, slope, ok) = spectral(f, mus: mus, s: s)
        let batch = try evaluator.batchedMoments(f, mu: mus, sigma: [Double](repeating: s, count: mus.count), .meanAndSlope)
        for (i, mu) in mus.enumerated() {
          let r = try evaluator.moments(f, mu: mu, sigma: s)
          total += 1
          if ok[i] {
            accepted += 1
            XCTAssert(rel(mean[i], r.mean) <= 1e-12, "\(f) μ=\(mu) s=\(s) mean \(mean[i]) vs \(r.mean)")
            XCTAssert(rel(slope[i], r.meanSlope) <= 1e-12, "\(f) μ=\(mu) s=\(s) slope \(slope[i]) vs \(r.meanSlope)")
          }
          XCTAssert(rel(batch.mean[i], r.mean) <= 1e-12, "batched \(f) μ=\(mu) s=\(s) mean")
          XCTAssert(rel(batch.meanSlope[i], r.meanSlope) <= 1e-12, "batched \(f) μ=\(mu) s=\(s) slope")
        }
      }
    }
    print("spectral rule accepted \(accepted) of \(total) (μ, s)")
    XCTAssertGreaterThan(accepted, total / 3)
  }

  /// Every mpmath row the rule covers and accepts, mean and slope.
  func testAgainstReferenceTable() throws {
    var checked = 0
    for row in ReferenceMoments.rows {
      guard let f = Activation(rawValue: row.activation), SpectralGaussianRule.applies(f, sigma: row.s) else { continue }
      let (mean, slope, ok) = spectral(f, mus: [row.mu], s: row.s)
      guard ok[0] else { continue }
      XCTAssert(rel(mean[0], row.mean) <= 1e-12, "\(f) μ=\(row.mu) s=\(row.s) mean \(mean[0]) vs \(row.mean)")
      XCTAssert(rel(slope[0], row.meanSlope) <= 1e-12, "\(f) μ=\(row.mu) s=\(row.s) slope \(slope[0]) vs \(row.meanSlope)")
      checked += 1
    }
    // The table has 10 μ at each of s = 1, 3, 10, 50 per activation; all
    // but the far tails (|μ| = 20 at small s) fall to this rule.
    XCTAssertGreaterThanOrEqual(checked, 60)
    print("spectral rule: \(checked) mpmath rows checked")
  }

  /// tanh's mean is odd and linear near 0: the sine sum keeps its relative
  /// precision there (every term is ∝ μ).
  func testTanhMeanNearZero() throws {
    for s in [1.0, 4, 40] {
      let (ref, _, okRef) = spectral(.tanh, mus: [1e-8], s: s)
      XCTAssert(okRef[0])
      let mus = [1e-12, 1e-100, 1e-300, -1e-300, 0]
      let (m, _, ok) = spectral(.tanh, mus: mus, s: s)
      for (i, mu) in mus.enumerated() {
        XCTAssert(ok[i], "s=\(s) μ=\(mu) declined")
        if mu == 0 { XCTAssertEqual(m[i], 0) } else {
          XCTAssertEqual(m[i] / mu, ref[0] / 1e-8, accuracy: 1e-13 * abs(ref[0] / 1e-8), "s=\(s) μ=\(mu)")
        }
      }
    }
  }

  /// Node counts stay small and, from s ≈ 10 on, independent of s (the
  /// Gaussian confines k to ~9/s while the aliasing distance grows like s).
  func testNodeCounts() {
    let big = [10.0, 50, 300, 1e4].map { SpectralGaussianRule(.tanh, sigma: $0).count }
    XCTAssertLessThanOrEqual(big.max()!, 20, "\(big)")
    XCTAssertLessThanOrEqual(SpectralGaussianRule(.tanh, sigma: 1.5).count, 32)
    XCTAssertLessThanOrEqual(SpectralGaussianRule(.sigmoid, sigma: 1.5).count, 45)
  }
}
