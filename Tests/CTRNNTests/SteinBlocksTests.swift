import GSL
import XCTest

@testable import CTRNN

/// From 256 rows the Stein solver's products are cut into fixed row blocks
/// that may run on several threads: the solution must be the same bits on
/// one thread and on four, and still solve C = A C Aᵀ + Q.
final class SteinBlocksTests: XCTestCase {
  func testBlockedProductsAreThreadCountIndependentAndSolve() throws {
    let n = 260
    XCTAssertEqual(SteinEquation.rowBlocks(n).count, 4)
    XCTAssertEqual(SteinEquation.rowBlocks(n).map(\.count).reduce(0, +), n)
    let rng = try GSLRandom(seed: 11)
    // A = 0.9 I + 0.05 G/√n: spectral radius about 0.95, a slowly mixing map like a closure's.
    var a = Matrix(rows: n, columns: n, elements: (0..<(n * n)).map { _ in 0.05 * rng.gaussian() / Double(n).squareRoot() })
    for i in 0..<n { a[i, i] += 0.9 }
    var q = Matrix(rows: n, columns: n)
    for i in 0..<n { q[i, i] = 0.01 * (1 + rng.uniform()) }
    let one = try SteinEquation.solve(a: a, q: q, threads: 1)
    let four = try SteinEquation.solve(a: a, q: q, threads: 4)
    XCTAssertEqual(one.elements.map(\.bitPattern), four.elements.map(\.bitPattern))
    // C is O(0.01/(1 − 0.95²)) ≈ 0.1; the residual is rounding in ~10
    // doublings of products of 260 terms: 1e-13 is ~1000 ulps of room.
    XCTAssertLessThan(SteinEquation.residual(c: one, a: a, q: q), 1e-13)
  }

  /// The upper-triangle product equals the full dgemm product to rounding
  /// (each entry is the same length-n dot product, summed in blocks of
  /// other widths: |Δ| ≤ n ε Σ|xᵢₖ bⱼₖ| ≈ 1e-13 here) and is exactly
  /// symmetric; sizes with one block, several, and a ragged last block.
  func testSymmetricProductMatchesFullProduct() throws {
    let rng = try GSLRandom(seed: 12)
    for n in [5, 40, 300] {
      var a = Matrix(rows: n, columns: n, elements: (0..<(n * n)).map { _ in rng.gaussian() / Double(n).squareRoot() })
      var c = Matrix(rows: n, columns: n)
      for i in 0..<n { for j in 0...i { let v = rng.gaussian(); c[i, j] = v; c[j, i] = v } }
      for i in 0..<n { a[i, i] += 0.5 }
      let x = SteinEquation.multiply(a, c)
      let full = SteinEquation.multiplyTransposed(x, a)
      for threads in [1, 3] {
        let upper = SteinEquation.symmetricProduct(x, a, threads: threads)
        for i in 0..<n {
          for j in 0..<n {
            XCTAssertEqual(upper[i, j].bitPattern, upper[j, i].bitPattern)
            XCTAssertEqual(upper[i, j], full[i, j], accuracy: 1e-12)
          }
        }
      }
    }
  }

  /// Smith doubling with the symmetric product against vec(C) = (I −
  /// A⊗A)⁻¹ vec(Q) by LU (GSL, an independent method) on random stable
  /// 30×30 maps of spectral radius about 0.95, to 1e-10 of ‖C‖: I − A⊗A
  /// has condition ~1/(1 − 0.95²) ≈ 10 times the spread of A's spectrum,
  /// so the two backward-stable solutions differ by ≲ 1e-13 relative.
  func testSmithMatchesKroneckerOnRandomStableMaps() throws {
    let n = 30, m = n * n
    for seed: UInt in [21, 22, 23] {
      let rng = try GSLRandom(seed: seed)
      var a = Matrix(rows: n, columns: n, elements: (0..<(n * n)).map { _ in 0.05 * rng.gaussian() / Double(n).squareRoot() })
      for i in 0..<n { a[i, i] += 0.9 }
      var q = Matrix(rows: n, columns: n)
      for i in 0..<n { q[i, i] = 0.01 * (1 + rng.uniform()) }
      // A full symmetric Q too (the solver does not assume a diagonal one).
      for i in 0..<n { for j in 0..<i { let v = 0.001 * rng.gaussian(); q[i, j] = v; q[j, i] = v } }
      let c = try SteinEquation.solve(a: a, q: q, threads: 2)
      var big = Matrix(rows: m, columns: m)
      for i in 0..<n { for j in 0..<n {
        let r = i * n + j
        big[r, r] += 1
        for k in 0..<n { for l in 0..<n { big[r, k * n + l] -= a[i, k] * a[j, l] } }
      } }
      let exact = try LinearSystem.solve(big, q.elements)
      let scale = c.elements.map(abs).max()!
      for r in 0..<m { XCTAssertEqual(c.elements[r], exact[r], accuracy: 1e-10 * scale) }
    }
  }
}
