import Foundation
import GSL
import SDE

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

  /// The noise-in tanh network as a Markov chain: W has N(0, 1/n) entries
  /// and b N(0, 0.01) entries, both from GSL's MT19937 seeded with `seed`.
  public static func network(
    dimension n: Int = 64, steps: Int = 2000, gamma: Double = 0.1, sigma: Double = 0.5, seed: UInt64 = 1
  ) throws -> MarkovChainProblem {
    let rng = try GSLRandom(seed: UInt(truncatingIfNeeded: seed))
    let w = (0..<(n * n)).map { _ in rng.gaussian() / Double(n).squareRoot() }
    let b = (0..<n).map { _ in 0.1 * rng.gaussian() }
    return try noiseInTanhChain(weights: w, bias: b, gamma: gamma, sigma: sigma, steps: steps)
  }

  /// x ← (1−γ)x + γ tanh(W x + b + σξ) for row-major n×n `weights`.
  public static func noiseInTanhChain(
    weights: [Double], bias: [Double], gamma: Double, sigma: Double, steps: Int
  ) throws -> MarkovChainProblem {
    let n = bias.count
    guard weights.count == n * n else {
      throw SDEError.invalidArgument("weights hold \(weights.count) values for \(n) neurons; need n² = \(n * n)")
    }
    let keep = 1 - gamma
    return try MarkovChainProblem(dimension: n, noiseDimension: n, initialState: [Double](repeating: 0, count: n), steps: steps) {
      x, xi, next in
      let m = x.count / n
      // next = X Wᵀ: row r of X is state r, so (W x_r)ᵀ = x_rᵀ Wᵀ.
      if let xp = x.baseAddress, let np = next.baseAddress {
        weights.withUnsafeBufferPointer { wp in
          if let w = wp.baseAddress { BLAS.multiplyTransposed(xp, w, into: np, m: m, n: n, k: n) }
        }
      }
      bias.withUnsafeBufferPointer { bp in
        for r in 0..<m {
          let o = r * n
          for i in 0..<n {
            next[o + i] = keep * x[o + i] + gamma * FastMath.tanh(next[o + i] + bp[i] + sigma * xi[o + i])
          }
        }
      }
    }
  }

  /// Times `repeats` runs of the default benchmark (1000 trajectories × 2000
  /// steps of 64 neurons, γ = 0.1, σ = 0.5) and returns the best.
  public static func run(
    trajectories: Int = 1000, steps: Int = 2000, dimension: Int = 64, threads: Int = ProcessInfo.processInfo.activeProcessorCount,
    repeats: Int = 3, seed: UInt64 = 1
  ) throws -> Result {
    let chain = try network(dimension: dimension, steps: steps, seed: seed)
    var best = Double.infinity, checksum = 0.0
    for _ in 0..<max(1, repeats) {
      let start = DispatchTime.now().uptimeNanoseconds
      let s = try Ensemble.solve(chain, options: EnsembleOptions(trajectories: trajectories, seed: seed, threads: threads))
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

