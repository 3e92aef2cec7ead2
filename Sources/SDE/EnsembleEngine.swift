import CKernels
import Foundation

/// The batched, multi-threaded loop shared by SDE and Markov-chain ensembles:
/// draw each trajectory's normals from its own stream, advance the chunk,
/// check finiteness, save paths, accumulate statistics. `Scalar` is the type
/// the states and normals are stepped in (Double, or Float for the float32
/// chains); paths, final states and statistics are float64 either way.
struct EnsembleEngine<Scalar: EnsembleScalar> {
  /// Advances an M×n batch one step: (states, step index k, M×d normals).
  typealias Stepper = (
    _ states: UnsafeMutableBufferPointer<Scalar>, _ step: Int, _ normals: UnsafeMutableBufferPointer<Scalar>
  ) -> Void

  let dimension: Int
  let noiseDimension: Int
  let steps: Int
  let initialState: [Double]
  let time: (Int) -> Double
  /// Builds a stepper (with its own scratch) for a batch of the given size;
  /// called once per chunk, on the thread that runs the chunk.
  let makeStepper: (_ batch: Int) -> Stepper
  /// The law of the variates handed to the stepper (SDEs: always Gaussian).
  var variates: ChainVariates = .gaussian

  func run(_ options: EnsembleOptions) throws(SDEError) -> EnsembleSolution {
    let m = options.trajectories, n = dimension, d = noiseDimension
    guard m >= 1 else { throw .invalidArgument("trajectories is \(m); it must be at least 1") }
    guard options.threads >= 1 else { throw .invalidArgument("threads is \(options.threads); it must be at least 1") }
    guard options.chunkSize >= 1 else { throw .invalidArgument("chunk size is \(options.chunkSize); it must be at least 1") }
    // The final states (and each worker's scratch) are m × n doubles.
    let stateBytes = Double(m) * Double(max(n, d)) * 8 * 3
    guard stateBytes < 4e9 else {
      throw .invalidArgument("\(m) trajectories of dimension \(n) would take \(Int(stateBytes / 1e6)) MB: use fewer trajectories")
    }
    var pathSteps: [Int] = []
    if let every = options.savePathsEvery {
      guard every >= 1 else { throw .invalidArgument("savePathsEvery is \(every); it must be at least 1") }
      // Checked before the list of saved steps is built: it is as long.
      let rowCount = Double(steps / every + 1 + (steps % every == 0 ? 0 : 1))
      let bytes = Double(m) * rowCount * Double(n) * 8
      guard bytes < 4e9 else {
        throw .invalidArgument("saving paths would take \(Int(bytes / 1e6)) MB: save less often or use statistics instead")
      }
      pathSteps = Array(stride(from: 0, through: steps, by: every))
      if pathSteps.last != steps { pathSteps.append(steps) }
    }
    var layout: StationaryAccumulator.Layout?
    if let s = options.stationary {
      guard s.burnIn >= 0, s.thin >= 1 else {
        throw .invalidArgument("burn-in \(s.burnIn) must be ≥ 0 and thinning \(s.thin) ≥ 1")
      }
      let records = steps > s.burnIn ? (steps - s.burnIn) / s.thin : 0
      layout = try StationaryAccumulator.Layout(dimension: n, records: records, trajectories: m, options: s)
    }

    let chunkSize = options.chunkSize
    let chunks = (m + chunkSize - 1) / chunkSize
    let finalStates = UnsafeMutableBufferPointer<Double>.allocate(capacity: m * n)
    finalStates.initialize(repeating: 0)
    let paths = UnsafeMutableBufferPointer<Double>.allocate(capacity: max(1, m * pathSteps.count * n))
    paths.initialize(repeating: 0)
    defer {
      finalStates.deallocate()
      paths.deallocate()
    }
    let results = (0..<chunks).map { _ in ChunkResult() }
    let workers = min(options.threads, chunks)
    let rows = pathSteps.count
    let every = options.savePathsEvery ?? Int.max

    let runChunk = { (c: Int) in
      let first = c * chunkSize, size = min(chunkSize, m - first)
      let states = UnsafeMutableBufferPointer<Scalar>.allocate(capacity: size * n)
      let normals = UnsafeMutableBufferPointer<Scalar>.allocate(capacity: max(1, size * d))
      normals.initialize(repeating: 0)
      // One state converted to float64 for the accumulator (float chains).
      let row = UnsafeMutableBufferPointer<Double>.allocate(capacity: n)
      row.initialize(repeating: 0)
      // Non-Gaussian laws are drawn in float64 (GaussianStream) and rounded.
      let lawScratch = UnsafeMutableBufferPointer<Double>.allocate(capacity: max(1, d))
      lawScratch.initialize(repeating: 0)
      // Gaussian variates: the C ziggurat on each trajectory's Philox stream
      // (for Double, the very values GaussianStream.fillGaussian gives).
      let philox = UnsafeMutablePointer<fp_philox_stream>.allocate(capacity: size)
      for j in 0..<size { fp_stream_init(philox + j, options.seed, UInt64(first + j)) }
      defer {
        states.deallocate()
        normals.deallocate()
        row.deallocate()
        lawScratch.deallocate()
        philox.deallocate()
      }
      let start = initialState.map { Scalar($0) }
      for j in 0..<size { _ = UnsafeMutableBufferPointer(rebasing: states[j * n..<(j + 1) * n]).initialize(fromContentsOf: start) }
      var streams = variates == .gaussian ? [] : (0..<size).map { GaussianStream(seed: options.seed, stream: UInt64(first + $0)) }
      var failedAt = [Int](repeating: 0, count: size)
      let stepper = makeStepper(size)
      let accumulator = layout.map { StationaryAccumulator(layout: $0, trajectories: size) }

      func savePath(row: Int) {
        for j in 0..<size {
          let dst = ((first + j) * rows + row) * n
          for i in 0..<n { paths[dst + i] = states[j * n + i].doubleValue }
        }
      }
      if rows > 0 { savePath(row: 0) }
      var nextRow = 1
      for k in 0..<steps {
        if d > 0, let base = normals.baseAddress {
          if variates == .gaussian {
            for j in 0..<size { Scalar.fillGaussian(philox + j, base + j * d, count: d) }
          } else {
            for j in 0..<size {
              streams[j].fill(lawScratch, law: variates)
              for i in 0..<d { normals[j * d + i] = Scalar(lawScratch[i]) }
            }
          }
        }
        stepper(states, k, normals)
        let s = k + 1
        // The whole chunk checked at once; which trajectory failed is looked
        // for only when something did.
        if Scalar.anyNonFinite(states.baseAddress!, count: size * n) {
          for j in 0..<size where failedAt[j] == 0 {
            for i in 0..<n where !states[j * n + i].isFinite {
              failedAt[j] = s
              break
            }
          }
        }
        if rows > 0 && (s % every == 0 || s == steps) {
          savePath(row: nextRow)
          nextRow += 1
        }
        if let accumulator, let o = options.stationary, s > o.burnIn, (s - o.burnIn) % o.thin == 0 {
          let record = (s - o.burnIn) / o.thin - 1
          for j in 0..<size where failedAt[j] == 0 {
            if Scalar.self == Double.self {
              states.withMemoryRebound(to: Double.self) { s in
                accumulator.add(trajectory: j, record: record, state: UnsafeBufferPointer(rebasing: s[j * n..<(j + 1) * n]))
              }
            } else {
              for i in 0..<n { row[i] = states[j * n + i].doubleValue }
              accumulator.add(trajectory: j, record: record, state: UnsafeBufferPointer(row))
            }
          }
        }
      }
      for i in 0..<(size * n) { finalStates[first * n + i] = states[i].doubleValue }
      accumulator?.flushAll()  // here, on this chunk's thread, not later in the serial reduction
      results[c].failedAt = failedAt
      results[c].accumulator = accumulator
    }

    if workers == 1 {
      for c in 0..<chunks { runChunk(c) }
    } else {
      // Worker w runs chunks w, w + workers, …: each chunk's work and output
      // slots are its own, so only the schedule depends on the thread count.
      // The closure writes only its own chunk's slots of the shared buffers,
      // hence the unchecked Sendable wrapper.
      let work = UncheckedSendable(runChunk)
      DispatchQueue.concurrentPerform(iterations: workers) { w in
        var c = w
        while c < chunks {
          work.value(c)
          c += workers
        }
      }
    }

    var failures: [(trajectory: Int, step: Int)] = []
    for (c, r) in results.enumerated() {
      for (j, s) in r.failedAt.enumerated() where s > 0 { failures.append((c * chunkSize + j, s)) }
    }
    var statistics: StationaryStatistics?
    if let layout {
      let parts = results.compactMap { r in r.accumulator.map { ($0, r.failedAt.map { $0 == 0 }) } }
      do { statistics = try StationaryStatistics.combine(parts, layout: layout) } catch {
        // Too few batches left because trajectories diverged: say where.
        guard let first = failures.min(by: { ($0.step, $0.trajectory) < ($1.step, $1.trajectory) }) else { throw error }
        throw .diverged(trajectory: first.trajectory, step: first.step, failed: failures.count, of: m)
      }
    }
    return EnsembleSolution(
      trajectories: m, dimension: n, steps: steps, finalStates: Array(finalStates), pathSteps: pathSteps,
      pathTimes: pathSteps.map(time), paths: rows > 0 ? Array(paths) : [], statistics: statistics,
      failures: failures)
  }
}

/// What one chunk hands back; written by exactly one worker, read after all
/// workers have joined.
final class ChunkResult: @unchecked Sendable {
  var failedAt: [Int] = []
  var accumulator: StationaryAccumulator?
}

/// A value handed to worker threads that the compiler cannot prove safe to
/// share; each use states why it is (disjoint writes, joined before reads).
struct UncheckedSendable<T>: @unchecked Sendable {
  let value: T
  init(_ value: T) { self.value = value }
}
