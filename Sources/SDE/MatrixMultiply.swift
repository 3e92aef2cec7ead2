import CGSL
import Foundation

/// C = A·Bᵀ for row-major matrices, the batch step of a network drift
/// (A = M×k states, B = n×k weights, C = M×n), by the fastest dgemm at hand.
///
/// GSL's pkg-config links its reference CBLAS (`-lgslcblas`) ahead of any
/// other BLAS, so listing OpenBLAS in the modulemap cannot win the symbol
/// lookup. Instead OpenBLAS's `cblas_dgemm` is looked up at run time
/// (`dlopen("libopenblas.so.0")`); without OpenBLAS this falls back to GSL's
/// CBLAS. Measured here: gslcblas spends ~50 % of the ensemble benchmark in
/// dgemm; see `benchmarks/sde_bench.sh`.
///
/// OpenBLAS is asked for one thread per call: ensembles already run one
/// batch per core, and OpenBLAS threads on top would oversubscribe.
public enum MatrixMultiply {
  typealias CBLASDgemm = @convention(c) (
    Int32, Int32, Int32, Int32, Int32, Int32, Double, UnsafePointer<Double>?, Int32,
    UnsafePointer<Double>?, Int32, Double, UnsafeMutablePointer<Double>?, Int32
  ) -> Void
  typealias SetThreads = @convention(c) (Int32) -> Void

  static let rowMajor: Int32 = 101, noTrans: Int32 = 111, trans: Int32 = 112  // CBLAS enum values

  struct Backend: @unchecked Sendable {
    let name: String
    let dgemm: CBLASDgemm
  }

  static let backend: Backend = {
    if ProcessInfo.processInfo.environment["FIXEDPOINTS_BLAS"] != "gslcblas" {
      for library in ["libopenblas.so.0", "libopenblas.so"] {
        guard let handle = dlopen(library, RTLD_NOW | RTLD_LOCAL), let symbol = dlsym(handle, "cblas_dgemm") else { continue }
        if let threads = dlsym(handle, "openblas_set_num_threads") {
          unsafeBitCast(threads, to: SetThreads.self)(1)  // safe: the C prototype is void(int)
        }
        // safe: OpenBLAS's cblas_dgemm has exactly the CBLASDgemm prototype (32-bit ints).
        return Backend(name: "openblas", dgemm: unsafeBitCast(symbol, to: CBLASDgemm.self))
      }
    }
    return Backend(name: "gslcblas") { order, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc in
      cblas_dgemm(
        CBLAS_ORDER(rawValue: UInt32(order)), CBLAS_TRANSPOSE(rawValue: UInt32(ta)), CBLAS_TRANSPOSE(rawValue: UInt32(tb)),
        m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
    }
  }()

  /// "openblas" or "gslcblas": which dgemm `multiplyTransposed` uses.
  /// `FIXEDPOINTS_BLAS=gslcblas` in the environment forces GSL's.
  public static var implementation: String { backend.name }

  /// C (m×n) = α op(A) op(B) + β C, row-major and dense, op(X) = X or Xᵀ:
  /// A is stored m×k (k×m when `transposeA`), B k×n (n×k when
  /// `transposeB`). The backward pass of training needs all three forms.
  @inline(__always)
  public static func gemm(
    _ a: UnsafePointer<Double>, transposeA: Bool, _ b: UnsafePointer<Double>, transposeB: Bool,
    into c: UnsafeMutablePointer<Double>, m: Int, n: Int, k: Int, alpha: Double = 1, beta: Double = 0
  ) {
    let lda = transposeA ? m : k, ldb = transposeB ? k : n
    backend.dgemm(
      rowMajor, transposeA ? trans : noTrans, transposeB ? trans : noTrans, Int32(m), Int32(n), Int32(k), alpha, a,
      Int32(lda), b, Int32(ldb), beta, c, Int32(n))
  }

  /// C (m×n) = A (m×k) · Bᵀ, with B stored n×k, all row-major and dense.
  @inline(__always)
  public static func multiplyTransposed(
    _ a: UnsafePointer<Double>, _ b: UnsafePointer<Double>, into c: UnsafeMutablePointer<Double>,
    m: Int, n: Int, k: Int
  ) {
    backend.dgemm(rowMajor, noTrans, trans, Int32(m), Int32(n), Int32(k), 1, a, Int32(k), b, Int32(k), 0, c, Int32(n))
  }
}
