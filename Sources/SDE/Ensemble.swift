import Foundation

/// M independent trajectories of an SDE or a Markov chain, advanced in
/// batches on all cores.
///
/// Determinism: trajectory j's noise is `GaussianStream(seed, stream: j)`, a
/// pure function of (seed, j); chunks are fixed by `chunkSize`, not by the
/// thread count; per-chunk statistics are reduced in trajectory order. So the
/// same options give the same bytes on any number of threads.
public enum Ensemble {
  /// Integrates `problem` with `scheme` for every trajectory.
  public static func solve(
    _ problem: SDEProblem, _ scheme: some SDEScheme, options: EnsembleOptions
  ) throws(SDEError) -> EnsembleSolution {
    let h = problem.step, sqrtH = h.squareRoot(), n = problem.dimension
    guard options.precision == .f64 else {
      throw .invalidArgument("SDE ensembles run in float64 only (precision \(options.precision.rawValue) asked)")
    }
    let engine = EnsembleEngine<Double>(
      dimension: n, noiseDimension: n, steps: problem.stepCount, initialState: problem.initialState,
      time: { problem.time(afterSteps: $0) },
      makeStepper: { batch in
        let workspace = SDEWorkspace(batch: batch, dimension: n)
        return { states, k, normals in
          for i in normals.indices { normals[i] *= sqrtH }
          scheme.advance(
            states, time: problem.time(afterSteps: k), step: h, increments: UnsafeBufferPointer(normals),
            problem: problem, workspace: workspace)
        }
      })
    return try engine.run(options)
  }

  /// Runs the chain for every trajectory. Path times are step indices.
  public static func solve(_ chain: MarkovChainProblem, options: EnsembleOptions) throws(SDEError) -> EnsembleSolution {
    if options.precision == .f32 { return try solveFloat(chain, options: options) }
    let n = chain.dimension
    let engine = EnsembleEngine<Double>(
      dimension: n, noiseDimension: chain.noiseDimension, steps: chain.steps, initialState: chain.initialState,
      time: { Double($0) },
      makeStepper: { batch in
        let next = UnsafeMutableBufferPointer<Double>.allocate(capacity: batch * n)
        next.initialize(repeating: 0)
        let owner = BufferOwner(next)
        return { states, _, normals in
          withExtendedLifetime(owner) {
            chain.map(UnsafeBufferPointer(states), UnsafeBufferPointer(normals), next)
            _ = states.update(fromContentsOf: next)
          }
        }
      }, variates: chain.variates)
    return try engine.run(options)
  }
}

extension Ensemble {
  /// The chain stepped in float32 through its `floatMap`.
  static func solveFloat(_ chain: MarkovChainProblem, options: EnsembleOptions) throws(SDEError) -> EnsembleSolution {
    guard let map = chain.floatMap else { throw .invalidArgument("this chain has no float32 form; use precision f64") }
    let n = chain.dimension
    let engine = EnsembleEngine<Float>(
      dimension: n, noiseDimension: chain.noiseDimension, steps: chain.steps, initialState: chain.initialState,
      time: { Double($0) },
      makeStepper: { batch in
        let next = UnsafeMutableBufferPointer<Float>.allocate(capacity: batch * n)
        next.initialize(repeating: 0)
        let owner = FloatBufferOwner(next)
        return { states, _, normals in
          withExtendedLifetime(owner) {
            map(UnsafeBufferPointer(states), UnsafeBufferPointer(normals), next)
            _ = states.update(fromContentsOf: next)
          }
        }
      }, variates: chain.variates)
    return try engine.run(options)
  }
}

/// Frees a float scratch buffer when the stepper that captured it goes away.
final class FloatBufferOwner {
  let buffer: UnsafeMutableBufferPointer<Float>
  init(_ buffer: UnsafeMutableBufferPointer<Float>) { self.buffer = buffer }
  deinit { buffer.deallocate() }
}

/// Frees a scratch buffer when the stepper that captured it goes away.
final class BufferOwner {
  let buffer: UnsafeMutableBufferPointer<Double>
  init(_ buffer: UnsafeMutableBufferPointer<Double>) { self.buffer = buffer }
  deinit { buffer.deallocate() }
}
