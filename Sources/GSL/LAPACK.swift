import CGSL
import Foundation

/// The few LAPACK routines the analysis needs at large N, from OpenBLAS
/// (Debian's libopenblas0 carries LAPACK), looked up at run time like its
/// dgemm (`BLAS.swift`); nil without OpenBLAS, and callers fall back to GSL.
///
/// Why: GSL's eigen-solver and linear algebra are unblocked (level-2 BLAS on
/// its reference CBLAS). At N = 512 one `gsl_eigen_nonsymmv` takes seconds;
/// LAPACK's blocked Hessenberg reduction and multishift QR (dgeev, values
/// only) take a fraction of that, and `analyze` needs one spectrum per σ per
/// branch and per closure.
///
/// `FIXEDPOINTS_BLAS=gslcblas` in the environment turns this off too.
public enum LAPACK {
  // Fortran calling convention: every argument by reference; the trailing
  // hidden string lengths of the CHARACTER arguments are passed as Int.
  typealias Dgeev = @convention(c) (
    UnsafePointer<CChar>, UnsafePointer<CChar>, UnsafePointer<Int32>, UnsafeMutablePointer<Double>, UnsafePointer<Int32>,
    UnsafeMutablePointer<Double>, UnsafeMutablePointer<Double>, UnsafeMutablePointer<Double>?, UnsafePointer<Int32>,
    UnsafeMutablePointer<Double>?, UnsafePointer<Int32>, UnsafeMutablePointer<Double>, UnsafePointer<Int32>,
    UnsafeMutablePointer<Int32>, Int, Int
  ) -> Void

  typealias Dgesv = @convention(c) (
    UnsafePointer<Int32>, UnsafePointer<Int32>, UnsafeMutablePointer<Double>, UnsafePointer<Int32>,
    UnsafeMutablePointer<Int32>, UnsafeMutablePointer<Double>, UnsafePointer<Int32>, UnsafeMutablePointer<Int32>
  ) -> Void

  typealias Dgetrs = @convention(c) (
    UnsafePointer<CChar>, UnsafePointer<Int32>, UnsafePointer<Int32>, UnsafePointer<Double>, UnsafePointer<Int32>,
    UnsafePointer<Int32>, UnsafeMutablePointer<Double>, UnsafePointer<Int32>, UnsafeMutablePointer<Int32>, Int
  ) -> Void

  struct Routines: @unchecked Sendable {
    let dgeev: Dgeev
    let dgesv: Dgesv
    /// nil when the library lacks it: `LUFactors` are then never made.
    let dgetrs: Dgetrs?
  }

  static let routines: Routines? = {
    guard ProcessInfo.processInfo.environment["FIXEDPOINTS_BLAS"] != "gslcblas" else { return nil }
    for library in ["libopenblas.so.0", "libopenblas.so"] {
      guard let handle = dlopen(library, RTLD_NOW | RTLD_LOCAL), let geev = dlsym(handle, "dgeev_"),
        let gesv = dlsym(handle, "dgesv_")
      else { continue }
      // The handle stays open for the life of the process (the pointers point into it).
      // safe: LAPACK's dgeev_/dgesv_ have exactly these prototypes (32-bit integers, gfortran string lengths).
      // safe: dgetrs_ has exactly the Dgetrs prototype (one CHARACTER argument).
      let getrs = dlsym(handle, "dgetrs_").map { unsafeBitCast($0, to: Dgetrs.self) }
      return Routines(dgeev: unsafeBitCast(geev, to: Dgeev.self), dgesv: unsafeBitCast(gesv, to: Dgesv.self), dgetrs: getrs)
    }
    return nil
  }()

  /// Whether LAPACK was found.
  public static var available: Bool { routines != nil }

  /// Eigenvalues of the square row-major n×n matrix `a` by dgeev (no
  /// vectors), in LAPACK's order; nil without LAPACK. The row-major buffer
  /// is Aᵀ to Fortran, which has the same eigenvalues.
  static func eigenvalues(rowMajor a: [Double], n: Int) throws -> [Eigenvalue]? {
    guard let geev = routines?.dgeev else { return nil }
    guard n > 0 else { return [] }
    var m = a, wr = [Double](repeating: 0, count: n), wi = [Double](repeating: 0, count: n)
    let order = Int32(n), lda = Int32(n), ldvl = Int32(1), ldvr = Int32(1), query = Int32(-1)
    var info = Int32(0), vl = [0.0], vr = [0.0], size = [0.0]
    // Workspace query first (lwork = -1), then the call.
    geev("N", "N", [order], &m, [lda], &wr, &wi, &vl, [ldvl], &vr, [ldvr], &size, [query], &info, 1, 1)
    guard info == 0 else { throw GSLError(status: Int32(GSL_EFAILED), reason: "dgeev workspace query: info \(info)", context: "eigenvalues") }
    let lwork = Int32(max(Double(4 * n), size[0]))
    var work = [Double](repeating: 0, count: Int(lwork))
    geev("N", "N", [order], &m, [lda], &wr, &wi, &vl, [ldvl], &vr, [ldvr], &work, [lwork], &info, 1, 1)
    guard info == 0 else {
      throw GSLError(
        status: Int32(GSL_EMAXITER), reason: "dgeev info \(info) (the QR algorithm did not converge)",
        context: "eigenvalues of an \(n)×\(n) matrix")
    }
    return (0..<n).map { Eigenvalue(real: wr[$0], imaginary: wi[$0]) }
  }

  /// Eigenvalues and right eigenvectors of the square row-major n×n `a` by
  /// dgeev (balancing, blocked Hessenberg reduction, multishift QR, dtrevc
  /// back-substitution); nil without LAPACK. Vector k is column k of
  /// `vectors` (row-major n×n, as (real, imaginary) pairs): for a real
  /// eigenvalue real, for a complex pair λ, λ̄ the vectors v and v̄. Each has
  /// unit Euclidean norm (LAPACK's); values in LAPACK's order.
  static func eigen(rowMajor a: [Double], n: Int) throws -> (values: [Eigenvalue], vectors: [[Eigenvalue]])? {
    guard let geev = routines?.dgeev else { return nil }
    guard n > 0 else { return ([], []) }
    // dgeev wants column-major A; asking it for right vectors of the
    // row-major buffer as it stands would give those of Aᵀ.
    var m = transposed(a, n: n)
    var wr = [Double](repeating: 0, count: n), wi = [Double](repeating: 0, count: n)
    var vr = [Double](repeating: 0, count: n * n), vl = [0.0]
    let order = Int32(n), lda = Int32(n), ldvl = Int32(1), ldvr = Int32(n), query = Int32(-1)
    var info = Int32(0), size = [0.0]
    geev("N", "V", [order], &m, [lda], &wr, &wi, &vl, [ldvl], &vr, [ldvr], &size, [query], &info, 1, 1)
    guard info == 0 else { throw GSLError(status: Int32(GSL_EFAILED), reason: "dgeev workspace query: info \(info)", context: "eigenvectors") }
    let lwork = Int32(max(Double(4 * n), size[0]))
    var work = [Double](repeating: 0, count: Int(lwork))
    geev("N", "V", [order], &m, [lda], &wr, &wi, &vl, [ldvl], &vr, [ldvr], &work, [lwork], &info, 1, 1)
    guard info == 0 else {
      throw GSLError(
        status: Int32(GSL_EMAXITER), reason: "dgeev info \(info) (the QR algorithm did not converge)",
        context: "eigenvectors of an \(n)×\(n) matrix")
    }
    let values = (0..<n).map { Eigenvalue(real: wr[$0], imaginary: wi[$0]) }
    // Column k of VR (column-major: vr[k * n + i]) is vector k for a real
    // eigenvalue; for a pair at k, k + 1 (wi[k] > 0) the vectors are
    // VR(:, k) ± i VR(:, k + 1).
    var vectors = [[Eigenvalue]](repeating: [Eigenvalue](repeating: Eigenvalue(real: 0, imaginary: 0), count: n), count: n)
    var k = 0
    while k < n {
      if wi[k] != 0, k + 1 < n {
        for i in 0..<n {
          let re = vr[k * n + i], im = vr[(k + 1) * n + i]
          vectors[i][k] = Eigenvalue(real: re, imaginary: im)
          vectors[i][k + 1] = Eigenvalue(real: re, imaginary: -im)
        }
        k += 2
      } else {
        for i in 0..<n { vectors[i][k] = Eigenvalue(real: vr[k * n + i], imaginary: 0) }
        k += 1
      }
    }
    return (values, vectors)
  }

  /// The n×n row-major buffer transposed (= the same matrix column-major),
  /// in 32×32 tiles: a plain double loop writes with a stride of n doubles,
  /// which at n = 512 (4 KiB, the page size) falls on a handful of cache
  /// sets and cost more than the LU it feeds.
  static func transposed(_ a: [Double], n: Int) -> [Double] {
    var m = [Double](repeating: 0, count: n * n)
    let tile = 32
    a.withUnsafeBufferPointer { src in
      m.withUnsafeMutableBufferPointer { dst in
        for i0 in stride(from: 0, to: n, by: tile) {
          for j0 in stride(from: 0, to: n, by: tile) {
            for i in i0..<min(i0 + tile, n) {
              for j in j0..<min(j0 + tile, n) { dst[j * n + i] = src[i * n + j] }
            }
          }
        }
      }
    }
    return m
  }

  /// x with A x = b for the square row-major n×n `a`, by dgesv (blocked LU
  /// with partial pivoting); nil without LAPACK or when A is exactly
  /// singular (a zero pivot) or the solution is not finite.
  static func solve(rowMajor a: [Double], n: Int, _ b: [Double]) -> [Double]? {
    guard let gesv = routines?.dgesv, n > 0, b.count == n else { return nil }
    // Column-major A is the transpose of the row-major buffer.
    var m = transposed(a, n: n)
    var x = b, pivots = [Int32](repeating: 0, count: n), info = Int32(0)
    let order = Int32(n), rhs = Int32(1), lda = Int32(n), ldb = Int32(n)
    gesv([order], [rhs], &m, [lda], &pivots, &x, [ldb], &info)
    guard info == 0, x.allSatisfy(\.isFinite) else { return nil }
    return x
  }

  /// `solve(rowMajor:n:_:)`, also returning dgesv's LU factors of A so
  /// that later systems with the same A can skip the factorisation
  /// (`solve(_:_:)`); factors nil when dgetrs is missing or A is singular.
  static func solveKeepingFactors(rowMajor a: [Double], n: Int, _ b: [Double]) -> (x: [Double]?, factors: LUFactors?)? {
    guard let gesv = routines?.dgesv, n > 0, b.count == n else { return nil }
    var m = transposed(a, n: n)
    var x = b, pivots = [Int32](repeating: 0, count: n), info = Int32(0)
    let order = Int32(n), rhs = Int32(1), lda = Int32(n), ldb = Int32(n)
    gesv([order], [rhs], &m, [lda], &pivots, &x, [ldb], &info)
    guard info == 0 else { return (nil, nil) }
    let factors = routines?.dgetrs != nil && LUFactors.reusable(n: n) ? LUFactors(n: n, lu: m, pivots: pivots) : nil
    return (x.allSatisfy(\.isFinite) ? x : nil, factors)
  }

  /// x with A x = b from A's factors (dgetrs): the bits `solve(rowMajor:)`
  /// gives for the same A and b; nil when the solution is not finite.
  static func solve(_ factors: LUFactors, _ b: [Double]) -> [Double]? {
    guard let getrs = routines?.dgetrs, b.count == factors.n else { return nil }
    var x = b, info = Int32(0)
    let order = Int32(factors.n), rhs = Int32(1)
    getrs("N", [order], [rhs], factors.lu, [order], factors.pivots, &x, [order], &info, 1)
    guard info == 0, x.allSatisfy(\.isFinite) else { return nil }
    return x
  }
}

/// A's LU factors and pivots from dgesv (column-major), for more right-hand sides.
public struct LUFactors: Sendable {
  let n: Int
  let lu: [Double]
  let pivots: [Int32]

  /// Whether dgetrs on dgesv's factors reproduces dgesv's solution to the
  /// bit at this n. OpenBLAS (0.3.21) solves the triangular systems the
  /// same way in both (tried at n = 8 … 2000, one and two threads), but
  /// that is its business, not LAPACK's contract: checked once per n per
  /// process on a pseudo-random, diagonally shifted system.
  static func reusable(n: Int) -> Bool {
    lock.lock()
    let known = verdicts[n]
    lock.unlock()
    if let known { return known }
    var seed: UInt64 = 0x2545_F491_4F6C_DD1D
    func next() -> Double {
      seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      return Double(Int64(bitPattern: seed >> 11) - (1 << 52)) * 0x1.0p-52
    }
    var a = (0..<(n * n)).map { _ in next() }
    for i in 0..<n { a[i * n + i] -= 2 }
    let b = (0..<n).map { _ in next() }
    var same = false
    if let gesv = LAPACK.routines?.dgesv, let getrs = LAPACK.routines?.dgetrs {
      var m = LAPACK.transposed(a, n: n), x = b, pivots = [Int32](repeating: 0, count: n), info = Int32(0)
      let order = Int32(n), rhs = Int32(1)
      gesv([order], [rhs], &m, [order], &pivots, &x, [order], &info)
      if info == 0 {
        var y = b
        getrs("N", [order], [rhs], m, [order], pivots, &y, [order], &info, 1)
        same = info == 0 && x.elementsEqual(y) { $0.bitPattern == $1.bitPattern }
      }
    }
    lock.lock()
    verdicts[n] = same
    lock.unlock()
    return same
  }

  // safe: only read and written under `lock`.
  nonisolated(unsafe) private static var verdicts: [Int: Bool] = [:]
  private static let lock = NSLock()
}
