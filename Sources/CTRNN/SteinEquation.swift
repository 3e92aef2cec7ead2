import Dispatch
import GSL

/// The discrete Lyapunov (Stein) equation C = A C Aᵀ + Q, whose solution is
/// the stationary covariance of x' = A x + η with Cov η = Q.
///
/// Solved by Smith's doubling (DESIGN.md, "Gaussian closure"): with
/// C₀ = Q, A₀ = A, the iteration C_{k+1} = C_k + A_k C_k A_kᵀ, A_{k+1} = A_k²
/// gives C_k = Σ_{j < 2^k} A^j Q (Aᵀ)^j, the series' first 2^k terms, so it
/// converges in log₂(mixing time) steps — never a Kronecker N²×N² system,
/// never the naive C ← A C Aᵀ + Q fixed point (which needs mixing-time steps).
/// Each step costs two and a half N×N products (BLAS dgemm): A_k C_k A_kᵀ is
/// symmetric, so only its upper triangle is multiplied out
/// (`symmetricProduct`), and C_k stays exactly symmetric.
///
/// Bartels–Stewart (a real Schur form of A, then a triangular solve) was
/// measured against this and not taken: at N = 512 LAPACK's dgees alone
/// costs 0.26 s of CPU, more than a whole doubling solve (~27 products at
/// 6 ms), and A changes at every outer step of the closure, so the Schur
/// form could not be reused.
public enum SteinEquation {
  /// C with C = A C Aᵀ + Q, for square A with spectral radius < 1 and
  /// symmetric Q. Stops when ‖A_k‖_F² ≤ 1e-17, when the remaining terms
  /// change C by less than 1e-17 of its norm (below double rounding).
  ///
  /// `threads` > 1 runs each product's fixed row blocks (`product`) in
  /// parallel: the same bits on any number of threads.
  public static func solve(a: Matrix, q: Matrix, maxDoublings: Int = 64, threads: Int = 1) throws(NetworkError) -> Matrix {
    let n = a.rows
    guard a.columns == n, q.rows == n, q.columns == n else {
      throw .badInput("Stein equation needs square A and Q of one size, got \(a.rows)×\(a.columns) and \(q.rows)×\(q.columns)")
    }
    var c = q, ak = a
    // ‖A_k‖_F is carried from the end of one round to the test at the start
    // of the next (it was computed twice), and taken in one pass with C's
    // update and ‖C_k‖_F: two sums that each run in element order (their
    // bits depend on it), so they cannot be vectorised, but side by side
    // they take the time of one.
    var norm = frobenius(ak)
    for _ in 0..<maxDoublings {
      // The tail Σ_{j ≥ 2^k} A^j Q Aᵀʲ is bounded by ‖A_k‖² ‖C_k‖/(1 − ‖A_k‖²)
      // once ‖A_k‖ < 1: stop when that is below rounding of C.
      if norm * norm <= 1e-17 { return symmetrised(c) }
      let akc = multiply(ak, c, threads: threads)
      let update = symmetricProduct(akc, ak, threads: threads)
      // ‖A_k²‖_F ≤ ‖A_k‖_F² (submultiplicative): when that bound already
      // passes the test above, the next round would return this C, so the
      // last A_k² (one of about 27 products at N = 512) is not formed. The
      // factor 1 + 1e-6 covers rounding in the computed product's norm.
      if norm * norm * norm * norm * (1 + 1e-6) <= 1e-17 {
        guard addNormed(&c, update).isFinite else { break }
        return symmetrised(c)
      }
      // A_{k+1} = A_k² does not depend on C: formed before C's update so
      // that the two norms share one pass.
      ak = multiply(ak, ak, threads: threads)
      let norms = addNormed(&c, update, alsoNormOf: ak)
      norm = norms.m
      if !norm.isFinite || !norms.c.isFinite { break }
    }
    throw .notContracting("the linearised map has spectral radius >= 1 (Smith doubling did not converge): the state covariance grows without bound")
  }

  /// Residual ‖C − A C Aᵀ − Q‖_max, for tests and reports. `threads` runs
  /// the two products' row blocks in parallel (same bits on any number).
  public static func residual(c: Matrix, a: Matrix, q: Matrix, threads: Int = 1) -> Double {
    let acat = multiplyTransposed(multiply(a, c, threads: threads), a, threads: threads)
    var worst = 0.0
    for i in c.elements.indices { worst = max(worst, abs(c.elements[i] - acat.elements[i] - q.elements[i])) }
    return worst
  }

  /// ‖M‖_F: Σ m² in element order (the order every caller's bits depend on).
  static func frobenius(_ m: Matrix) -> Double {
    m.elements.withUnsafeBufferPointer { p in
      var s = 0.0
      for v in p { s += v * v }
      return s.squareRoot()
    }
  }

  /// C += U, returning ‖C‖_F of the sum: `frobenius` of the result, in the
  /// same pass.
  static func addNormed(_ c: inout Matrix, _ u: Matrix) -> Double {
    precondition(c.elements.count == u.elements.count, "SteinEquation: sizes differ")
    return u.elements.withUnsafeBufferPointer { up in
      c.elements.withUnsafeMutableBufferPointer { cp in
        var s = 0.0
        for i in cp.indices {
          let v = cp[i] + up[i]
          cp[i] = v
          s += v * v
        }
        return s.squareRoot()
      }
    }
  }

  /// `addNormed(&c, u)` and `frobenius(m)` in one pass.
  static func addNormed(_ c: inout Matrix, _ u: Matrix, alsoNormOf m: Matrix) -> (c: Double, m: Double) {
    precondition(c.elements.count == u.elements.count && m.elements.count == u.elements.count, "SteinEquation: sizes differ")
    return m.elements.withUnsafeBufferPointer { mp in
      u.elements.withUnsafeBufferPointer { up in
        c.elements.withUnsafeMutableBufferPointer { cp in
          var s = 0.0, t = 0.0
          for i in cp.indices {
            let v = cp[i] + up[i]
            cp[i] = v
            s += v * v
            t += mp[i] * mp[i]
          }
          return (s.squareRoot(), t.squareRoot())
        }
      }
    }
  }

  /// ½(M + Mᵀ), by pointers in 32×32 tiles (a subscript loop with a
  /// stride of n doubles was measurable at n = 512).
  static func symmetrised(_ m: Matrix) -> Matrix {
    var s = m
    let n = m.rows, tile = 32
    m.elements.withUnsafeBufferPointer { src in
      s.elements.withUnsafeMutableBufferPointer { dst in
        for i0 in stride(from: 0, to: n, by: tile) {
          for j0 in stride(from: 0, through: i0, by: tile) {
            for i in i0..<min(i0 + tile, n) {
              for j in j0..<min(j0 + tile, i) {
                let v = 0.5 * (src[i * n + j] + src[j * n + i])
                dst[i * n + j] = v
                dst[j * n + i] = v
              }
            }
          }
        }
      }
    }
    return s
  }

  /// X Bᵀ for a product known to be symmetric (X = A_k C_k, B = A_k with C_k
  /// symmetric): the upper triangle by dgemm in row blocks, each block from
  /// its first row's column on, then mirrored. About 0.56 of a full product
  /// at N ≥ 256 (eight blocks). Blocks are fixed by the size alone, so the
  /// bits are the same on any number of threads.
  static func symmetricProduct(_ x: Matrix, _ b: Matrix, threads: Int = 1) -> Matrix {
    let n = x.rows, k = x.columns
    precondition(b.rows == n && b.columns == k, "SteinEquation: symmetric product needs X and B of one shape")
    guard n > 0, k > 0 else { return Matrix(rows: n, columns: n) }
    let per = max(32, (n + 7) / 8)
    let blocks = stride(from: 0, to: n, by: per).map { $0..<min(n, $0 + per) }
    // Not zero-filled first: the blocks write every element on or above
    // the diagonal, the mirroring below every one under it.
    var c = Matrix(rows: n, columns: n, elements: uninitialised(n * n))
    x.elements.withUnsafeBufferPointer { xp in
      b.elements.withUnsafeBufferPointer { bp in
        c.elements.withUnsafeMutableBufferPointer { cp in
          let operands = Operands(a: xp.baseAddress!, b: bp.baseAddress!, c: cp.baseAddress!)
          // Block r: rows r of X times rows r.lowerBound..<n of B, transposed,
          // straight into columns r.lowerBound..<n of rows r of C (leading
          // dimension n; dgemm's arithmetic does not depend on it).
          @Sendable func run(_ r: Range<Int>) {
            BLAS.gemm(
              operands.a + r.lowerBound * k, transposeA: false, lda: k, operands.b + r.lowerBound * k, transposeB: true, ldb: k,
              into: operands.c + r.lowerBound * n + r.lowerBound, ldc: n, m: r.count, n: n - r.lowerBound, k: k)
          }
          let workers = min(max(1, threads), blocks.count)
          if workers == 1 {
            for r in blocks { run(r) }
          } else {
            DispatchQueue.concurrentPerform(iterations: workers) { w in
              for j in stride(from: w, to: blocks.count, by: workers) { run(blocks[j]) }
            }
          }
        }
      }
    }
    // The lower triangle from the upper (inside a diagonal block both were
    // computed; the upper one is kept so that C is exactly symmetric).
    // In 32×32 tiles: a plain loop reads with a stride of n doubles, which
    // at n = 512 (4 KiB) falls on a few cache sets.
    c.elements.withUnsafeMutableBufferPointer { p in
      let tile = 32
      for i0 in stride(from: 0, to: n, by: tile) {
        for j0 in stride(from: 0, through: i0, by: tile) {
          for i in i0..<min(i0 + tile, n) {
            for j in j0..<min(j0 + tile, i) { p[i * n + j] = p[j * n + i] }
          }
        }
      }
    }
    return c
  }

  /// A B, by BLAS dgemm.
  static func multiply(_ a: Matrix, _ b: Matrix, threads: Int = 1) -> Matrix {
    product(a, b, transposeB: false, threads: threads)
  }

  /// A Bᵀ, by BLAS dgemm.
  static func multiplyTransposed(_ a: Matrix, _ b: Matrix, threads: Int = 1) -> Matrix {
    product(a, b, transposeB: true, threads: threads)
  }

  /// Rows of A at which a product is cut into separate dgemm calls: four
  /// blocks from 256 rows up (each still large enough for dgemm's full
  /// speed), one below. Fixed by the size alone, so the blocks — and the
  /// bits — are the same whether they run on one thread or several.
  static func rowBlocks(_ m: Int) -> [Range<Int>] {
    let count = m >= 256 ? 4 : 1, per = (m + count - 1) / count
    return (0..<count).map { $0 * per..<min(m, ($0 + 1) * per) }.filter { !$0.isEmpty }
  }

  static func product(_ a: Matrix, _ b: Matrix, transposeB: Bool, threads: Int = 1) -> Matrix {
    let m = a.rows, k = a.columns, n = transposeB ? b.rows : b.columns
    precondition(k == (transposeB ? b.columns : b.rows), "SteinEquation: inner dimensions differ")
    guard m > 0, n > 0, k > 0 else { return Matrix(rows: m, columns: n) }
    // Not zero-filled first: dgemm with β = 0 writes every element of C.
    var c = Matrix(rows: m, columns: n, elements: uninitialised(m * n))
    let blocks = rowBlocks(m)
    a.elements.withUnsafeBufferPointer { ap in
      b.elements.withUnsafeBufferPointer { bp in
        c.elements.withUnsafeMutableBufferPointer { cp in
          let operands = Operands(a: ap.baseAddress!, b: bp.baseAddress!, c: cp.baseAddress!)
          // Block r: rows r of A times B into rows r of C; blocks write disjoint rows.
          @Sendable func run(_ r: Range<Int>) {
            BLAS.gemm(
              operands.a + r.lowerBound * k, transposeA: false, operands.b, transposeB: transposeB,
              into: operands.c + r.lowerBound * n, m: r.count, n: n, k: k)
          }
          let workers = min(max(1, threads), blocks.count)
          if workers == 1 {
            for r in blocks { run(r) }
          } else {
            DispatchQueue.concurrentPerform(iterations: workers) { w in
              for j in stride(from: w, to: blocks.count, by: workers) { run(blocks[j]) }
            }
          }
        }
      }
    }
    return c
  }
}

/// Storage for `count` doubles that the caller overwrites entirely before
/// reading (the products above): zero-filling 2 MiB per N = 512 product
/// showed in the closure's profile.
private func uninitialised(_ count: Int) -> [Double] {
  [Double](unsafeUninitializedCapacity: count) { _, initialised in initialised = count }
}

/// The operands of one product, shared by the workers of `product`: each
/// reads A and B and writes only its own rows of C, and all have joined
/// before C is read.
private struct Operands: @unchecked Sendable {
  let a: UnsafePointer<Double>
  let b: UnsafePointer<Double>
  let c: UnsafeMutablePointer<Double>
}
