import Foundation
import GSL
import XCTest

@testable import SDE

/// `StationaryAccumulator.upperProduct` (the covariance triangle by row
/// blocks) against the full DᵀD on data other than the shape check's own:
/// on and above the diagonal, the same bits whenever `upperProductExact`
/// says so, and otherwise still the same sums up to rounding (k ≤ 32
/// products per entry, summed in another order: |error| ≤ k·ε·Σ|dₐdᵦ|).
final class UpperProductTests: XCTestCase {
  func testUpperBlocksMatchTheFullProduct() throws {
    let rng = try GSLRandom(seed: 11)
    for (n, k) in [(512, 32), (512, 7), (200, 32), (300, 32), (70, 1)] {
      let d = (0..<(k * n)).map { _ in rng.gaussian() }
      var full = [Double](repeating: 0, count: n * n), upper = full
      d.withUnsafeBufferPointer { dp in
        full.withUnsafeMutableBufferPointer {
          BLAS.gemm(dp.baseAddress!, transposeA: true, dp.baseAddress!, transposeB: false, into: $0.baseAddress!, m: n, n: n, k: k)
        }
        upper.withUnsafeMutableBufferPointer {
          StationaryAccumulator.upperProduct(dp.baseAddress!, n: n, k: k, into: $0.baseAddress!)
        }
      }
      let exact = StationaryAccumulator.upperProductExact(n: n, k: k)
      var differing = 0
      for a in 0..<n {
        for b in a..<n {
          let x = full[a * n + b], y = upper[a * n + b]
          if x.bitPattern != y.bitPattern { differing += 1 }
          var bound = 0.0
          for r in 0..<k { bound += abs(d[r * n + a] * d[r * n + b]) }
          XCTAssertLessThanOrEqual(abs(x - y), Double(k) * Double.ulpOfOne * bound, "n \(n), k \(k), (\(a), \(b))")
        }
      }
      if exact { XCTAssertEqual(differing, 0, "n \(n), k \(k): the shape check said exact") }
    }
  }
}
