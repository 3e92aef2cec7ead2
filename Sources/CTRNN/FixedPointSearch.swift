import Dispatch
import Foundation
import GSL

/// What a fixed-point search did and how complete it looks: the numbers a
/// reader needs to judge whether every fixed point was found.
public struct FixedPointSearchReport: Sendable {
  public enum StoppingReason: String, Sendable {
    /// No new fixed point in the last `patience` sampled batches.
    case saturated
    /// The start budget `maxStarts` was spent before saturation.
    case budget
    /// Sampled batches were turned off (`runsPerBatch` = 0): the first batch alone.
    case firstBatchOnly = "first_batch_only"
  }
  /// The options, tolerances included.
  public var options: FixedPointSearch
  /// Newton starts used, over every batch.
  public var startsUsed: Int
  /// Batches run, the first (random and given starts) included.
  public var batches: Int
  /// New distinct fixed points per batch, in batch order.
  public var newPerBatch: [Int]
  public var stoppingReason: StoppingReason
  /// Distinct fixed points reported (after outlier exclusion).
  public var distinct: Int
  /// Of those, how many only one start reached: many singletons mean the
  /// search is not saturated.
  public var foundOnce: Int
  /// Roots dropped as distance outliers, and the distance from the sampled
  /// states' centroid beyond which a root is one (nil: no rule applied).
  public var outliersExcluded: Int
  public var outlierDistance: Double?
}

extension Network {
  /// Every fixed point the search reaches, and how the search went.
  ///
  /// Batch 0 is `deterministicFixedPoints`' starts, in its order: `given`,
  /// one step from f(c), `randomStarts` random states. Each later batch runs
  /// the map itself (FixedPointFinder's `sample_states`, then more):
  /// `runsPerBatch` random initial states (pre-activation spreads 0.1, 1, 3
  /// in turn), each run forward without noise — its settled state and the
  /// states where its speed ‖F(h) − h‖ has its two smallest local minima
  /// along the way (a trajectory slows down near a saddle) — and with noise
  /// `samplingSigma` — its state halfway and at the end — plus the initial
  /// state itself and the midpoint of two fixed points found so far (saddles
  /// lie between attractors). Every start goes to `root(from:)`. Batches
  /// stop when `patience` batches in a row found nothing new, or once
  /// `maxStarts` starts were used.
  ///
  /// Deterministic for `search.seed`: run j of batch b draws from its own
  /// stream, seeded by a hash of (seed, b, j); runs may go on `threads`
  /// threads, and their starts are solved and merged in run order.
  public func searchFixedPoints(
    given: [[Double]] = [], search: FixedPointSearch, threads: Int = 1
  ) throws -> (points: [NetworkFixedPoint], report: FixedPointSearchReport) {
    var roots: [[Double]] = [], hits: [Int] = []
    var sampled: [[Double]] = []
    var startsUsed = 0
    func merge(_ root: [Double]?) -> Bool {
      guard let root else { return false }
      if let k = roots.firstIndex(where: { search.same($0, root) }) {
        hits[k] += 1
        return false
      }
      roots.append(root)
      hits.append(1)
      return true
    }

    let first = try searchStarts(given: given, search: search)
    // One cache for the whole search, shared by its threads.
    let cache = newtonCache()
    sampled += first
    startsUsed += first.count
    // Solved on `threads` threads, merged in start order: the same result on any number.
    let firstRoots = try self.roots(from: first, search: search, threads: threads, cache: cache)
    var newPerBatch = [firstRoots.reduce(0) { $0 + (merge($1) ? 1 : 0) }]

    var reason = FixedPointSearchReport.StoppingReason.firstBatchOnly
    var quiet = 0
    while search.runsPerBatch > 0 {
      if quiet >= search.patience {
        reason = .saturated
        break
      }
      if startsUsed >= search.maxStarts {
        reason = .budget
        break
      }
      let batch = newPerBatch.count, known = roots
      let runs = try sampledRuns(batch: batch, known: known, search: search, threads: threads, cache: cache)
      var new = 0
      for run in runs {
        sampled += run.starts
        startsUsed += run.starts.count
        for r in run.roots where merge(r) { new += 1 }
      }
      newPerBatch.append(new)
      quiet = new > 0 ? 0 : quiet + 1
    }

    // Distance outliers: FixedPointFinder's rule, against the states the
    // search started from (their centroid and mean distance from it).
    var outlierDistance: Double?
    var keep = Array(roots.indices)
    if !sampled.isEmpty, search.outlierDistanceScale.isFinite {
      let n = size
      var centroid = [Double](repeating: 0, count: n)
      for s in sampled { for i in 0..<n { centroid[i] += s[i] / Double(sampled.count) } }
      let mean = sampled.reduce(0) { $0 + Self.euclidean($1, centroid) } / Double(sampled.count)
      if mean > 0 {
        let limit = search.outlierDistanceScale * mean
        outlierDistance = limit
        keep = roots.indices.filter { Self.euclidean(roots[$0], centroid) <= limit }
      }
    }
    // Each record is a dense eigen-decomposition (O(N³)), independent of the others.
    let points = try fixedPoints(keep.map { roots[$0] }, threads: threads).enumerated().map { j, point -> NetworkFixedPoint in
      var p = point
      p.timesFound = hits[keep[j]]
      return p
    }.sorted(by: NetworkFixedPoint.reportOrder)
    let report = FixedPointSearchReport(
      options: search, startsUsed: startsUsed, batches: newPerBatch.count, newPerBatch: newPerBatch,
      stoppingReason: reason, distinct: points.count, foundOnce: points.filter { $0.timesFound == 1 }.count,
      outliersExcluded: roots.count - keep.count, outlierDistance: outlierDistance)
    return (points, report)
  }

  /// One sampled run's starts and where each led (nil: no root).
  struct SampledRun: Sendable {
    var starts: [[Double]]
    var roots: [[Double]?]
  }

  /// The runs of one sampled batch, in run order whatever `threads` is.
  func sampledRuns(
    batch: Int, known: [[Double]], search: FixedPointSearch, threads: Int, cache: LUCache? = nil
  ) throws -> [SampledRun] {
    let count = search.runsPerBatch
    let slots = RunSlots(count: count)
    let network = self
    let workers = max(1, min(threads, count))
    // Worker w takes runs w, w + workers, …; each writes only its own slots.
    // With two runs or more it steps them in lockstep (SampledStartsLockstep.swift:
    // the same starts, one pass over W per step for a group of runs).
    let work = { (w: Int) in
      let mine = Array(stride(from: w, to: count, by: workers))
      let starts: [Result<[[Double]], any Error>] =
        mine.count >= 2 && network.size > 0  // (no buffers to point at with no units)
        ? network.sampledStartsLockstep(batch: batch, runs: mine, known: known, search: search)
        : mine.map { j in Result { try network.sampledStarts(batch: batch, run: j, known: known, search: search) } }
      for (j, runStarts) in zip(mine, starts) {
        slots.results[j] = Result {
          let starts = try runStarts.get()
          // A solver per run: it is not thread-safe, and runs may share threads.
          let solver = try network.rootSolver(search)
          return SampledRun(starts: starts, roots: starts.map { network.root(from: $0, search: search, solver: solver, cache: cache) })
        }
      }
    }
    if workers == 1 {
      work(0)
    } else {
      let shared = UncheckedWork(work)
      DispatchQueue.concurrentPerform(iterations: workers) { shared.body($0) }
    }
    return try slots.results.map { try $0!.get() }
  }

  /// `root(from:)` of every start, in start order whatever `threads` is
  /// (worker w takes starts w, w + workers, …, with its own solver).
  func roots(from starts: [[Double]], search: FixedPointSearch, threads: Int, cache: LUCache? = nil) throws -> [[Double]?] {
    let count = starts.count
    guard count > 0 else { return [] }
    let workers = max(1, min(threads, count))
    if workers == 1 {
      let solver = try rootSolver(search)
      return starts.map { root(from: $0, search: search, solver: solver, cache: cache) }
    }
    let slots = RootSlots(count: count)
    let network = self
    let shared = UncheckedWork { w in
      let solver: MultirootSolver
      do { solver = try network.rootSolver(search) } catch {
        for j in stride(from: w, to: count, by: workers) { slots.results[j] = .failure(error) }
        return
      }
      for j in stride(from: w, to: count, by: workers) {
        slots.results[j] = .success(network.root(from: starts[j], search: search, solver: solver, cache: cache))
      }
    }
    DispatchQueue.concurrentPerform(iterations: workers) { shared.body($0) }
    return try slots.results.map { try $0!.get() }
  }

  /// `fixedPoint(_:)` of every state, in order whatever `threads` is
  /// (worker w takes states w, w + workers, …).
  func fixedPoints(_ states: [[Double]], threads: Int) throws -> [NetworkFixedPoint] {
    let workers = max(1, min(threads, states.count))
    if workers == 1 { return try states.map { try fixedPoint($0) } }
    let slots = PointSlots(count: states.count)
    let network = self
    let shared = UncheckedWork { w in
      for j in stride(from: w, to: states.count, by: workers) { slots.results[j] = Result { try network.fixedPoint(states[j]) } }
    }
    DispatchQueue.concurrentPerform(iterations: workers) { shared.body($0) }
    return try slots.results.map { try $0!.get() }
  }

  /// The starts of run `run` in batch `batch` (see `searchFixedPoints`).
  func sampledStarts(batch: Int, run: Int, known: [[Double]], search: FixedPointSearch) throws -> [[Double]] {
    let rng = try GSLRandom(seed: UInt(truncatingIfNeeded: Self.streamSeed(search.seed, batch: batch, run: run)))
    let f = activation, g = gamma, n = size
    // W column by column, for the lane-parallel product (the same sums as
    // `preactivation(_:weights:)`, to the bit, several rows at a time).
    let transposed = Self.columnMajor(recurrent)
    /// The noiseless map F(h) = (1−γ) h + γ f(W h + c), as `map` computes it.
    func step(_ h: [Double]) -> [Double] {
      let u = Self.preactivation(h, columnMajorWeights: transposed, drive: drive)
      return (0..<n).map { (1 - g) * h[$0] + g * f(u[$0]) }
    }
    let spread = [0.1, 1, 3][run % 3]
    let h0 = drive.map { ci in f(ci + (2 * rng.uniform() - 1) * spread * (1 + abs(ci))) }
    var starts = [h0]

    // Noiseless run: the settled state, and the slowest points on the way.
    var h = h0, previous = Double.infinity, falling = false
    var minima: [(speed: Double, h: [Double])] = []
    for _ in 0..<(Int(100 / g) + 100) {
      let next = step(h)
      let speed = zip(next, h).reduce(0.0) { max($0, abs($1.0 - $1.1)) }
      if !next.allSatisfy(\.isFinite) { break }
      // h is a local minimum of the speed when it fell into h and rises after.
      if falling && speed > previous { minima.append((previous, h)) }
      falling = speed < previous
      previous = speed
      h = next
      if speed <= 1e-12 * (1 + (h.map(abs).max() ?? 0)) { break }
    }
    if h.allSatisfy(\.isFinite) { starts.append(h) }
    starts += minima.sorted { $0.speed < $1.speed }.prefix(2).map(\.h)

    // Noisy run, the network's own noise placement at samplingSigma.
    let sigma = search.samplingSigma, inside = noise == .inside, steps = Int(20 / g) + 20
    h = h0
    for k in 1...steps {
      let u = Self.preactivation(h, columnMajorWeights: transposed, drive: drive)
      h = (0..<n).map { i in
        let xi = sigma * rng.gaussian()
        return (1 - g) * h[i] + g * (inside ? f(u[i] + xi) : f(u[i]) + xi)
      }
      guard h.allSatisfy(\.isFinite) else { break }
      if k == steps / 2 || k == steps { starts.append(h) }
    }

    if known.count >= 2 {
      let a = Int(rng.uniform() * Double(known.count)) % known.count
      let b = (a + 1 + Int(rng.uniform() * Double(known.count - 1)) % (known.count - 1)) % known.count
      starts.append(zip(known[a], known[b]).map { 0.5 * ($0 + $1) })
    }
    return starts
  }

  /// W's elements column by column (Wᵀ row-major).
  static func columnMajor(_ w: Matrix) -> [Double] {
    let n = w.rows, m = w.columns
    var t = [Double](repeating: 0, count: n * m)
    w.elements.withUnsafeBufferPointer { src in
      t.withUnsafeMutableBufferPointer { dst in
        for i0 in stride(from: 0, to: n, by: 32) {
          for j0 in stride(from: 0, to: m, by: 32) {
            for i in i0..<min(i0 + 32, n) { for j in j0..<min(j0 + 32, m) { dst[j * n + i] = src[i * m + j] } }
          }
        }
      }
    }
    return t
  }

  /// drive + W h with W given column by column: each row's sum starts at its
  /// drive and adds wᵢⱼ hⱼ in column order — the additions of
  /// `preactivation(_:weights:drive:)`, so the same bits — but 32 rows at a
  /// time in SIMD lanes, where the row-major loop can only keep four
  /// independent sums in flight. The single-run path of the sampled runs
  /// (a worker with one run); a worker with several steps them together
  /// through the packed kernel of SampledStartsLockstep.swift, same sums.
  static func preactivation(_ h: [Double], columnMajorWeights wt: [Double], drive: [Double]) -> [Double] {
    let n = drive.count
    var u = drive
    wt.withUnsafeBufferPointer { w in
      h.withUnsafeBufferPointer { x in
        u.withUnsafeMutableBufferPointer { out in
          let base = w.baseAddress!, o = out.baseAddress!
          var i = 0
          while i + 32 <= n {
            var s0 = UnsafeRawPointer(o + i).loadUnaligned(as: SIMD8<Double>.self)
            var s1 = UnsafeRawPointer(o + i + 8).loadUnaligned(as: SIMD8<Double>.self)
            var s2 = UnsafeRawPointer(o + i + 16).loadUnaligned(as: SIMD8<Double>.self)
            var s3 = UnsafeRawPointer(o + i + 24).loadUnaligned(as: SIMD8<Double>.self)
            for j in 0..<n {
              let xj = SIMD8<Double>(repeating: x[j]), row = UnsafeRawPointer(base + j * n + i)
              s0 += row.loadUnaligned(as: SIMD8<Double>.self) * xj
              s1 += row.loadUnaligned(fromByteOffset: 64, as: SIMD8<Double>.self) * xj
              s2 += row.loadUnaligned(fromByteOffset: 128, as: SIMD8<Double>.self) * xj
              s3 += row.loadUnaligned(fromByteOffset: 192, as: SIMD8<Double>.self) * xj
            }
            UnsafeMutableRawPointer(o + i).storeBytes(of: s0, as: SIMD8<Double>.self)
            UnsafeMutableRawPointer(o + i + 8).storeBytes(of: s1, as: SIMD8<Double>.self)
            UnsafeMutableRawPointer(o + i + 16).storeBytes(of: s2, as: SIMD8<Double>.self)
            UnsafeMutableRawPointer(o + i + 24).storeBytes(of: s3, as: SIMD8<Double>.self)
            i += 32
          }
          while i < n {
            var s = out[i]
            for j in 0..<n { s += w[j * n + i] * x[j] }
            out[i] = s
            i += 1
          }
        }
      }
    }
    return u
  }

  /// A seed for run `run` of batch `batch`: SplitMix64's finaliser over the
  /// three, so neighbouring runs get unrelated MT19937 streams.
  static func streamSeed(_ seed: UInt64, batch: Int, run: Int) -> UInt64 {
    var z = seed &+ 0x9E37_79B9_7F4A_7C15 &* (UInt64(truncatingIfNeeded: batch) &* 1_000_003 &+ UInt64(truncatingIfNeeded: run) &+ 1)
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }

  static func euclidean(_ a: [Double], _ b: [Double]) -> Double {
    zip(a, b).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }.squareRoot()
  }
}


private typealias RunSlots = ResultSlots<Network.SampledRun>
private typealias RootSlots = ResultSlots<[Double]?>
private typealias PointSlots = ResultSlots<NetworkFixedPoint>

/// A closure that only touches its own run's slot, so sharing it is safe.
private struct UncheckedWork: @unchecked Sendable {
  let body: (Int) -> Void
  init(_ body: @escaping (Int) -> Void) { self.body = body }
}
