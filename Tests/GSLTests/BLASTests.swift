import XCTest

@testable import GSL

final class BLASTests: XCTestCase {
  /// A·Bᵀ against a naive triple loop on a 37×19 by (23×19)ᵀ product of
  /// integers (exact in Float64 at these sizes, so equality is required
  /// whatever the backend's summation order).
  func testMultiplyTransposedExactOnIntegers() {
    let m = 37, n = 23, k = 19
    let a = (0..<(m * k)).map { Double(($0 * 7) % 11) - 5 }
    let b = (0..<(n * k)).map { Double(($0 * 5) % 13) - 6 }
    var c = [Double](repeating: .nan, count: m * n)
    a.withUnsafeBufferPointer { ap in
      b.withUnsafeBufferPointer { bp in
        c.withUnsafeMutableBufferPointer { cp in
          BLAS.multiplyTransposed(ap.baseAddress!, bp.baseAddress!, into: cp.baseAddress!, m: m, n: n, k: k)
        }
      }
    }
    for i in 0..<m {
      for j in 0..<n {
        var s = 0.0
        for q in 0..<k { s += a[i * k + q] * b[j * k + q] }
        XCTAssertEqual(c[i * n + j], s, "C[\(i),\(j)] with \(BLAS.implementation)")
      }
    }
  }

  /// gemm in all four transpose combinations, with α and β, against a naive
  /// loop on small integers (exact in Float64, so equality is required).
  func testGemmAllTransposesExactOnIntegers() {
    let m = 7, n = 5, k = 6
    for ta in [false, true] {
      for tb in [false, true] {
        let a = (0..<(m * k)).map { Double(($0 * 7) % 11) - 5 }
        let b = (0..<(k * n)).map { Double(($0 * 5) % 13) - 6 }
        let c0 = (0..<(m * n)).map { Double($0 % 3) }
        var c = c0
        a.withUnsafeBufferPointer { ap in
          b.withUnsafeBufferPointer { bp in
            c.withUnsafeMutableBufferPointer { cp in
              BLAS.gemm(
                ap.baseAddress!, transposeA: ta, bp.baseAddress!, transposeB: tb, into: cp.baseAddress!, m: m, n: n, k: k,
                alpha: 2, beta: -1)
            }
          }
        }
        for i in 0..<m {
          for j in 0..<n {
            var s = 0.0
            for q in 0..<k {
              let aiq = ta ? a[q * m + i] : a[i * k + q]
              let bqj = tb ? b[j * k + q] : b[q * n + j]
              s += aiq * bqj
            }
            XCTAssertEqual(c[i * n + j], 2 * s - c0[i * n + j], "C[\(i),\(j)] transposeA \(ta) transposeB \(tb)")
          }
        }
      }
    }
  }

  /// With OpenBLAS the thread count is settable and reported back; with
  /// GSL's CBLAS there is nothing to set. Either way products stay exact.
  func testSetThreadsMatchesTheBackend() {
    let set = BLAS.setThreads(2)
    XCTAssertEqual(set, BLAS.implementation == "openblas" ? 2 : nil)
    BLAS.setThreads(1)  // back to what the library chose on loading
    testMultiplyTransposedExactOnIntegers()
  }
}
