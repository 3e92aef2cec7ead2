import Foundation
import GSL

/// Running sums for batch-means estimates of the stationary mean, covariance
/// and histogram, for a block of trajectories. One accumulator per ensemble
/// chunk (so per thread); `StationaryStatistics.combine` reduces them in
/// trajectory order, so the result does not depend on the thread count.
///
/// Sums are taken about a per-trajectory shift (its first used sample), which
/// keeps Σ(x − s)(x − s)ᵀ free of the cancellation that raw second moments
/// suffer when the mean is large compared with the spread.
final class StationaryAccumulator {
  let dimension: Int
  let trajectories: Int
  let layout: Layout
  /// slots = trajectories × batches, each `layout.slotSize` doubles.
  private var sums: [Double]
  private var shifts: [Double]
  private var shiftSet: [Bool]

  /// How recorded samples map to batches, shared by every accumulator of a run.
  struct Layout: Sendable {
    let dimension: Int
    let records: Int  // recorded samples per trajectory
    let batches: Int  // per trajectory
    let batchLength: Int
    let skipped: Int  // leading records dropped so batches are equal
    let covariance: Bool
    let histogram: HistogramSpec?
    let projection: StationaryProjection?

    var triangle: Int { covariance ? dimension * (dimension + 1) / 2 : 0 }
    var bins: Int { histogram.map { $0.bins + 2 } ?? 0 }  // + below, above
    var projected: Int { projection?.count ?? 0 }
    /// Where the projection's sums start in a slot.
    var projectionStart: Int { 2 * dimension + triangle + bins }
    // [Σ(x−s) (n) | Σ(x−s)² (n) | Σ(x−s)(x−s)ᵀ upper (n(n+1)/2) | bins | Σ P(x−s) (k) | Σ (P(x−s))² (k)]
    var slotSize: Int { projectionStart + 2 * projected }

    /// Batches per trajectory: as asked, else enough for 32 in all.
    static func batches(trajectories: Int, options: StationaryOptions) -> Int {
      options.batchesPerTrajectory ?? max(1, (32 + trajectories - 1) / trajectories)
    }

    /// Bytes of the batch sums of a whole run (every chunk's accumulators),
    /// held until the run's reduction.
    static func bytes(dimension n: Int, trajectories: Int, options: StationaryOptions) -> Double {
      let triangle = options.covariance ? Double(n) * Double(n + 1) / 2 : 0
      let bins = Double(options.histogram.map { $0.bins + 2 } ?? 0)
      let projected = 2 * Double(options.projection?.count ?? 0)
      return Double(trajectories) * Double(batches(trajectories: trajectories, options: options))
        * (2 * Double(n) + triangle + bins + projected) * 8
    }

    init(dimension: Int, records: Int, trajectories: Int, options: StationaryOptions) throws(SDEError) {
      guard records >= 1 else {
        throw .invalidArgument("no samples after a burn-in of \(options.burnIn) steps with thinning \(options.thin): run longer or shorten the burn-in")
      }
      let batches = Self.batches(trajectories: trajectories, options: options)
      guard batches >= 1 else { throw .invalidArgument("batchesPerTrajectory is \(batches); it must be at least 1") }
      guard records >= batches else {
        throw .invalidArgument("\(records) recorded samples per trajectory cannot fill \(batches) batches: run longer, thin less or use fewer batches")
      }
      guard trajectories * batches >= 2 else {
        throw .invalidArgument("one batch in total gives no standard error: use at least 2 batches or 2 trajectories")
      }
      if let h = options.histogram {
        guard h.bins >= 1, h.lower.isFinite, h.upper.isFinite, h.upper > h.lower else {
          throw .invalidArgument("histogram needs bins ≥ 1 and finite lower < upper (got \(h.bins) bins on [\(h.lower), \(h.upper)])")
        }
        guard (0..<dimension).contains(h.coordinate) else {
          throw .invalidArgument("histogram coordinate \(h.coordinate) is outside 0..<\(dimension)")
        }
      }
      if let p = options.projection {
        guard p.weights.count == p.count * dimension, p.count >= 1 else {
          throw .invalidArgument("projection needs k ≥ 1 rows of \(dimension) weights, got \(p.weights.count) weights for \(p.count) offsets")
        }
        guard p.weights.allSatisfy(\.isFinite), p.offsets.allSatisfy(\.isFinite) else {
          throw .invalidArgument("projection weights and offsets must be finite")
        }
      }
      self.dimension = dimension
      self.records = records
      self.batches = batches
      self.batchLength = records / batches
      self.skipped = records - batches * (records / batches)
      self.covariance = options.covariance
      self.histogram = options.histogram
      self.projection = options.projection
      let bytes = Double(trajectories) * Double(batches) * Double(slotSize) * 8  // no Int overflow
      guard bytes < 4e9 else {
        throw .invalidArgument("batch sums would take \(Int(bytes / 1e6)) MB: turn off the covariance, use fewer batches or trajectories")
      }
    }
  }

  /// The covariance triangle is not summed record by record (N²/2 scalar
  /// multiply-adds per record, the largest cost of a stationary ensemble
  /// at N in the hundreds): each trajectory's deviations are kept for up to
  /// `block` records of one batch and added as one product DᵀD (dgemm).
  /// `pending` holds them, trajectory-major; `pendingCount[j]` records of
  /// batch `pendingBatch[j]`.
  static let block = 32
  private var pending: [Double] = []
  private var pendingCount: [Int]
  private var pendingBatch: [Int]
  private var pendingTotal = 0
  /// N×N scratch for DᵀD, allocated at the first flush.
  private var gram: [Double] = []

  init(layout: Layout, trajectories: Int) {
    self.layout = layout
    self.dimension = layout.dimension
    self.trajectories = trajectories
    sums = [Double](repeating: 0, count: trajectories * layout.batches * layout.slotSize)
    shifts = [Double](repeating: 0, count: trajectories * layout.dimension)
    shiftSet = [Bool](repeating: false, count: trajectories)
    pendingCount = [Int](repeating: 0, count: trajectories)
    pendingBatch = [Int](repeating: 0, count: trajectories)
    if layout.covariance { pending = [Double](repeating: 0, count: trajectories * Self.block * layout.dimension) }
  }

  /// Adds trajectory j's pending deviations D (k×N) to its batch slot's
  /// triangle: slot[a, b] += (DᵀD)[a, b] for b ≥ a.
  private func flush(trajectory j: Int) {
    let k = pendingCount[j]
    guard k > 0 else { return }
    let n = dimension
    if gram.isEmpty { gram = [Double](repeating: 0, count: n * n) }
    let base = (j * layout.batches + pendingBatch[j]) * layout.slotSize + 2 * n
    let upperOnly = Self.upperProductExact(n: n, k: k)
    pending.withUnsafeBufferPointer { d in
      gram.withUnsafeMutableBufferPointer { g in
        // safe: trajectory j's block starts at j·block·N and holds k ≤ block rows of N.
        let dj = d.baseAddress! + j * Self.block * n
        if upperOnly {
          Self.upperProduct(dj, n: n, k: k, into: g.baseAddress!)
        } else {
          BLAS.gemm(dj, transposeA: true, dj, transposeB: false, into: g.baseAddress!, m: n, n: n, k: k)
        }
        sums.withUnsafeMutableBufferPointer { s in
          var t = base
          for a in 0..<n {
            let row = a * n
            for b in a..<n {
              s[t] += g[row + b]
              t += 1
            }
          }
        }
      }
    }
    pendingTotal -= k
    pendingCount[j] = 0
  }

  /// Rows per block of `upperProduct`: the lower part of its diagonal
  /// blocks is the waste, n·rows/2 of the n²/2 products.
  static let upperRows = 64

  /// The upper triangle (b ≥ a, plus the lower half of each diagonal
  /// block) of DᵀD for D k×n (row-major), into the n×n `g`: one dgemm per
  /// block of `upperRows` rows, over the columns from the block's first
  /// on — about half the multiply-adds of the full product, which is only
  /// read above the diagonal.
  static func upperProduct(_ d: UnsafePointer<Double>, n: Int, k: Int, into g: UnsafeMutablePointer<Double>) {
    for a0 in stride(from: 0, to: n, by: upperRows) {
      BLAS.gemm(
        d + a0, transposeA: true, lda: n, d + a0, transposeB: false, ldb: n, into: g + a0 * n + a0, ldc: n,
        m: min(upperRows, n - a0), n: n - a0, k: k)
    }
  }

  /// Whether `upperProduct` gives every entry on and above the diagonal the
  /// bits of the full product, for D k×n. OpenBLAS (0.3.21) sums each
  /// entry over k in the same order whatever the block shape at n = 256,
  /// 512 and 1024 (every k ≤ 32 tried), but not at n = 300, where the
  /// bits depended on the number of rows, as with `RecurrentProduct`'s
  /// stacked products. Not a documented guarantee, so it is tested here,
  /// once per (n, k) per process, on pseudo-random D of that shape (the
  /// rounding path depends on the shape, not the values); the full product
  /// is used otherwise.
  static func upperProductExact(n: Int, k: Int) -> Bool {
    let key = n &* 64 &+ k
    upperLock.lock()
    let known = upperVerdicts[key]
    upperLock.unlock()
    if let known { return known }
    var seed: UInt64 = 0x9E37_79B9_7F4A_7C15
    let d = (0..<(k * n)).map { _ -> Double in
      seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      return Double(Int64(bitPattern: seed >> 11) - (1 << 52)) * 0x1.0p-52
    }
    var full = [Double](repeating: 0, count: n * n), upper = full
    d.withUnsafeBufferPointer { dp in
      full.withUnsafeMutableBufferPointer {
        BLAS.gemm(dp.baseAddress!, transposeA: true, dp.baseAddress!, transposeB: false, into: $0.baseAddress!, m: n, n: n, k: k)
      }
      upper.withUnsafeMutableBufferPointer { upperProduct(dp.baseAddress!, n: n, k: k, into: $0.baseAddress!) }
    }
    var exact = true
    for a in 0..<n where exact {
      for b in a..<n where full[a * n + b].bitPattern != upper[a * n + b].bitPattern {
        exact = false
        break
      }
    }
    upperLock.lock()
    upperVerdicts[key] = exact
    upperLock.unlock()
    return exact
  }

  // safe: only read and written under `upperLock`.
  nonisolated(unsafe) private static var upperVerdicts: [Int: Bool] = [:]
  private static let upperLock = NSLock()

  /// Adds every pending block; the sums are complete afterwards.
  func flushAll() {
    guard pendingTotal > 0 else { return }
    for j in 0..<trajectories { flush(trajectory: j) }
    gram = []
  }

  /// Adds recorded sample `record` (0-based) of local trajectory `j`.
  func add(trajectory j: Int, record: Int, state x: UnsafeBufferPointer<Double>) {
    guard record >= layout.skipped else { return }
    let n = dimension
    let batch = (record - layout.skipped) / layout.batchLength
    if !shiftSet[j] {
      for i in 0..<n { shifts[j * n + i] = x[i] }
      shiftSet[j] = true
    }
    if layout.covariance {
      if pendingCount[j] > 0 && pendingBatch[j] != batch { flush(trajectory: j) }
      pendingBatch[j] = batch
      let row = (j * Self.block + pendingCount[j]) * n
      for i in 0..<n { pending[row + i] = x[i] - shifts[j * n + i] }
      pendingCount[j] += 1
      pendingTotal += 1
      if pendingCount[j] == Self.block { flush(trajectory: j) }
    }
    let slotSize = layout.slotSize
    let base = (j * layout.batches + batch) * slotSize
    sums.withUnsafeMutableBufferPointer { s in
      shifts.withUnsafeBufferPointer { sh in
        let shift = sh.baseAddress! + j * n  // safe: j < trajectories, buffer holds trajectories·n
        let slot = s.baseAddress! + base  // safe: base + slotSize ≤ count by construction
        for i in 0..<n {
          let d = x[i] - shift[i]
          slot[i] += d
          slot[n + i] += d * d
        }
        if let p = layout.projection {
          // y − s_y = P(x − s): the deviations of the projection about its
          // own shift, without forming y (no cancellation against the offset).
          let k = p.count, start = layout.projectionStart
          p.weights.withUnsafeBufferPointer { w in
            for o in 0..<k {
              var d = 0.0
              for i in 0..<n { d += w[o * n + i] * (x[i] - shift[i]) }
              slot[start + o] += d
              slot[start + k + o] += d * d
            }
          }
        }
        if let h = layout.histogram {
          let v = x[h.coordinate]
          let t = 2 * n + layout.triangle
          if v < h.lower {
            slot[t + h.bins] += 1
          } else if v >= h.upper {
            slot[t + h.bins + 1] += 1
          } else {
            let bin = min(h.bins - 1, Int((v - h.lower) / h.binWidth))
            slot[t + bin] += 1
          }
        }
      }
    }
  }

  /// Batch slot `batch` of local trajectory `j`, and that trajectory's shift.
  func slot(trajectory j: Int, batch: Int) -> (sums: ArraySlice<Double>, shift: ArraySlice<Double>) {
    flushAll()
    let base = (j * layout.batches + batch) * layout.slotSize
    return (sums[base..<base + layout.slotSize], shifts[j * dimension..<(j + 1) * dimension])
  }
}
