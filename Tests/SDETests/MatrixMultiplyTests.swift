import Benchmarks
import XCTest

@testable import SDE

final class MatrixMultiplyTests: XCTestCase {
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
          MatrixMultiply.multiplyTransposed(ap.baseAddress!, bp.baseAddress!, into: cp.baseAddress!, m: m, n: n, k: k)
        }
      }
    }
    for i in 0..<m {
      for j in 0..<n {
        var s = 0.0
        for q in 0..<k { s += a[i * k + q] * b[j * k + q] }
        XCTAssertEqual(c[i * n + j], s, "C[\(i),\(j)] with \(MatrixMultiply.implementation)")
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
              MatrixMultiply.gemm(
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

  /// The benchmark network is a real chain: one step from x = 0 with noise
  /// ξ gives x' = γ tanh(b + σξ) exactly (W·0 = 0).
  func testBenchmarkNetworkOneStep() throws {
    let chain = try SDEBenchmark.noiseInTanhChain(
      weights: [Double](repeating: 0.3, count: 9), bias: [0.1, -0.2, 0.3], gamma: 0.1, sigma: 0.5, steps: 1)
    let x = [0.0, 0, 0], xi = [1.0, -1, 0.5]
    var next = [0.0, 0, 0]
    x.withUnsafeBufferPointer { xp in xi.withUnsafeBufferPointer { ip in next.withUnsafeMutableBufferPointer { chain.map(xp, ip, $0) } } }
    for i in 0..<3 { XCTAssertEqual(next[i], 0.1 * tanh([0.1, -0.2, 0.3][i] + 0.5 * xi[i]), accuracy: 1e-16) }
  }
}
