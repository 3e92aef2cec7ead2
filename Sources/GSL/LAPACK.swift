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

  struct Routines: @unchecked Sendable {
    let dgeev: Dgeev
    let dgesv: Dgesv
  }

  static let routines: Routines? = {
    guard ProcessInfo.processInfo.environment["FIXEDPOINTS_BLAS"] != "gslcblas" else { return nil }
    for library in ["libopenblas.so.0", "libopenblas.so"] {
      guard let handle = dlopen(library, RTLD_NOW | RTLD_LOCAL), let geev = dlsym(handle, "dgeev_"),
        let gesv = dlsym(handle, "dgesv_")
      else { continue }
      // The handle stays open for the life of the process (the pointers point into it).
      // safe: LAPACK's dgeev_/dgesv_ have exactly these prototypes (32-bit integers, gfortran string lengths).
      return Routines(dgeev: unsafeBitCast(geev, to: Dgeev.self), dgesv: unsafeBitCast(gesv, to: Dgesv.self))
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

  /// x with A x = b for the square row-major n×n `a`, by dgesv (blocked LU
  /// with partial pivoting); nil without LAPACK or when A is exactly
  /// singular (a zero pivot) or the solution is not finite.
  static func solve(rowMajor a: [Double], n: Int, _ b: [Double]) -> [Double]? {
    guard let gesv = routines?.dgesv, n > 0, b.count == n else { return nil }
    // Column-major A is the transpose of the row-major buffer.
    var m = [Double](repeating: 0, count: n * n)
    a.withUnsafeBufferPointer { src in
      m.withUnsafeMutableBufferPointer { dst in
        for i in 0..<n { for j in 0..<n { dst[j * n + i] = src[i * n + j] } }
      }
    }
    var x = b, pivots = [Int32](repeating: 0, count: n), info = Int32(0)
    let order = Int32(n), rhs = Int32(1), lda = Int32(n), ldb = Int32(n)
    gesv([order], [rhs], &m, [lda], &pivots, &x, [ldb], &info)
    guard info == 0, x.allSatisfy(\.isFinite) else { return nil }
    return x
  }
}
