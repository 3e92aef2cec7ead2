import GSL

/// X Wᵀ for a batch of states X (M×n, row-major) and the row-major n×n
/// recurrent W: the one matrix product of every chain and drift step.
///
/// Why W is kept twice: OpenBLAS packs the second operand of every gemm,
/// and packing the transposed operand (X·Wᵀ as NoTrans/Trans) took a third
/// of the product's time at N = 512 with 32 trajectories per product
/// (`perf`: dgemm_incopy 13.6 % of an analysis against 28.8 % in the
/// kernel). The same product with Wᵀ stored once (NoTrans/NoTrans) packs a
/// contiguous copy: 17 → 21 GFMA/s per core measured there. The kernel sums
/// each element over k in the same order either way, so the bytes are
/// identical — except in OpenBLAS's small-matrix kernels, taken (0.3.21,
/// SkylakeX/Cooperlake) when M·N·K ≤ 10⁶, whose order depends on the
/// transposition. Products that small keep the transposed call (and their
/// bytes), as does GSL's reference CBLAS; packing does not matter there.
/// Checked: 500 random shapes (n ≤ 1100, M ≤ 80) above 10⁶, float32 and
/// float64, all bit-identical; below it 69 of 100 differed.
struct RecurrentProduct: Sendable {
  let n: Int
  let weights: [Double]
  /// Wᵀ row-major, empty when no product would use it.
  let transposed: [Double]

  init(_ w: Matrix) {
    n = w.rows
    weights = w.elements
    transposed = Self.usesTransposed(rows: Int.max, n: n) ? Self.transpose(weights, n) : []
  }

  /// Whether an M×n by n×n product goes through the stored Wᵀ (see above).
  static func usesTransposed(rows m: Int, n: Int) -> Bool {
    BLAS.implementation == "openblas" && Double(m) * Double(n) * Double(n) > 1e6
  }

  static func transpose<T>(_ w: [T], _ n: Int) -> [T] {
    var t = w
    for i in 0..<n { for j in 0..<n { t[j * n + i] = w[i * n + j] } }
    return t
  }

  /// Whether one product over `copies` stacked blocks of `rows` rows gives
  /// every row the bits that a product over its own block gives: what lets
  /// several chains share a product without changing their results.
  /// OpenBLAS's packed kernel sums each element in the same order for any
  /// number of rows when n is a multiple of its register block (every shape
  /// tried at n = 256, 512, 1024), but not at n = 300, where a row's last
  /// bits depended on how many rows shared the product. That is the
  /// library's business, not a documented guarantee, so it is tested here
  /// on these very weights and shapes (pseudo-random states; the rounding
  /// paths depend on the shapes, not on the values), at the cost of about
  /// two chain steps.
  func stacksExactly(rows: Int, copies: Int) -> Bool {
    guard rows >= 1, copies >= 2 else { return true }
    let count = rows * copies * n
    var seed: UInt64 = 0x9E37_79B9_7F4A_7C15
    let x = (0..<count).map { _ -> Double in
      seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      return Double(Int64(bitPattern: seed >> 11) - (1 << 52)) * 0x1.0p-52
    }
    var together = [Double](repeating: 0, count: count), apart = together
    x.withUnsafeBufferPointer { xp in
      together.withUnsafeMutableBufferPointer { apply(xp, into: $0, batch: rows * copies) }
      apart.withUnsafeMutableBufferPointer { out in
        for c in 0..<copies {
          let block = c * rows * n..<(c + 1) * rows * n
          apply(UnsafeBufferPointer(rebasing: xp[block]), into: UnsafeMutableBufferPointer(rebasing: out[block]), batch: rows)
        }
      }
    }
    return together.elementsEqual(apart) { $0.bitPattern == $1.bitPattern }
  }

  /// out (M×n) = X (M×n) · Wᵀ.
  @inline(__always)
  func apply(_ x: UnsafeBufferPointer<Double>, into out: UnsafeMutableBufferPointer<Double>, batch m: Int) {
    guard let xp = x.baseAddress, let op = out.baseAddress else { return }
    if !transposed.isEmpty && Self.usesTransposed(rows: m, n: n) {
      transposed.withUnsafeBufferPointer { t in
        BLAS.gemm(xp, transposeA: false, t.baseAddress!, transposeB: false, into: op, m: m, n: n, k: n)
      }
    } else {
      weights.withUnsafeBufferPointer { w in BLAS.multiplyTransposed(xp, w.baseAddress!, into: op, m: m, n: n, k: n) }
    }
  }
}

/// `RecurrentProduct` in float32 (the float chains' sgemm).
struct RecurrentProductFloat: Sendable {
  let n: Int
  let weights: [Float]
  let transposed: [Float]

  init(_ w: Matrix) {
    n = w.rows
    weights = w.elements.map { Float($0) }
    transposed = RecurrentProduct.usesTransposed(rows: Int.max, n: n) ? RecurrentProduct.transpose(weights, n) : []
  }

  @inline(__always)
  func apply(_ xp: UnsafePointer<Float>, into op: UnsafeMutablePointer<Float>, batch m: Int) {
    if !transposed.isEmpty && RecurrentProduct.usesTransposed(rows: m, n: n) {
      transposed.withUnsafeBufferPointer { t in
        BLAS.gemm(xp, transposeA: false, t.baseAddress!, transposeB: false, into: op, m: m, n: n, k: n)
      }
    } else {
      weights.withUnsafeBufferPointer { w in BLAS.multiplyTransposed(xp, w.baseAddress!, into: op, m: m, n: n, k: n) }
    }
  }
}
