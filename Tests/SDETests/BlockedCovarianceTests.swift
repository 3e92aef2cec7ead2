import Foundation
import GSL
import XCTest

@testable import SDE

/// The covariance triangle is accumulated as DᵀD over blocks of records
/// (`StationaryAccumulator.block`), flushed when a block fills, when a
/// trajectory's batch changes and at the end. Checked against the plain
/// two-pass covariance of the same samples, with record counts that are not
/// multiples of the block and several batches per trajectory, so every
/// flush path runs.
final class BlockedCovarianceTests: XCTestCase {
  func testBlockedTriangleMatchesDirectBatchCovariances() throws {
    let n = 5, trajectories = 3, length = 151  // 151 records: 4 full blocks of 32 and 23 over
    let rng = try GSLRandom(seed: 7)
    // Correlated samples x = L z + offset, different per trajectory.
    var paths: [[Double]] = []
    for j in 0..<trajectories {
      var path: [Double] = []
      for _ in 0..<length {
        let z = (0..<n).map { _ in rng.gaussian() }
        for i in 0..<n {
          var x = 3 + Double(j)
          for l in 0...i { x += z[l] * Double(l + 1) / Double(i + 1) }
          path.append(x)
        }
      }
      paths.append(path)
    }
    let options = StationaryOptions(burnIn: 0, thin: 1, batchesPerTrajectory: 5)
    let st = try StationaryStatistics.estimate(paths: paths, dimension: n, options: options)
    let cov = try XCTUnwrap(st.covariance)
    // Direct: batch b of trajectory j is records skipped + b·L ..< skipped + (b+1)·L
    // (151 = 5·30 + 1: one leading record dropped); each batch's covariance
    // about the overall mean, averaged over the 15 batches.
    let batchLength = length / 5, skipped = length - 5 * batchLength
    var batches: [[Double]] = []
    for path in paths {
      for b in 0..<5 {
        let from = (skipped + b * batchLength) * n
        batches.append(Array(path[from..<(from + batchLength * n)]))
      }
    }
    var mean = [Double](repeating: 0, count: n)
    for rows in batches {
      for r in 0..<batchLength { for i in 0..<n { mean[i] += rows[r * n + i] } }
    }
    mean = mean.map { $0 / Double(batches.count * batchLength) }
    XCTAssertEqual(st.mean.count, n)
    for i in 0..<n {
      // Sums of ~150 terms of size ~10: the two orders of summation agree to ~1e-13 relative.
      XCTAssertEqual(st.mean[i], mean[i], accuracy: 1e-12 * abs(mean[i]))
      for k in 0..<n {
        var direct = 0.0
        for rows in batches {
          var s = 0.0
          for r in 0..<batchLength { s += (rows[r * n + i] - mean[i]) * (rows[r * n + k] - mean[k]) }
          direct += s / Double(batchLength)
        }
        direct /= Double(batches.count)
        XCTAssertEqual(cov[i, k], direct, accuracy: 1e-11 * max(1, abs(direct)), "(\(i), \(k))")
      }
    }
  }
}
