import Foundation
import GSL
import SDE
import Verification

/// The ensemble benchmark: M trajectories of the 64-neuron noise-in tanh
/// network x ← (1−γ)x + γ tanh(W x + b + σξ), advanced as one batch per
/// chunk with one BLAS dgemm per step. `benchmarks/ensemble_numpy.py` does
/// the same computation in NumPy; `benchmarks/sde_bench.sh` compares them.
public enum SDEBenchmark {
  public struct Result: Sendable {
    public let trajectories: Int
    public let steps: Int
    public let dimension: Int
    public let threads: Int
    /// Wall-clock seconds of the best repeat.
    public let seconds: Double
    /// trajectories × dimension × steps / seconds.
    public let neuronStepsPerSecond: Double
    /// Mean of the final states (a checksum that the work was done).
    public let meanFinalState: Double
    /// Which dgemm ran ("openblas" or "gslcblas"), `BLAS.implementation`.
    public let blas: String
  }

  /// Times `repeats` runs of the default benchmark (1000 trajectories × 2000
  /// steps of 64 neurons, γ = 0.1, σ = 0.5) and returns the best.
  public static func run(
    trajectories: Int = 1000, steps: Int = 2000, dimension: Int = 64, threads: Int = ProcessInfo.processInfo.activeProcessorCount,
    repeats: Int = 3, seed: UInt64 = 1, precision: Precision = .f64
  ) throws -> Result {
    let chain = try FixtureNetworks.noiseInTanh(dimension: dimension, steps: steps, seed: seed)
    var best = Double.infinity, checksum = 0.0
    for _ in 0..<max(1, repeats) {
      let start = DispatchTime.now().uptimeNanoseconds
      var options = EnsembleOptions(trajectories: trajectories, seed: seed, threads: threads)
      options.precision = precision
      let s = try Ensemble.solve(chain, options: options)
      let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9
      best = min(best, seconds)
      checksum = s.finalStates.reduce(0, +) / Double(s.finalStates.count)
    }
    return Result(
      trajectories: trajectories, steps: steps, dimension: dimension, threads: threads, seconds: best,
      neuronStepsPerSecond: Double(trajectories * dimension * steps) / best, meanFinalState: checksum,
      blas: BLAS.implementation)
  }
}

