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

/// Eigen-decomposition of a real nonsymmetric matrix: LAPACK's dgeev when
/// OpenBLAS is there (balancing, blocked Hessenberg reduction, multishift
/// QR), else GSL's `gsl_eigen_nonsymmv` (Hessenberg reduction, Francis QR).
public enum NonsymmetricEigen {
  public struct Decomposition: Sendable {
    /// Eigenvalues sorted by decreasing magnitude, λ before λ̄ in a
    /// conjugate pair (`sortedByMagnitude`).
    public var values: [Eigenvalue]
    /// Eigenvector k is column k: `vectors[i][k]`, as (real, imaginary) pairs,
    /// with unit Euclidean norm and its component of largest modulus real
    /// and positive (the first such component, when several are equal to
    /// within a relative 1e-6). An eigenvector is only defined up to a
    /// factor; fixing it this way makes the vectors the same, to rounding,
    /// whichever library computed them (LAPACK's dgeev and GSL's
    /// `gsl_eigen_nonsymmv` pick different signs and phases).
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
      return Decomposition(values: sortedByMagnitude(values).map { values[$0] }, vectors: [])
    }
    // With vectors too: dgeev with its back-substitution (an order of
    // magnitude faster than GSL's unblocked path at n = 512: 0.27 s against
    // 2.9 s of CPU here, and the gap grows with n).
    if wantVectors, let (values, vectors) = try LAPACK.eigen(rowMajor: a.elements, n: n) {
      let order = sortedByMagnitude(values)
      let columns = order.map { k in normalisedPhase((0..<n).map { vectors[$0][k] }) }
      return Decomposition(values: order.map { values[$0] }, vectors: (0..<n).map { i in columns.map { $0[i] } })
    }
    return try gslDecompose(a, vectors: wantVectors)
  }

  /// `decompose` by GSL's `gsl_eigen_nonsymmv` whatever else is there: the
  /// path without OpenBLAS, and the reference the LAPACK path is tested against.
  static func gslDecompose(_ a: Matrix, vectors wantVectors: Bool) throws -> Decomposition {
    GSLRuntime.ensureInitialised()
    let n = a.rows
    if n == 0 { return Decomposition(values: [], vectors: []) }
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
      let vs = eval.pointee.stride
      let unsorted = (0..<n).map { k in
        Eigenvalue(real: eval.pointee.data[2 * k * vs], imaginary: eval.pointee.data[2 * k * vs + 1])
      }
      let order = sortedByMagnitude(unsorted)
      let values = order.map { unsorted[$0] }
      var vectors: [[Eigenvalue]] = []
      if wantVectors {
        let tda = evec.pointee.tda
        let columns = order.map { k in
          normalisedPhase((0..<n).map { i in
            Eigenvalue(real: evec.pointee.data[2 * (i * tda + k)], imaginary: evec.pointee.data[2 * (i * tda + k) + 1])
          })
        }
        vectors = (0..<n).map { i in columns.map { $0[i] } }
      }
      return Decomposition(values: values, vectors: vectors)
    }
  }

  /// Indices of `values` by decreasing magnitude; among equal magnitudes
  /// (a conjugate pair) the larger imaginary part first, then the given
  /// order. GSL's own sort leaves a pair in either order; this one lists
  /// λ before λ̄ from either library.
  static func sortedByMagnitude(_ values: [Eigenvalue]) -> [Int] {
    values.indices.sorted { x, y in
      let mx = values[x].magnitude, my = values[y].magnitude
      if mx != my { return mx > my }
      if values[x].imaginary != values[y].imaginary { return values[x].imaginary > values[y].imaginary }
      return x < y
    }
  }

  /// `v` scaled to unit norm with its component of largest modulus real and
  /// positive: the first component whose modulus is within a relative 1e-6
  /// of the largest, so that rounding differences between libraries (~1e-15)
  /// cannot pick a different component unless two moduli agree to 1e-6
  /// and straddle that threshold.
  static func normalisedPhase(_ v: [Eigenvalue]) -> [Eigenvalue] {
    let largest = v.map(\.magnitude).max() ?? 0
    guard largest > 0, let p = v.firstIndex(where: { $0.magnitude >= largest * (1 - 1e-6) }) else { return v }
    let norm = v.reduce(0.0) { $0 + $1.real * $1.real + $1.imaginary * $1.imaginary }.squareRoot()
    // A real vector (a real eigenvalue) stays real: only its sign and length change.
    if v.allSatisfy({ $0.imaginary == 0 }) {
      let scale = (v[p].real < 0 ? -1 : 1) / norm
      return v.map { Eigenvalue(real: $0.real * scale, imaginary: 0) }
    }
    // Multiply by conj(v_p)/(|v_p| ‖v‖): v_p becomes |v_p|/‖v‖, real (set
    // exactly, the product leaves a rounding-sized imaginary part).
    let m = v[p].magnitude
    let cr = v[p].real / (m * norm), ci = -v[p].imaginary / (m * norm)
    var w = v.map { Eigenvalue(real: $0.real * cr - $0.imaginary * ci, imaginary: $0.real * ci + $0.imaginary * cr) }
    w[p] = Eigenvalue(real: m / norm, imaginary: 0)
    return w
  }

  /// Eigenvalues only, sorted by decreasing magnitude (LAPACK's dgeev when
  /// OpenBLAS is loaded, else GSL `gsl_eigen_nonsymmv`).
  public static func eigenvalues(_ a: Matrix) throws -> [Eigenvalue] {
    try decompose(a, vectors: false).values
  }
}
