import CKernels
import GSL

// Several sampled runs of one search batch stepped together, so that one
// pass over W serves more than one state.
//
// Why: each step of a sampled run is a mat-vec W h, and at N = 512 W (2 MB)
// does not fit the 1 MB L2, so the single-run kernel streams W from L3 for
// every state and waits on memory. A worker owns several runs of a batch
// (runs w, w + workers, …); stepping them in lockstep reads each element of W
// once per step for a group of runs instead of once per run. W is also packed
// in row blocks (all columns of rows 8b…8b+7 contiguous), so the pass is one
// sequential stream instead of a 4 KB-strided walk down each column.
//
// Same bits as `sampledStarts(batch:run:known:search:)`, run by run:
// - each row's sum starts at its drive and adds wᵢⱼ hⱼ in column order
//   j = 0, 1, …, n−1 (one lane per row, a multiply then an add, never fused);
//   only which rows share a register and which states share a pass change;
// - each run draws from its own stream in the same order (h0's uniforms, the
//   noisy run's gaussians row by row, then the `known` uniforms); runs never
//   share a stream, so interleaving their steps changes no draw;
// - a run leaves the active set at exactly the step where the single-run
//   loop breaks (non-finite state, speed below the stop), and its state,
//   minima and starts are updated by the same expressions.
//
// The product itself is CKernels' `fp_lockstep_preactivations`
// (lockstepkernels.c): the Swift build targets baseline x86-64 (SSE2, 16
// two-double registers), where two states per pass is the most that fits
// (8-row blocks: 8 accumulators, W's 4, the broadcast) and the pass is
// compute-bound; the C kernel is also built for AVX2/AVX-512 and picked at
// load time, and takes four states per pass. Measured (thread CPU time per
// state-mat-vec, under load): at N = 512, the single-run Swift kernel 62 µs,
// a Swift SSE2 pair 28 µs, the C kernel (AVX-512 clone) 11 µs in groups of
// four; at N = 1024, 421, 113 and 47 µs.

/// W packed in blocks of `blockRows` rows for the lockstep kernel, with the
/// drive padded alike (rows past n are zero and never read back).
struct LockstepWeights {
  static let blockRows = Int(FP_LOCKSTEP_ROWS)
  let n: Int
  let blocks: Int
  /// Block b, column j, row r at (b·n + j)·8 + r.
  let packed: [Double]
  let drive: [Double]
  var paddedRows: Int { blocks * Self.blockRows }

  init(_ w: Matrix, drive c: [Double]) {
    let n = w.rows, r = Self.blockRows
    let blocks = (n + r - 1) / r
    self.n = n
    self.blocks = blocks
    var p = [Double](repeating: 0, count: blocks * r * n)
    w.elements.withUnsafeBufferPointer { src in
      p.withUnsafeMutableBufferPointer { dst in
        for b in 0..<blocks {
          for i in (b * r)..<min(b * r + r, n) {
            let row = i * n, lane = i - b * r
            for j in 0..<n { dst[(b * n + j) * r + lane] = src[row + j] }
          }
        }
      }
    }
    packed = p
    drive = c + [Double](repeating: 0, count: blocks * r - n)
  }

  /// out[s·paddedRows + i] = drive[i] + Σⱼ W[i][j]·x[s·n + j] for the
  /// `count` states in x.
  func preactivations(_ x: UnsafePointer<Double>, count: Int, into out: UnsafeMutablePointer<Double>) {
    packed.withUnsafeBufferPointer { wp in
      drive.withUnsafeBufferPointer { dp in
        fp_lockstep_preactivations(wp.baseAddress!, dp.baseAddress!, n, blocks, x, count, out)
      }
    }
  }
}

extension Network {
  /// `sampledStarts(batch:run:known:search:)` of every run in `runs`, in
  /// that order, the runs stepped in lockstep (see the note at the top of
  /// this file): the same starts, to the bit, run by run. Needs at least
  /// one unit (the kernel's buffers must exist).
  func sampledStartsLockstep(
    batch: Int, runs: [Int], known: [[Double]], search: FixedPointSearch
  ) -> [Result<[[Double]], any Error>] {
    let f = activation, g = gamma, n = size
    let weights = LockstepWeights(recurrent, drive: drive)
    let pn = weights.paddedRows

    final class Run {
      let rng: GSLRandom
      let h0: [Double]
      var starts: [[Double]]
      var h: [Double]
      var previous = Double.infinity, falling = false
      var minima: [(speed: Double, h: [Double])] = []
      init(rng: GSLRandom, h0: [Double]) {
        self.rng = rng
        self.h0 = h0
        starts = [h0]
        h = h0
      }
    }
    var results = [Result<[[Double]], any Error>?](repeating: nil, count: runs.count)
    var state = [Run?](repeating: nil, count: runs.count)
    for (slot, run) in runs.enumerated() {
      do {
        let rng = try GSLRandom(seed: UInt(truncatingIfNeeded: Self.streamSeed(search.seed, batch: batch, run: run)))
        let spread = [0.1, 1, 3][run % 3]
        let h0 = drive.map { ci in f(ci + (2 * rng.uniform() - 1) * spread * (1 + abs(ci))) }
        state[slot] = Run(rng: rng, h0: h0)
      } catch {
        results[slot] = .failure(error)
      }
    }

    // The active runs' states side by side, and their preactivations.
    var x = [Double](), u = [Double]()
    func preactivate(_ active: [Int]) {
      x.removeAll(keepingCapacity: true)
      for slot in active { x += state[slot]!.h }
      if u.count < active.count * pn { u = [Double](repeating: 0, count: active.count * pn) }
      x.withUnsafeBufferPointer { xp in
        u.withUnsafeMutableBufferPointer { up in weights.preactivations(xp.baseAddress!, count: active.count, into: up.baseAddress!) }
      }
    }

    // Noiseless runs: the settled state, and the slowest points on the way.
    var active = state.indices.filter { state[$0] != nil }
    var step = 0
    while step < Int(100 / g) + 100, !active.isEmpty {
      preactivate(active)
      var still: [Int] = []
      for (a, slot) in active.enumerated() {
        let run = state[slot]!, h = run.h
        let next = u.withUnsafeBufferPointer { up in
          let ua = up.baseAddress! + a * pn
          return (0..<n).map { (1 - g) * h[$0] + g * f(ua[$0]) }
        }
        let speed = zip(next, h).reduce(0.0) { max($0, abs($1.0 - $1.1)) }
        if !next.allSatisfy(\.isFinite) { continue }
        if run.falling && speed > run.previous { run.minima.append((run.previous, h)) }
        run.falling = speed < run.previous
        run.previous = speed
        run.h = next
        if speed <= 1e-12 * (1 + (next.map(abs).max() ?? 0)) { continue }
        still.append(slot)
      }
      active = still
      step += 1
    }
    for run in state.compactMap({ $0 }) {
      if run.h.allSatisfy(\.isFinite) { run.starts.append(run.h) }
      run.starts += run.minima.sorted { $0.speed < $1.speed }.prefix(2).map(\.h)
      run.minima = []
      run.h = run.h0
    }

    // Noisy runs, the network's own noise placement at samplingSigma.
    let sigma = search.samplingSigma, inside = noise == .inside, steps = Int(20 / g) + 20
    active = state.indices.filter { state[$0] != nil }
    for k in 1...steps {
      if active.isEmpty { break }
      preactivate(active)
      var still: [Int] = []
      for (a, slot) in active.enumerated() {
        let run = state[slot]!, h = run.h, rng = run.rng
        let next = u.withUnsafeBufferPointer { up in
          let ua = up.baseAddress! + a * pn
          return (0..<n).map { i in
            let xi = sigma * rng.gaussian()
            return (1 - g) * h[i] + g * (inside ? f(ua[i] + xi) : f(ua[i]) + xi)
          }
        }
        run.h = next
        guard next.allSatisfy(\.isFinite) else { continue }
        if k == steps / 2 || k == steps { run.starts.append(next) }
        still.append(slot)
      }
      active = still
    }

    for (slot, run) in state.enumerated() {
      guard let run else { continue }
      if known.count >= 2 {
        let rng = run.rng
        let a = Int(rng.uniform() * Double(known.count)) % known.count
        let b = (a + 1 + Int(rng.uniform() * Double(known.count - 1)) % (known.count - 1)) % known.count
        run.starts.append(zip(known[a], known[b]).map { 0.5 * ($0 + $1) })
      }
      results[slot] = .success(run.starts)
    }
    return results.map { $0! }
  }
}
