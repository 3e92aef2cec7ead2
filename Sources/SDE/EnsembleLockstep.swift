import Foundation

extension Ensemble {
  /// Bytes a run's stationary sums take until its reduction (a full
  /// covariance triangle per trajectory and batch): what several chains in
  /// lockstep hold at once.
  public static func statisticsBytes(dimension: Int, options: EnsembleOptions) -> Double {
    guard let s = options.stationary else { return 0 }
    return StationaryAccumulator.Layout.bytes(dimension: dimension, trajectories: options.trajectories, options: s)
  }

  /// Runs chains that share one linear part (`MarkovChainProblem.linearPart`,
  /// e.g. one network at several σ) in lockstep: chunk c of every chain is
  /// advanced on one worker, with one product per step over all their rows
  /// instead of one per chain. Each chain's result is what `solve(chain,
  /// options:)` gives it alone — same streams, same chunks — provided its
  /// linear part computes every row independently of how many rows share the
  /// product (true of OpenBLAS's packed dgemm, not of its small-matrix
  /// kernels: the caller decides; see CTRNN's `RecurrentProduct`). The first
  /// chain's `product` is applied to every chain's rows: the caller promises
  /// they are the same map.
  ///
  /// Why: a product with few rows pays for packing the whole n×n operand
  /// each time; stacking the chains' rows spreads that over all of them.
  ///
  /// Chains that cannot share a run (no linear part, float32, or a different
  /// dimension, step count, trajectory count, chunk size or thread count
  /// from the first) are solved one by one. Each result is returned or its
  /// error, in the order given.
  public static func solveLockstep(
    _ chains: [MarkovChainProblem], options: [EnsembleOptions]
  ) -> [Result<EnsembleSolution, SDEError>] {
    precondition(chains.count == options.count, "solveLockstep: one options value per chain")
    guard let head = chains.first, let o = options.first, let shared = head.linearPart else {
      return zip(chains, options).map { c, o in Result { () throws(SDEError) in try solve(c, options: o) } }
    }
    let fits = { (c: MarkovChainProblem, p: EnsembleOptions) in
      c.linearPart != nil && p.precision == .f64 && c.dimension == head.dimension && c.steps == head.steps
        && c.noiseDimension == head.noiseDimension && p.trajectories == o.trajectories && p.chunkSize == o.chunkSize
        && p.threads == o.threads
    }
    var results = [Result<EnsembleSolution, SDEError>?](repeating: nil, count: chains.count)
    var members: [Int] = []
    var plans: [EnsemblePlan<Double>] = []
    for (i, (c, p)) in zip(chains, options).enumerated() {
      guard fits(c, p) else {
        results[i] = Result { () throws(SDEError) in try solve(c, options: p) }
        continue
      }
      let engine = EnsembleEngine<Double>(
        dimension: c.dimension, noiseDimension: c.noiseDimension, steps: c.steps, initialState: c.initialState,
        time: { Double($0) }, makeStepper: { _ in { _, _, _ in } }, variates: c.variates)
      do { plans.append(try EnsemblePlan(engine, p)) } catch {
        results[i] = .failure(error)
        continue
      }
      members.append(i)
    }
    if let lead = plans.first {
      let n = head.dimension, steps = head.steps, count = plans.count
      let elementwise = members.map { chains[$0].linearPart!.elementwise }
      lead.schedule { c in
        let size = lead.bounds(c).size, rows = size * n
        // Every chain's rows of chunk c, stacked, and the product's output.
        var states = UnsafeMutableBufferPointer<Double>.allocate(capacity: count * rows)
        states.initialize(repeating: 0)
        var next = UnsafeMutableBufferPointer<Double>.allocate(capacity: count * rows)
        next.initialize(repeating: 0)
        defer {
          states.deallocate()
          next.deallocate()
        }
        let runs = plans.enumerated().map { p, plan in
          ChunkRun(plan, chunk: c, states: UnsafeMutableBufferPointer(rebasing: states[p * rows..<(p + 1) * rows]))
        }
        for k in 0..<steps {
          for run in runs { run.draw() }
          shared.product(UnsafeBufferPointer(states), next)
          for (p, run) in runs.enumerated() {
            elementwise[p](
              UnsafeBufferPointer(run.states), UnsafeBufferPointer(run.normals),
              UnsafeMutableBufferPointer(rebasing: next[p * rows..<(p + 1) * rows]))
          }
          // The new states are `next`: the buffers trade places (no copy of
          // every row per step) and each run points at its rows of the new one.
          swap(&states, &next)
          for (p, run) in runs.enumerated() { run.states = UnsafeMutableBufferPointer(rebasing: states[p * rows..<(p + 1) * rows]) }
          for run in runs { run.finishStep(k) }
        }
        for run in runs { run.finish() }
      }
      for (i, plan) in zip(members, plans) { results[i] = Result { () throws(SDEError) in try plan.solution() } }
    }
    return results.map { $0! }
  }
}
