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
    let plan = try EnsemblePlan(self, options)
    plan.schedule { c in
      let run = ChunkRun(plan, chunk: c, states: nil)
      let stepper = makeStepper(run.size)
      for k in 0..<steps {
        run.draw()
        stepper(run.states, k, run.normals)
        run.finishStep(k)
      }
      run.finish()
    }
    return try plan.solution()
  }
}

/// Everything of one ensemble run that outlives its chunks: the checked
/// options, the layout of the statistics, the output buffers and each
/// chunk's result slot. Chunks write only their own slots and rows.
final class EnsemblePlan<Scalar: EnsembleScalar>: @unchecked Sendable {
  let engine: EnsembleEngine<Scalar>
  let options: EnsembleOptions
  let layout: StationaryAccumulator.Layout?
  let pathSteps: [Int]
  let chunks: Int
  let finalStates: UnsafeMutableBufferPointer<Double>
  let paths: UnsafeMutableBufferPointer<Double>
  let results: [ChunkResult]

  init(_ engine: EnsembleEngine<Scalar>, _ options: EnsembleOptions) throws(SDEError) {
    let m = options.trajectories, n = engine.dimension, d = engine.noiseDimension
    guard m >= 1 else { throw .invalidArgument("trajectories is \(m); it must be at least 1") }
    guard options.threads >= 1 else { throw .invalidArgument("threads is \(options.threads); it must be at least 1") }
    guard options.chunkSize >= 1 else { throw .invalidArgument("chunk size is \(options.chunkSize); it must be at least 1") }
    // The final states (and each worker's scratch) are m × n doubles.
    let stateBytes = Double(m) * Double(max(n, d)) * 8 * 3
    guard stateBytes < 4e9 else {
      throw .invalidArgument("\(m) trajectories of dimension \(n) would take \(Int(stateBytes / 1e6)) MB: use fewer trajectories")
    }
    let steps = engine.steps
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
    self.engine = engine
    self.options = options
    self.layout = layout
    self.pathSteps = pathSteps
    chunks = (m + options.chunkSize - 1) / options.chunkSize
    finalStates = UnsafeMutableBufferPointer<Double>.allocate(capacity: m * n)
    finalStates.initialize(repeating: 0)
    paths = UnsafeMutableBufferPointer<Double>.allocate(capacity: max(1, m * pathSteps.count * n))
    paths.initialize(repeating: 0)
    results = (0..<chunks).map { _ in ChunkResult() }
  }

  deinit {
    finalStates.deallocate()
    paths.deallocate()
  }

  /// Chunk c's first trajectory and its number of trajectories.
  func bounds(_ c: Int) -> (first: Int, size: Int) {
    let first = c * options.chunkSize
    return (first, min(options.chunkSize, options.trajectories - first))
  }

  /// Runs body(c) for every chunk on min(threads, chunks) workers.
  func schedule(_ body: @escaping (Int) -> Void) {
    let workers = min(options.threads, chunks), chunks = chunks
    if workers == 1 {
      for c in 0..<chunks { body(c) }
    } else {
      // Worker w runs chunks w, w + workers, …: each chunk's work and output
      // slots are its own, so only the schedule depends on the thread count.
      // The closure writes only its own chunk's slots of the shared buffers,
      // hence the unchecked Sendable wrapper.
      let work = UncheckedSendable(body)
      DispatchQueue.concurrentPerform(iterations: workers) { w in
        var c = w
        while c < chunks {
          work.value(c)
          c += workers
        }
      }
    }
  }

  /// The reduction once every chunk has finished.
  func solution() throws(SDEError) -> EnsembleSolution {
    let m = options.trajectories, n = engine.dimension, chunkSize = options.chunkSize
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
    let rows = pathSteps.count
    return EnsembleSolution(
      trajectories: m, dimension: n, steps: engine.steps, finalStates: Array(finalStates), pathSteps: pathSteps,
      pathTimes: pathSteps.map(engine.time), paths: rows > 0 ? Array(paths) : [], statistics: statistics,
      failures: failures)
  }
}

/// One chunk of trajectories of one ensemble, advanced step by step by its
/// caller: `draw` fills the normals, the caller steps `states`, and
/// `finishStep` checks, saves and accumulates. `states` is the chunk's own
/// buffer, or rows of a buffer the caller owns (lockstep runs).
final class ChunkRun<Scalar: EnsembleScalar> {
  let plan: EnsemblePlan<Scalar>
  let chunk: Int
  let first: Int
  let size: Int
  /// Settable by a caller that ping-pongs two buffers (the lockstep run),
  /// only when it does not own them.
  var states: UnsafeMutableBufferPointer<Scalar>
  let ownsStates: Bool
  let normals: UnsafeMutableBufferPointer<Scalar>
  /// One state converted to float64 for the accumulator (float chains).
  let row: UnsafeMutableBufferPointer<Double>
  /// Non-Gaussian laws are drawn in float64 (GaussianStream) and rounded.
  let lawScratch: UnsafeMutableBufferPointer<Double>
  /// Gaussian variates: the C ziggurat on each trajectory's Philox stream
  /// (for Double, the very values GaussianStream.fillGaussian gives).
  let philox: UnsafeMutablePointer<fp_philox_stream>
  var streams: [GaussianStream]
  var failedAt: [Int]
  let accumulator: StationaryAccumulator?
  var nextRow = 1

  init(_ plan: EnsemblePlan<Scalar>, chunk c: Int, states given: UnsafeMutableBufferPointer<Scalar>?) {
    let engine = plan.engine, n = engine.dimension, d = engine.noiseDimension
    self.plan = plan
    chunk = c
    (first, size) = plan.bounds(c)
    if let given {
      precondition(given.count == size * n, "ChunkRun: the given state rows do not fit the chunk")
      states = given
      ownsStates = false
    } else {
      states = UnsafeMutableBufferPointer<Scalar>.allocate(capacity: size * n)
      ownsStates = true
    }
    normals = UnsafeMutableBufferPointer<Scalar>.allocate(capacity: max(1, size * d))
    normals.initialize(repeating: 0)
    row = UnsafeMutableBufferPointer<Double>.allocate(capacity: n)
    row.initialize(repeating: 0)
    lawScratch = UnsafeMutableBufferPointer<Double>.allocate(capacity: max(1, d))
    lawScratch.initialize(repeating: 0)
    philox = UnsafeMutablePointer<fp_philox_stream>.allocate(capacity: size)
    let seed = plan.options.seed, first = first, size = size
    for j in 0..<size { fp_stream_init(philox + j, seed, UInt64(first + j)) }
    let start = engine.initialState.map { Scalar($0) }
    for j in 0..<size { _ = UnsafeMutableBufferPointer(rebasing: states[j * n..<(j + 1) * n]).initialize(fromContentsOf: start) }
    streams = engine.variates == .gaussian ? [] : (0..<size).map { GaussianStream(seed: seed, stream: UInt64(first + $0)) }
    failedAt = [Int](repeating: 0, count: size)
    accumulator = plan.layout.map { StationaryAccumulator(layout: $0, trajectories: size) }
    if !plan.pathSteps.isEmpty { savePath(row: 0) }
  }

  deinit {
    if ownsStates { states.deallocate() }
    normals.deallocate()
    row.deallocate()
    lawScratch.deallocate()
    philox.deallocate()
  }

  func savePath(row r: Int) {
    let n = plan.engine.dimension, rows = plan.pathSteps.count
    for j in 0..<size {
      let dst = ((first + j) * rows + r) * n
      for i in 0..<n { plan.paths[dst + i] = states[j * n + i].doubleValue }
    }
  }

  /// This step's variates, trajectory by trajectory from its own stream.
  func draw() {
    let d = plan.engine.noiseDimension
    guard d > 0, let base = normals.baseAddress else { return }
    if plan.engine.variates == .gaussian {
      for j in 0..<size { Scalar.fillGaussian(philox + j, base + j * d, count: d) }
    } else {
      for j in 0..<size {
        streams[j].fill(lawScratch, law: plan.engine.variates)
        for i in 0..<d { normals[j * d + i] = Scalar(lawScratch[i]) }
      }
    }
  }

  /// After step k (0-based) has been applied to `states`.
  func finishStep(_ k: Int) {
    let n = plan.engine.dimension, steps = plan.engine.steps, options = plan.options
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
    if !plan.pathSteps.isEmpty, let every = options.savePathsEvery, s % every == 0 || s == steps {
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

  /// Hands the chunk's final states, failures and sums to its plan.
  func finish() {
    let n = plan.engine.dimension
    for i in 0..<(size * n) { plan.finalStates[first * n + i] = states[i].doubleValue }
    accumulator?.flushAll()  // here, on this chunk's thread, not later in the serial reduction
    plan.results[chunk].failedAt = failedAt
    plan.results[chunk].accumulator = accumulator
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
