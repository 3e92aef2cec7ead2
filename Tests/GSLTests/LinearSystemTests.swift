import CGSL
import XCTest

@testable import GSL

/// LU and Cholesky on 3×3 systems whose answers are known exactly.
final class LinearSystemTests: XCTestCase {
  /// A = [[2, 1, 1], [4, −6, 0], [−2, 7, 2]], b = A·(1, 2, 3) = (7, −8, 18):
  /// the textbook (Strang) elimination example; det A = −16 by cofactors.
  /// Small integers, so LU with pivoting recovers x to a few ulps.
  func testLUSolvesTheTextbookSystem() throws {
    let a = Matrix(rows: 3, columns: 3, elements: [2, 1, 1, 4, -6, 0, -2, 7, 2])
    let x = try LinearSystem.solve(a, [7, -8, 18])
    for (xi, expected) in zip(x, [1.0, 2, 3]) { XCTAssertEqual(xi, expected, accuracy: 1e-14) }
    let lu = try LUDecomposition(a)
    XCTAssertFalse(lu.isSingular)
    XCTAssertEqual(lu.determinant, -16, accuracy: 1e-13)
    // The same factors solve a second right-hand side: A·(−1, 0, 2) = (0, −4, 6).
    for (xi, expected) in zip(try lu.solve([0, -4, 6]), [-1.0, 0, 2]) { XCTAssertEqual(xi, expected, accuracy: 1e-14) }
  }

  func testLURefusesASingularSystem() throws {
    // Second row = 2 × first; elimination is exact in binary (pivots 2
    // and −1), so U₃₃ is exactly 0.
    let a = Matrix(rows: 3, columns: 3, elements: [1, 2, 3, 2, 4, 6, 1, 1, 1])
    let lu = try LUDecomposition(a)
    XCTAssertTrue(lu.isSingular)
    XCTAssertThrowsError(try lu.solve([1, 2, 3])) { XCTAssertEqual(($0 as? GSLError)?.status, Int32(GSL_EDOM)) }
    XCTAssertThrowsError(try LUDecomposition(Matrix(rows: 2, columns: 3)))
    XCTAssertThrowsError(try LUDecomposition(a).solve([1, 2]))
  }

  /// A = L Lᵀ with L = [[2, 0, 0], [1, 3, 0], [−1, 2, 1]]:
  /// A = [[4, 2, −2], [2, 10, 5], [−2, 5, 6]]; b = A·(1, −1, 2) = (−2, 2, 5).
  func testCholeskyRecoversTheFactorAndTheSolution() throws {
    let a = Matrix(rows: 3, columns: 3, elements: [4, 2, -2, 2, 10, 5, -2, 5, 6])
    let c = try CholeskyDecomposition(a)
    let l: [Double] = [2, 0, 0, 1, 3, 0, -1, 2, 1]
    for (got, expected) in zip(c.lower.elements, l) { XCTAssertEqual(got, expected, accuracy: 1e-14) }
    let x = try LinearSystem.solveSymmetricPositiveDefinite(a, [-2, 2, 5])
    for (xi, expected) in zip(x, [1.0, -1, 2]) { XCTAssertEqual(xi, expected, accuracy: 1e-14) }
  }

  func testCholeskyRefusesAnIndefiniteMatrix() {
    // Eigenvalues 3 and −1.
    let a = Matrix(rows: 2, columns: 2, elements: [1, 2, 2, 1])
    XCTAssertThrowsError(try CholeskyDecomposition(a)) { XCTAssertEqual(($0 as? GSLError)?.status, Int32(GSL_EDOM)) }
  }
}

final class SolverOutcomeTests: XCTestCase {
  func testPayloadAndCodeOfEveryCase() {
    let cases: [SolverOutcome<[Double]>] = [
      .converged([1], iterations: 1), .maxIterations([2], iterations: 2), .stalled([3], iterations: 3),
      .diverged([4], iterations: 4), .leftDomain([5], iterations: 5), .lostBranch([6], iterations: 6),
    ]
    XCTAssertEqual(cases.map(\.code), SolverOutcome<[Double]>.Code.allCases)
    XCTAssertEqual(cases.map(\.iterate), [[1], [2], [3], [4], [5], [6]])
    XCTAssertEqual(cases.map(\.iterations), [1, 2, 3, 4, 5, 6])
    XCTAssertEqual(cases.map(\.converged), [[1], nil, nil, nil, nil, nil])
    XCTAssertEqual(Set(cases.map(\.code.label)).count, 6, "every code reads differently")
  }
}
