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
}
