import GSL
import XCTest

@testable import SDE

/// `StationaryOptions.projection`: the mean and variance of y = P x + offset
/// are the batch-means estimates the covariance gives for pᵀx, taken on y.
final class ProjectionStatisticsTests: XCTestCase {
  /// Correlated AR(1) paths in 3 dimensions with a large mean (so the shift
  /// matters), 6 trajectories of 400 samples.
  static func paths() -> [[Double]] {
    var seed: UInt64 = 12345
    func uniform() -> Double {
      seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      return Double(seed >> 11) * 0x1.0p-53 - 0.5
    }
    return (0..<6).map { _ in
      var x = [10.0, -3.0, 0.5], path: [Double] = []
      for _ in 0..<400 {
        let e = [uniform(), uniform(), uniform()]
        x = [0.9 * x[0] + 1 + e[0], 0.5 * x[1] - 1.5 + e[0] + e[1], 0.2 * x[2] + 0.4 + e[2] - e[1]]
        path += x
      }
      return path
    }
  }

  static let projection = StationaryProjection(weights: [1, -2, 0.5, 0, 3, 1], offsets: [7, -1])

  /// Against pᵀ C p and pᵀ mean + offset from the same run's covariance. The
  /// two are the same estimator in exact arithmetic (the batch sums are
  /// bilinear in the samples), so they differ by rounding only: 1e-12 of
  /// the variance is ~10⁴ ulps over 2400 samples of O(1) deviations.
  func testVarianceIsThatOfTheCovariance() throws {
    let options = StationaryOptions(burnIn: 50, thin: 2, batchesPerTrajectory: 4, projection: Self.projection)
    let st = try StationaryStatistics.estimate(paths: Self.paths(), dimension: 3, options: options)
    let cov = try XCTUnwrap(st.covariance), y = try XCTUnwrap(st.projection)
    for o in 0..<2 {
      let p = Array(Self.projection.weights[o * 3..<(o + 1) * 3])
      var pcp = 0.0
      for i in 0..<3 { for k in 0..<3 { pcp += p[i] * cov[i, k] * p[k] } }
      XCTAssertEqual(y.variance[o], pcp, accuracy: 1e-12 * pcp, "output \(o)")
      let linear = st.linearFunctional(weights: p, offset: Self.projection.offsets[o])
      XCTAssertEqual(y.mean[o], linear.mean, accuracy: 1e-12 * abs(linear.mean), "output \(o)")
      XCTAssertEqual(y.meanStandardError[o], linear.standardError, accuracy: 1e-9 * linear.standardError, "output \(o)")
      XCTAssertGreaterThan(y.varianceStandardError[o], 0)
      XCTAssertLessThan(y.varianceStandardError[o], 0.5 * y.variance[o], "24 batches estimate a variance to well under 50 %")
    }
  }

  /// P = a unit row picks one coordinate: its variance and variance SE are
  /// the coordinate's (to rounding: the batch means are formed in another order).
  func testUnitRowGivesTheCoordinateVariance() throws {
    let unit = StationaryProjection(weights: [0, 1, 0], offsets: [0])
    let options = StationaryOptions(burnIn: 10, batchesPerTrajectory: 3, covariance: false, projection: unit)
    let st = try StationaryStatistics.estimate(paths: Self.paths(), dimension: 3, options: options)
    let y = try XCTUnwrap(st.projection)
    XCTAssertNil(st.covariance)
    XCTAssertEqual(y.variance[0], st.variance[1], accuracy: 1e-13 * st.variance[1])
    XCTAssertEqual(y.varianceStandardError[0], st.varianceStandardError[1], accuracy: 1e-10 * st.varianceStandardError[1])
    XCTAssertEqual(y.mean[0], st.mean[1], accuracy: 1e-13 * abs(st.mean[1]))
  }

  /// The projection's sums leave every other estimate's bits alone.
  func testOtherEstimatesUnchanged() throws {
    let plain = try StationaryStatistics.estimate(paths: Self.paths(), dimension: 3, options: StationaryOptions(burnIn: 50, thin: 2))
    let with = try StationaryStatistics.estimate(
      paths: Self.paths(), dimension: 3, options: StationaryOptions(burnIn: 50, thin: 2, projection: Self.projection))
    XCTAssertEqual(plain.mean.map(\.bitPattern), with.mean.map(\.bitPattern))
    XCTAssertEqual(plain.variance.map(\.bitPattern), with.variance.map(\.bitPattern))
    XCTAssertEqual(plain.covariance?.elements.map(\.bitPattern), with.covariance?.elements.map(\.bitPattern))
    XCTAssertEqual(plain.covarianceStandardError?.elements.map(\.bitPattern), with.covarianceStandardError?.elements.map(\.bitPattern))
    XCTAssertNil(plain.projection)
  }

  func testMalformedProjectionIsRejected() {
    for bad in [
      StationaryProjection(weights: [1, 2], offsets: [0]),  // 2 weights for dimension 3
      StationaryProjection(weights: [], offsets: []),
      StationaryProjection(weights: [1, .nan, 0], offsets: [0]),
    ] {
      XCTAssertThrowsError(
        try StationaryStatistics.estimate(paths: Self.paths(), dimension: 3, options: StationaryOptions(burnIn: 10, projection: bad)))
    }
  }
}
