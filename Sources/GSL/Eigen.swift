import CGSL
import Foundation

/// A complex eigenvalue λ = real + i·imaginary.
public struct Eigenvalue: Equatable, Sendable {
  public var real: Double
  public var imaginary: Double
  public init(real: Double, imaginary: Double) {
    self.real = real
    self.imaginary = imaginary
  }
  /// |λ|, without overflow for large parts.
  public var magnitude: Double { hypot(real, imaginary) }
}

/// Eigen-decomposition of a real nonsymmetric matrix (GSL `gsl_eigen_nonsymmv`:
/// balancing, Hessenberg reduction, Francis QR).
public enum NonsymmetricEigen {
  public struct Decomposition: Sendable {
    /// Eigenvalues sorted by decreasing magnitude (GSL_EIGEN_SORT_ABS_DESC).
    public var values: [Eigenvalue]
    /// Eigenvector k is column k: `vectors[i][k]`, as (real, imaginary) pairs,
    /// normalised to unit Euclidean norm by GSL.
    public var vectors: [[Eigenvalue]]
    /// max |λ|
    public var spectralRadius: Double { values.first?.magnitude ?? 0 }
  }

  /// Eigenvalues and eigenvectors of the square matrix `a`.
  public static func decompose(_ a: Matrix, vectors wantVectors: Bool = true) throws -> Decomposition {
    GSLRuntime.ensureInitialised()
    guard a.rows == a.columns else {
      throw GSLError(status: Int32(GSL_ENOTSQR), reason: "matrix is \(a.rows)×\(a.columns)", context: "eigen decomposition")
    }
    guard a.elements.allSatisfy(\.isFinite) else {
      throw GSLError(status: Int32(GSL_EDOM), reason: "matrix has non-finite entries", context: "eigen decomposition")
    }
    let n = a.rows
    if n == 0 { return Decomposition(values: [], vectors: []) }
    // Values only: LAPACK's blocked dgeev when OpenBLAS is there (much
    // faster at large N; the same eigenvalues to rounding). Sorted as GSL
    // sorts them, by decreasing magnitude; the sort is stable.
    if !wantVectors, let values = try LAPACK.eigenvalues(rowMajor: a.elements, n: n) {
      let sorted = values.enumerated().sorted { x, y in
        let mx = x.element.magnitude, my = y.element.magnitude
        return mx != my ? mx > my : x.offset < y.offset
      }.map(\.element)
      return Decomposition(values: sorted, vectors: [])
    }
    guard let eval = gsl_vector_complex_alloc(n), let evec = gsl_matrix_complex_alloc(n, n),
      let work = gsl_eigen_nonsymmv_alloc(n)
    else { throw GSLError(status: Int32(GSL_ENOMEM), context: "allocating an \(n)×\(n) eigen workspace") }
    defer {
      gsl_vector_complex_free(eval)
      gsl_matrix_complex_free(evec)
      gsl_eigen_nonsymmv_free(work)
    }
    return try a.withGSLMatrix { m in
      try check(gsl_eigen_nonsymmv(m, eval, evec, work), "nonsymmetric eigen decomposition of an \(n)×\(n) matrix")
      try check(gsl_eigen_nonsymmv_sort(eval, evec, GSL_EIGEN_SORT_ABS_DESC), "sorting eigenvalues")
      let vs = eval.pointee.stride
      let values = (0..<n).map { k in
        Eigenvalue(real: eval.pointee.data[2 * k * vs], imaginary: eval.pointee.data[2 * k * vs + 1])
      }
      var vectors: [[Eigenvalue]] = []
      if wantVectors {
        let tda = evec.pointee.tda
        vectors = (0..<n).map { i in
          (0..<n).map { k in
            Eigenvalue(real: evec.pointee.data[2 * (i * tda + k)], imaginary: evec.pointee.data[2 * (i * tda + k) + 1])
          }
        }
      }
      return Decomposition(values: values, vectors: vectors)
    }
  }

  /// Eigenvalues only, sorted by decreasing magnitude (LAPACK's dgeev when
  /// OpenBLAS is loaded, else GSL `gsl_eigen_nonsymmv`).
  public static func eigenvalues(_ a: Matrix) throws -> [Eigenvalue] {
    try decompose(a, vectors: false).values
  }
}
