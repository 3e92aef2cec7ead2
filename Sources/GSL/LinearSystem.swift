import CGSL

/// A square matrix factored as P A = L U by Gaussian elimination with
/// partial pivoting (GSL `gsl_linalg_LU_decomp`). Holds the factors as a
/// value; each `solve` copies them into GSL's storage.
public struct LUDecomposition: Sendable {
  /// L (unit diagonal, below) and U (on and above the diagonal), packed.
  public let factors: Matrix
  let permutation: [Int]
  /// (−1)^(number of row swaps).
  public let sign: Int

  /// Factors `a`. Factoring succeeds for a singular matrix too (a zero on
  /// U's diagonal); `isSingular` says so and `solve` then throws.
  public init(_ a: Matrix) throws(GSLError) {
    GSLRuntime.ensureInitialised()
    guard a.rows == a.columns, a.rows > 0 else {
      throw GSLError(status: Int32(GSL_ENOTSQR), reason: "LU needs a non-empty square matrix, got \(a.rows)×\(a.columns)", context: "LU decomposition")
    }
    let n = a.rows
    guard let m = gsl_matrix_alloc(n, n), let perm = gsl_permutation_alloc(n) else {
      throw GSLError(status: Int32(GSL_ENOMEM), context: "allocating a \(n)×\(n) LU decomposition")
    }
    defer {
      gsl_matrix_free(m)
      gsl_permutation_free(perm)
    }
    GSLVectorIO.copy(a.elements, into: m)
    var signum: Int32 = 0
    try check(gsl_linalg_LU_decomp(m, perm, &signum), "LU decomposition of a \(n)×\(n) matrix")
    factors = Matrix(rows: n, columns: n, elements: GSLVectorIO.array(m))
    permutation = (0..<n).map { gsl_permutation_get(perm, $0) }
    sign = Int(signum)
  }

  /// A zero on U's diagonal: A x = b has no unique solution.
  public var isSingular: Bool { (0..<factors.rows).contains { factors[$0, $0] == 0 } }

  /// det A = sign · Π Uᵢᵢ.
  public var determinant: Double {
    (0..<factors.rows).reduce(Double(sign)) { $0 * factors[$1, $1] }
  }

  /// x with A x = b. Throws (GSL's "matrix is singular") when `isSingular`.
  public func solve(_ b: [Double]) throws(GSLError) -> [Double] {
    let n = factors.rows
    guard b.count == n else {
      throw GSLError(status: Int32(GSL_EBADLEN), reason: "right-hand side has \(b.count) entries, expected \(n)", context: "LU solve")
    }
    guard let m = gsl_matrix_alloc(n, n), let perm = gsl_permutation_alloc(n), let rhs = gsl_vector_alloc(n),
      let x = gsl_vector_alloc(n)
    else { throw GSLError(status: Int32(GSL_ENOMEM), context: "allocating a \(n)×\(n) LU solve") }
    defer {
      gsl_matrix_free(m)
      gsl_permutation_free(perm)
      gsl_vector_free(rhs)
      gsl_vector_free(x)
    }
    GSLVectorIO.copy(factors.elements, into: m)
    for i in 0..<n { perm.pointee.data[i] = permutation[i] }
    GSLVectorIO.copy(b, into: rhs)
    try check(gsl_linalg_LU_solve(m, perm, rhs, x), "LU solve of a \(n)×\(n) system")
    return GSLVectorIO.array(x)
  }
}

/// A symmetric positive-definite matrix factored as A = L Lᵀ (GSL
/// `gsl_linalg_cholesky_decomp1`). Only the lower triangle of A is read.
public struct CholeskyDecomposition: Sendable {
  /// L in the lower triangle (GSL also leaves Lᵀ in the upper one).
  let packed: Matrix

  /// Factors `a`; throws GSL's "matrix is not positive definite" (status
  /// `GSL_EDOM`) when it is not — the test callers use for definiteness.
  public init(_ a: Matrix) throws(GSLError) {
    GSLRuntime.ensureInitialised()
    guard a.rows == a.columns, a.rows > 0 else {
      throw GSLError(status: Int32(GSL_ENOTSQR), reason: "Cholesky needs a non-empty square matrix, got \(a.rows)×\(a.columns)", context: "Cholesky decomposition")
    }
    let n = a.rows
    guard let m = gsl_matrix_alloc(n, n) else {
      throw GSLError(status: Int32(GSL_ENOMEM), context: "allocating a \(n)×\(n) Cholesky decomposition")
    }
    defer { gsl_matrix_free(m) }
    GSLVectorIO.copy(a.elements, into: m)
    try check(gsl_linalg_cholesky_decomp1(m), "Cholesky decomposition of a \(n)×\(n) matrix")
    packed = Matrix(rows: n, columns: n, elements: GSLVectorIO.array(m))
  }

  /// The factor L (lower triangular, positive diagonal).
  public var lower: Matrix {
    var l = packed
    for i in 0..<l.rows { for j in (i + 1)..<max(i + 1, l.columns) { l[i, j] = 0 } }
    return l
  }

  /// x with A x = b.
  public func solve(_ b: [Double]) throws(GSLError) -> [Double] {
    let n = packed.rows
    guard b.count == n else {
      throw GSLError(status: Int32(GSL_EBADLEN), reason: "right-hand side has \(b.count) entries, expected \(n)", context: "Cholesky solve")
    }
    guard let m = gsl_matrix_alloc(n, n), let rhs = gsl_vector_alloc(n), let x = gsl_vector_alloc(n) else {
      throw GSLError(status: Int32(GSL_ENOMEM), context: "allocating a \(n)×\(n) Cholesky solve")
    }
    defer {
      gsl_matrix_free(m)
      gsl_vector_free(rhs)
      gsl_vector_free(x)
    }
    GSLVectorIO.copy(packed.elements, into: m)
    GSLVectorIO.copy(b, into: rhs)
    try check(gsl_linalg_cholesky_solve(m, rhs, x), "Cholesky solve of a \(n)×\(n) system")
    return GSLVectorIO.array(x)
  }
}

/// One-shot solves of A x = b.
public enum LinearSystem {
  /// By LU with partial pivoting; throws when A is singular.
  public static func solve(_ a: Matrix, _ b: [Double]) throws(GSLError) -> [Double] {
    try LUDecomposition(a).solve(b)
  }

  /// By Cholesky, for symmetric positive-definite A; throws when A is not.
  public static func solveSymmetricPositiveDefinite(_ a: Matrix, _ b: [Double]) throws(GSLError) -> [Double] {
    try CholeskyDecomposition(a).solve(b)
  }
}
