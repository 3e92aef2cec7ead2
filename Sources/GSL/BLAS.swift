import CGSL
import Foundation

/// Dense matrix products by the fastest dgemm at hand: the batch step of a
/// network drift (C = A·Bᵀ, states × weights) and the three products of the
/// backward pass.
///
/// GSL's pkg-config links its reference CBLAS (`-lgslcblas`) ahead of any
/// other BLAS, so listing OpenBLAS in the modulemap cannot win the symbol
/// lookup. Instead OpenBLAS's `cblas_dgemm` is looked up at run time
/// (`dlopen("libopenblas.so.0")`), here and nowhere else; without OpenBLAS
/// this falls back to GSL's CBLAS. Measured here: gslcblas spends ~50 % of
/// the ensemble benchmark in dgemm; see `benchmarks/sde_bench.sh`.
///
/// OpenBLAS is asked for one thread when it is loaded: ensembles already run
/// one batch per core, and OpenBLAS threads on top would oversubscribe.
/// `setThreads` changes that for a process that wants BLAS threads instead
/// (the training benchmark).
public enum BLAS {
  typealias CBLASDgemm = @convention(c) (
    Int32, Int32, Int32, Int32, Int32, Int32, Double, UnsafePointer<Double>?, Int32,
    UnsafePointer<Double>?, Int32, Double, UnsafeMutablePointer<Double>?, Int32
  ) -> Void
  typealias SetThreads = @convention(c) (Int32) -> Void
  typealias CBLASSgemm = @convention(c) (
    Int32, Int32, Int32, Int32, Int32, Int32, Float, UnsafePointer<Float>?, Int32,
    UnsafePointer<Float>?, Int32, Float, UnsafeMutablePointer<Float>?, Int32
  ) -> Void

  static let rowMajor: Int32 = 101, noTrans: Int32 = 111, trans: Int32 = 112  // CBLAS enum values

  struct Backend: @unchecked Sendable {
    let name: String
    let dgemm: CBLASDgemm
    /// The float32 product from the same library (the float ensembles and training).
    let sgemm: CBLASSgemm
    /// OpenBLAS's `openblas_set_num_threads`; nil for GSL's single-threaded CBLAS.
    let setThreads: SetThreads?
  }

  static let backend: Backend = {
    if ProcessInfo.processInfo.environment["FIXEDPOINTS_BLAS"] != "gslcblas" {
      for library in ["libopenblas.so.0", "libopenblas.so"] {
        guard let handle = dlopen(library, RTLD_NOW | RTLD_LOCAL), let symbol = dlsym(handle, "cblas_dgemm"),
          let single = dlsym(handle, "cblas_sgemm")
        else { continue }
        // safe: the C prototype of openblas_set_num_threads is void(int).
        let threads = dlsym(handle, "openblas_set_num_threads").map { unsafeBitCast($0, to: SetThreads.self) }
        threads?(1)
        // The handle is kept open for the life of the process: the function
        // pointers above point into it.
        // safe: OpenBLAS's cblas_dgemm has exactly the CBLASDgemm prototype (32-bit ints).
        return Backend(
          name: "openblas", dgemm: unsafeBitCast(symbol, to: CBLASDgemm.self), sgemm: unsafeBitCast(single, to: CBLASSgemm.self),
          setThreads: threads)
      }
    }
    let gsl: CBLASDgemm = { order, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc in
      cblas_dgemm(
        CBLAS_ORDER(rawValue: UInt32(order)), CBLAS_TRANSPOSE(rawValue: UInt32(ta)), CBLAS_TRANSPOSE(rawValue: UInt32(tb)),
        m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
    }
    let gslSingle: CBLASSgemm = { order, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc in
      cblas_sgemm(
        CBLAS_ORDER(rawValue: UInt32(order)), CBLAS_TRANSPOSE(rawValue: UInt32(ta)), CBLAS_TRANSPOSE(rawValue: UInt32(tb)),
        m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
    }
    return Backend(name: "gslcblas", dgemm: gsl, sgemm: gslSingle, setThreads: nil)
  }()

  /// "openblas" or "gslcblas": which dgemm `gemm` uses.
  /// `FIXEDPOINTS_BLAS=gslcblas` in the environment forces GSL's.
  public static var implementation: String { backend.name }

  /// Sets OpenBLAS's thread count for this process (loading OpenBLAS first
  /// if need be) and returns it; nil when the dgemm is GSL's CBLAS, which
  /// is single-threaded.
  @discardableResult
  public static func setThreads(_ threads: Int) -> Int? {
    guard let set = backend.setThreads else { return nil }
    set(Int32(clamping: max(1, threads)))
    return max(1, threads)
  }

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

  /// `gemm` on sub-matrices: row-major with leading dimensions `lda`,
  /// `ldb`, `ldc` (elements between the starts of consecutive rows).
  @inline(__always)
  public static func gemm(
    _ a: UnsafePointer<Double>, transposeA: Bool, lda: Int, _ b: UnsafePointer<Double>, transposeB: Bool, ldb: Int,
    into c: UnsafeMutablePointer<Double>, ldc: Int, m: Int, n: Int, k: Int
  ) {
    backend.dgemm(
      rowMajor, transposeA ? trans : noTrans, transposeB ? trans : noTrans, Int32(m), Int32(n), Int32(k), 1, a,
      Int32(lda), b, Int32(ldb), 0, c, Int32(ldc))
  }

  /// C (m×n) = A (m×k) · Bᵀ, with B stored n×k, all row-major and dense.
  @inline(__always)
  public static func multiplyTransposed(
    _ a: UnsafePointer<Double>, _ b: UnsafePointer<Double>, into c: UnsafeMutablePointer<Double>,
    m: Int, n: Int, k: Int
  ) {
    backend.dgemm(rowMajor, noTrans, trans, Int32(m), Int32(n), Int32(k), 1, a, Int32(k), b, Int32(k), 0, c, Int32(n))
  }

  /// `gemm` in float32 (sgemm from the same library).
  @inline(__always)
  public static func gemm(
    _ a: UnsafePointer<Float>, transposeA: Bool, _ b: UnsafePointer<Float>, transposeB: Bool,
    into c: UnsafeMutablePointer<Float>, m: Int, n: Int, k: Int, alpha: Float = 1, beta: Float = 0
  ) {
    let lda = transposeA ? m : k, ldb = transposeB ? k : n
    backend.sgemm(
      rowMajor, transposeA ? trans : noTrans, transposeB ? trans : noTrans, Int32(m), Int32(n), Int32(k), alpha, a,
      Int32(lda), b, Int32(ldb), beta, c, Int32(n))
  }

  /// `multiplyTransposed` in float32.
  @inline(__always)
  public static func multiplyTransposed(
    _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, into c: UnsafeMutablePointer<Float>, m: Int, n: Int, k: Int
  ) {
    backend.sgemm(rowMajor, noTrans, trans, Int32(m), Int32(n), Int32(k), 1, a, Int32(k), b, Int32(k), 0, c, Int32(n))
  }
}
