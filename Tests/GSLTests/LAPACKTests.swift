import Foundation
import XCTest

@testable import GSL

/// The LAPACK paths (OpenBLAS's dgeev and dgesv, found at run time) against
/// GSL's own routines on the same problems. Skipped where OpenBLAS is absent
/// (then every caller uses GSL and there is nothing to compare).
final class LAPACKTests: XCTestCase {
  /// A random nonsymmetric n×n matrix with entries N(0, 1/n) (spectrum in
  /// about the unit disc), from GSL's MT19937.
  func randomMatrix(_ n: Int, seed: UInt) throws -> Matrix {
    let rng = try GSLRandom(seed: seed)
    return Matrix(rows: n, columns: n, elements: (0..<(n * n)).map { _ in rng.gaussian() / Double(n).squareRoot() })
  }

  /// Values-only spectra come from dgeev, spectra with vectors from GSL's
  /// Francis QR: both are backward stable, so on a random matrix (eigenvalue
  /// condition numbers O(√n)) they agree to ~ε·‖A‖·√n; 1e-11 leaves two
  /// orders of magnitude of room at n = 80 and still catches a transposed or
  /// mis-sorted spectrum (eigenvalues here are O(1) apart from each other
  /// in magnitude order only at the 1e-2 level).
  func testDgeevSpectrumMatchesGSL() throws {
    try XCTSkipUnless(LAPACK.available, "OpenBLAS (LAPACK) is not installed")
    for seed: UInt in [1, 2] {
      let a = try randomMatrix(80, seed: seed)
      let lapack = try NonsymmetricEigen.eigenvalues(a)
      let gsl = try NonsymmetricEigen.decompose(a, vectors: true).values
      XCTAssertEqual(lapack.count, 80)
      XCTAssertEqual(lapack.map(\.magnitude), lapack.map(\.magnitude).sorted(by: >), "sorted by decreasing magnitude")
      for (x, y) in zip(lapack, gsl) {
        XCTAssertEqual(x.magnitude, y.magnitude, accuracy: 1e-11)
      }
      // Same multiset of eigenvalues: match each LAPACK value to its nearest GSL one.
      for x in lapack {
        let nearest = gsl.map { hypot($0.real - x.real, $0.imaginary - x.imaginary) }.min()!
        XCTAssertLessThan(nearest, 1e-11)
      }
    }
  }

  /// Eigenvectors by dgeev against GSL's on random nonsymmetric matrices:
  /// each is a unit eigenvector (‖A v − λ v‖ ≤ 1e-12: backward error ε‖A‖√n
  /// times a modest eigenvector condition), both follow the phase
  /// convention, and where the eigenvalue is separated from the rest by more
  /// than 1e-2 the two libraries' vectors agree to 1e-10 (the perturbation
  /// of a vector is ~ ε‖A‖/gap ≈ 1e-13 there, so 1e-10 is room, and a
  /// wrong sign, conjugate or column would be O(1)).
  func testDgeevVectorsMatchGSL() throws {
    try XCTSkipUnless(LAPACK.available, "OpenBLAS (LAPACK) is not installed")
    let n = 60
    for seed: UInt in [4, 5] {
      let a = try randomMatrix(n, seed: seed)
      let lapack = try NonsymmetricEigen.decompose(a)
      let gsl = try NonsymmetricEigen.gslDecompose(a, vectors: true)
      XCTAssertEqual(lapack.values.count, n)
      var compared = 0
      for k in 0..<n {
        let lambda = lapack.values[k]
        let v = (0..<n).map { lapack.vectors[$0][k] }
        var worst = 0.0, norm2 = 0.0
        for i in 0..<n {
          var re = 0.0, im = 0.0
          for j in 0..<n {
            re += a[i, j] * v[j].real
            im += a[i, j] * v[j].imaginary
          }
          worst = max(worst, hypot(re - (lambda.real * v[i].real - lambda.imaginary * v[i].imaginary),
                                   im - (lambda.real * v[i].imaginary + lambda.imaginary * v[i].real)))
          norm2 += v[i].real * v[i].real + v[i].imaginary * v[i].imaginary
        }
        XCTAssertLessThan(worst, 1e-12, "A v = λ v for vector \(k)")
        XCTAssertEqual(norm2, 1, accuracy: 1e-13)
        // The convention: the largest component real and positive.
        let largest = v.map(\.magnitude).max()!
        let p = v.firstIndex { $0.magnitude >= largest * (1 - 1e-6) }!
        XCTAssertGreaterThan(v[p].real, 0)
        XCTAssertEqual(v[p].imaginary, 0)
        // A conjugate pair lists λ (positive imaginary part) first.
        if k + 1 < n, lapack.values[k + 1].magnitude == lambda.magnitude, lambda.imaginary != 0 {
          XCTAssertGreaterThan(lambda.imaginary, 0)
        }
        let gap = (0..<n).filter { $0 != k }.map {
          hypot(lapack.values[$0].real - lambda.real, lapack.values[$0].imaginary - lambda.imaginary)
        }.min()!
        guard gap > 1e-2 else { continue }
        XCTAssertEqual(gsl.values[k].real, lambda.real, accuracy: 1e-12)
        XCTAssertEqual(gsl.values[k].imaginary, lambda.imaginary, accuracy: 1e-12)
        for i in 0..<n {
          XCTAssertEqual(gsl.vectors[i][k].real, v[i].real, accuracy: 1e-10)
          XCTAssertEqual(gsl.vectors[i][k].imaginary, v[i].imaginary, accuracy: 1e-10)
        }
        compared += 1
      }
      // Most eigenvalues of a random 60×60 matrix are that far apart.
      XCTAssertGreaterThan(compared, n / 2)
    }
  }

  /// The blocked transpose under dgesv and dgeev is a transpose, also for a
  /// size that is not a multiple of its 32×32 tiles.
  func testTransposed() {
    for n in [1, 31, 33, 70] {
      let a = (0..<(n * n)).map(Double.init)
      let t = LAPACK.transposed(a, n: n)
      for i in 0..<n { for j in 0..<n { XCTAssertEqual(t[j * n + i], a[i * n + j]) } }
    }
  }

  /// Newton on dgesv reaches the root hybridsj reaches on a smooth system
  /// x = 0.5 tanh(A x) + b (a contraction, one root), within the residual
  /// test both use (Σ|Fᵢ| < 1e-12, so |Δx| ≲ 1e-12/(1 − 0.5‖A‖)).
  func testNewtonMatchesHybridsj() throws {
    try XCTSkipUnless(LAPACK.available, "OpenBLAS (LAPACK) is not installed")
    let n = 40
    let a = try randomMatrix(n, seed: 3)
    let b = (0..<n).map { 0.1 * sin(Double($0)) }
    func ax(_ x: [Double]) -> [Double] { (0..<n).map { i in (0..<n).reduce(0.0) { $0 + a[i, $1] * x[$1] } } }
    let residual = { (x: [Double]) -> [Double] in zip(ax(x), zip(x, b)).map { 0.5 * tanh($0) + $1.1 - $1.0 } }
    let jacobian = { (x: [Double]) -> Matrix in
      let u = ax(x)
      var j = Matrix(rows: n, columns: n)
      for i in 0..<n {
        let s = 0.5 * (1 - tanh(u[i]) * tanh(u[i]))
        for k in 0..<n { j[i, k] = s * a[i, k] }
        j[i, i] -= 1
      }
      return j
    }
    let solver = try MultirootSolver(dimension: n, maxIterations: 200, residualTolerance: 1e-12)
    let start = [Double](repeating: 0, count: n)
    let newton = try XCTUnwrap(try solver.newton(start: start, residual: residual, jacobian: jacobian))
    XCTAssertGreaterThan(newton.iterations, 0)
    XCTAssertLessThan(newton.residual.reduce(0) { $0 + abs($1) }, 1e-12)
    let hybrid = try solver.solve(start: start, residual: residual, jacobian: jacobian)
    for (x, y) in zip(newton.x, hybrid.x) { XCTAssertEqual(x, y, accuracy: 1e-11) }
  }

  /// Newton gives up (nil, so callers fall back to hybridsj) when its
  /// Jacobian is singular: F(x) = x² − 1 started at x = 0, where F′ = 0.
  func testNewtonDeclinesASingularJacobian() throws {
    try XCTSkipUnless(LAPACK.available, "OpenBLAS (LAPACK) is not installed")
    let solver = try MultirootSolver(dimension: 1)
    let r = try solver.newton(start: [0], residual: { [$0[0] * $0[0] - 1] }, jacobian: { Matrix(rows: 1, columns: 1, elements: [2 * $0[0]]) })
    XCTAssertNil(r)
  }

  /// An `LUCache` hit must give the bits of a fresh dgesv (the search's
  /// output bytes rest on it), and a different key must not be served the
  /// held factors: three matrices by key, each solved twice (miss, then
  /// hit) against `LAPACK.solve` on the same matrix, with a capacity of 2
  /// so the first is evicted and refactorised.
  func testLUCacheSolvesMatchDgesvBits() throws {
    try XCTSkipUnless(LAPACK.available, "OpenBLAS (LAPACK) is not installed")
    let n = 96
    let cache = LUCache(capacity: 2)
    let mats = try (1...3).map { try randomMatrix(n, seed: UInt($0)) }
    let rng = try GSLRandom(seed: 9)
    var built = 0
    for round in 0..<2 {
      for (k, a) in mats.enumerated() {
        let b = (0..<n).map { _ in rng.gaussian() }
        let fresh = try XCTUnwrap(LAPACK.solve(rowMajor: a.elements, n: n, b))
        let cached = try XCTUnwrap(cache.solve(key: [Double(k)], rhs: b) { built += 1; return a })
        XCTAssertTrue(fresh.elementsEqual(cached) { $0.bitPattern == $1.bitPattern }, "round \(round), matrix \(k)")
      }
    }
    // Capacity 2, used in the order 0, 1, 2, 0, 1, 2: every use misses.
    XCTAssertEqual(built, 6)
    XCTAssertTrue(LUFactors.reusable(n: n))
    // Matrix 2 was used last: held, so served without a build.
    let b = (0..<n).map { _ in rng.gaussian() }
    let again = try XCTUnwrap(cache.solve(key: [2], rhs: b) { built += 1; return mats[2] })
    XCTAssertEqual(built, 6)
    let fresh = try XCTUnwrap(LAPACK.solve(rowMajor: mats[2].elements, n: n, b))
    XCTAssertTrue(fresh.elementsEqual(again) { $0.bitPattern == $1.bitPattern })
  }
}
