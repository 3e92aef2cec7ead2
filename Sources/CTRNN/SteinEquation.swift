import GSL

/// The discrete Lyapunov (Stein) equation C = A C Aᵀ + Q, whose solution is
/// the stationary covariance of x' = A x + η with Cov η = Q.
///
/// Solved by Smith's doubling (DESIGN.md, "Gaussian closure"): with
/// C₀ = Q, A₀ = A, the iteration C_{k+1} = C_k + A_k C_k A_kᵀ, A_{k+1} = A_k²
/// gives C_k = Σ_{j < 2^k} A^j Q (Aᵀ)^j, the series' first 2^k terms, so it
/// converges in log₂(mixing time) steps — never a Kronecker N²×N² system,
/// never the naive C ← A C Aᵀ + Q fixed point (which needs mixing-time steps).
/// Each step costs three N×N products (BLAS dgemm).
public enum SteinEquation {
  /// C with C = A C Aᵀ + Q, for square A with spectral radius < 1 and
  /// symmetric Q. Stops when ‖A_k‖_F² ≤ 1e-17, when the remaining terms
  /// change C by less than 1e-17 of its norm (below double rounding).
  public static func solve(a: Matrix, q: Matrix, maxDoublings: Int = 64) throws(NetworkError) -> Matrix {
    let n = a.rows
    guard a.columns == n, q.rows == n, q.columns == n else {
      throw .badInput("Stein equation needs square A and Q of one size, got \(a.rows)×\(a.columns) and \(q.rows)×\(q.columns)")
    }
    var c = q, ak = a
    for _ in 0..<maxDoublings {
      // The tail Σ_{j ≥ 2^k} A^j Q Aᵀʲ is bounded by ‖A_k‖² ‖C_k‖/(1 − ‖A_k‖²)
      // once ‖A_k‖ < 1: stop when that is below rounding of C.
      let norm = frobenius(ak)
      if norm * norm <= 1e-17 { return symmetrised(c) }
      let akc = multiply(ak, c)
      let update = multiplyTransposed(akc, ak)
      for i in c.elements.indices { c.elements[i] += update.elements[i] }
      ak = multiply(ak, ak)
      if !frobenius(ak).isFinite || !frobenius(c).isFinite { break }
    }
    throw .notContracting("the linearised map has spectral radius >= 1 (Smith doubling did not converge): the state covariance grows without bound")
  }

  /// Residual ‖C − A C Aᵀ − Q‖_max, for tests and reports.
  public static func residual(c: Matrix, a: Matrix, q: Matrix) -> Double {
    let acat = multiplyTransposed(multiply(a, c), a)
    var worst = 0.0
    for i in c.elements.indices { worst = max(worst, abs(c.elements[i] - acat.elements[i] - q.elements[i])) }
    return worst
  }

  static func frobenius(_ m: Matrix) -> Double { m.elements.reduce(0) { $0 + $1 * $1 }.squareRoot() }

  static func symmetrised(_ m: Matrix) -> Matrix {
    var s = m
    for i in 0..<m.rows {
      for j in 0..<i {
        let v = 0.5 * (m[i, j] + m[j, i])
        s[i, j] = v
        s[j, i] = v
      }
    }
    return s
  }

  /// A B, by BLAS dgemm.
  static func multiply(_ a: Matrix, _ b: Matrix) -> Matrix {
    product(a, b, transposeB: false)
  }

  /// A Bᵀ, by BLAS dgemm.
  static func multiplyTransposed(_ a: Matrix, _ b: Matrix) -> Matrix {
    product(a, b, transposeB: true)
  }

  static func product(_ a: Matrix, _ b: Matrix, transposeB: Bool) -> Matrix {
    let m = a.rows, k = a.columns, n = transposeB ? b.rows : b.columns
    precondition(k == (transposeB ? b.columns : b.rows), "SteinEquation: inner dimensions differ")
    var c = Matrix(rows: m, columns: n)
    guard m > 0, n > 0, k > 0 else { return c }
    a.elements.withUnsafeBufferPointer { ap in
      b.elements.withUnsafeBufferPointer { bp in
        c.elements.withUnsafeMutableBufferPointer { cp in
          BLAS.gemm(
            ap.baseAddress!, transposeA: false, bp.baseAddress!, transposeB: transposeB, into: cp.baseAddress!, m: m, n: n, k: k)
        }
      }
    }
    return c
  }
}
