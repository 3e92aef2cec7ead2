extension SDEProblem {
  /// Solves one trajectory with Brownian increments from the counter-based
  /// stream (`seed`, `stream`) — the same stream trajectory `stream` gets in
  /// an `Ensemble` with this seed.
  public func solve(
    _ scheme: some SDEScheme = EulerMaruyama(), seed: UInt64, stream: UInt64 = 0,
    save: SaveMode = .everyStep, maxSteps: Int = .max
  ) throws(SDEError) -> SDESolution {
    var noise = GaussianStream(seed: seed, stream: stream)
    let sqrtStep = step.squareRoot()
    return try solve(scheme, save: save, maxSteps: maxSteps) { _, dW in
      noise.fillGaussian(dW)
      for i in dW.indices { dW[i] *= sqrtStep }
    }
  }

  /// Solves one trajectory driven by the Brownian increments the caller
  /// supplies: `increments(k, dW)` fills dW with W(t_{k+1}) − W(t_k) for
  /// step k (each N(0, step) per component). Strong-convergence tests use it
  /// to drive coarse and fine solves with one Brownian path.
  public func solve(
    _ scheme: some SDEScheme, save: SaveMode = .everyStep, maxSteps: Int = .max,
    increments: (_ step: Int, _ dW: UnsafeMutableBufferPointer<Double>) -> Void
  ) throws(SDEError) -> SDESolution {
    let every: Int
    switch save {
    case .path(let k):
      guard k > 0 else { throw .invalidArgument("save every \(k) steps: the interval must be at least 1") }
      every = k
    case .finalState: every = .max
    }
    guard maxSteps > 0 else { throw .invalidArgument("maxSteps is \(maxSteps); it must be at least 1") }
    let n = dimension, total = stepCount, h = step
    let workspace = SDEWorkspace(batch: 1, dimension: n)
    let x = UnsafeMutableBufferPointer<Double>.allocate(capacity: n)
    let dW = UnsafeMutableBufferPointer<Double>.allocate(capacity: n)
    defer {
      x.deallocate()
      dW.deallocate()
    }
    _ = x.initialize(fromContentsOf: initialState)
    dW.initialize(repeating: 0)
    var times = [timeSpan.lowerBound]
    var states = initialState
    var code = ReturnCode.success
    var k = 0, lastSaved = 0
    while k < total {
      if k == maxSteps {
        code = .maxSteps
        break
      }
      increments(k, dW)
      scheme.advance(x, time: time(afterSteps: k), step: h, increments: UnsafeBufferPointer(dW), problem: self, workspace: workspace)
      k += 1
      if !x.allSatisfy(\.isFinite) {
        code = .nonFiniteState(step: k)
        break
      }
      if k % every == 0 && k != total {
        times.append(time(afterSteps: k))
        states.append(contentsOf: x)
        lastSaved = k
      }
    }
    // The last state is always kept, whatever the thinning.
    if k > lastSaved {
      times.append(time(afterSteps: k))
      states.append(contentsOf: x)
    }
    return SDESolution(dimension: n, times: times, states: states, returnCode: code, steps: k)
  }
}
