import CGSL
import Foundation
import GSL
import XCTest
import _TestSupport

final class NonsymmetricEigenTests: XCTestCase {
  /// Francis QR is backward stable: eigenvalue errors ~ ε·‖A‖ for these
  /// well-conditioned (normal) matrices, so 1e-13·‖A‖ is ~500 ulps of room.
  let tolerance = 1e-13

  func testRotationScalingHasComplexPair() throws {
    // r·R(θ) = [[a, −b], [b, a]] with a = r cos θ, b = r sin θ: eigenvalues a ± ib.
    let a = 0.6, b = 1.7
    let m = Matrix(rows: 2, columns: 2, elements: [a, -b, b, a])
    let d = try NonsymmetricEigen.decompose(m)
    XCTAssertEqual(d.values.count, 2)
    let sorted = d.values.sorted { $0.imaginary < $1.imaginary }
    XCTAssertEqual(sorted[0].real, a, accuracy: tolerance * 2)
    XCTAssertEqual(sorted[0].imaginary, -b, accuracy: tolerance * 2)
    XCTAssertEqual(sorted[1].real, a, accuracy: tolerance * 2)
    XCTAssertEqual(sorted[1].imaginary, b, accuracy: tolerance * 2)
    XCTAssertEqual(d.spectralRadius, hypot(a, b), accuracy: tolerance * 2)

    // Each eigenvector column satisfies A v = λ v and has unit norm.
    for k in 0..<2 {
      let lambda = d.values[k]
      var norm2 = 0.0
      for i in 0..<2 {
        var re = 0.0, im = 0.0
        for j in 0..<2 {
          re += m[i, j] * d.vectors[j][k].real
          im += m[i, j] * d.vectors[j][k].imaginary
        }
        let v = d.vectors[i][k]
        XCTAssertEqual(re, lambda.real * v.real - lambda.imaginary * v.imaginary, accuracy: 1e-12)
        XCTAssertEqual(im, lambda.real * v.imaginary + lambda.imaginary * v.real, accuracy: 1e-12)
        norm2 += v.real * v.real + v.imaginary * v.imaginary
      }
      XCTAssertEqual(norm2, 1, accuracy: 1e-12)
    }
  }

  func testDiagonalSortedByMagnitude() throws {
    var m = Matrix(rows: 4, columns: 4)
    for (i, v) in [0.5, -3.0, 2.0, -0.1].enumerated() { m[i, i] = v }
    let values = try NonsymmetricEigen.eigenvalues(m)
    // Exact for a diagonal matrix up to balancing (powers of two: exact).
    XCTAssertEqual(values.map(\.real), [-3.0, 2.0, 0.5, -0.1])
    XCTAssertEqual(values.map(\.imaginary), [0, 0, 0, 0])
    XCTAssertEqual(try NonsymmetricEigen.decompose(m).spectralRadius, 3)
  }

  func testSpectralRadiusOfNonNormalMatrix() throws {
    // Upper triangular: eigenvalues are the diagonal, whatever the coupling.
    let m = Matrix(rows: 3, columns: 3, elements: [0.9, 5, -2, 0, -0.95, 3, 0, 0, 0.3])
    let d = try NonsymmetricEigen.decompose(m)
    // Non-normal: errors scale with the coupling (‖A‖ ≈ 6), hence 1e-12.
    XCTAssertEqual(d.spectralRadius, 0.95, accuracy: 1e-12)
    XCTAssertEqual(d.values[0].real, -0.95, accuracy: 1e-12)
    XCTAssertEqual(Eigenvalue(real: 3, imaginary: -4).magnitude, 5)
  }

  func testIdentityAndEmpty() throws {
    let values = try NonsymmetricEigen.eigenvalues(.identity(3))
    XCTAssertEqual(values, Array(repeating: Eigenvalue(real: 1, imaginary: 0), count: 3))
    let empty = try NonsymmetricEigen.decompose(Matrix(rows: 0, columns: 0))
    XCTAssertEqual(empty.values, [])
    XCTAssertEqual(empty.spectralRadius, 0)
  }

  func testNonSquareThrows() {
    XCTAssertThrowsError(try NonsymmetricEigen.decompose(Matrix(rows: 2, columns: 3))) { error in
      guard let e = error as? GSLError else { return XCTFail("\(error)") }
      XCTAssertEqual(e.status, Int32(GSL_ENOTSQR))
      XCTAssert(e.reason.contains("2×3"), e.description)
    }
  }

  func testNonFiniteEntryThrows() {
    for bad in [Double.nan, .infinity] {
      let m = Matrix(rows: 2, columns: 2, elements: [1, bad, 0, 1])
      XCTAssertThrowsError(try NonsymmetricEigen.decompose(m)) { error in
        guard let e = error as? GSLError else { return XCTFail("\(error)") }
        XCTAssertEqual(e.status, Int32(GSL_EDOM))
        XCTAssert(e.reason.contains("non-finite"), e.description)
      }
    }
  }
}

final class MatrixTests: XCTestCase {
  func testConstructionAndRowMajorSubscript() {
    var m = Matrix(rows: 2, columns: 3, elements: [1, 2, 3, 4, 5, 6])
    XCTAssertEqual(m[0, 2], 3)
    XCTAssertEqual(m[1, 0], 4)
    m[1, 2] = -1
    XCTAssertEqual(m.elements, [1, 2, 3, 4, 5, -1])
    XCTAssertEqual(Matrix(rows: 2, columns: 2, repeating: 7).elements, [7, 7, 7, 7])
    XCTAssertEqual(Matrix(rows: 1, columns: 3).elements, [0, 0, 0])
    XCTAssertEqual(Matrix.identity(2), Matrix(rows: 2, columns: 2, elements: [1, 0, 0, 1]))
    XCTAssertNotEqual(Matrix(rows: 1, columns: 4), Matrix(rows: 2, columns: 2))
  }
}
