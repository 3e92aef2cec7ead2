import GSL
import SDE

/// Networks that `verify` checks and `bench` times: one definition, so the
/// network whose ensembles are proven thread-count independent is the one
/// whose speed is measured.
public enum FixtureNetworks {
  /// The noise-in tanh network as a Markov chain: W has N(0, 1/n) entries
  /// and b N(0, 0.01) entries, both from GSL's MT19937 seeded with `seed`.
  public static func noiseInTanh(
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
    var chain = try MarkovChainProblem(dimension: n, noiseDimension: n, initialState: [Double](repeating: 0, count: n), steps: steps) {
      x, xi, next in
      let m = x.count / n
      // next = X Wᵀ: row r of X is state r, so (W x_r)ᵀ = x_rᵀ Wᵀ.
      if let xp = x.baseAddress, let np = next.baseAddress {
        weights.withUnsafeBufferPointer { wp in
          if let w = wp.baseAddress { BLAS.multiplyTransposed(xp, w, into: np, m: m, n: n, k: n) }
        }
      }
      // The fused vectorised step (tanh ≤ 4 ulp, VectorKernels.tanh).
      guard let xp = x.baseAddress, let np = next.baseAddress, let ip = xi.baseAddress else { return }
      bias.withUnsafeBufferPointer { bp in
        VectorKernels.tanhInsideStep(
          rows: m, n: n, states: xp, next: np, drive: bp.baseAddress!, normals: ip, keep: keep, gamma: gamma, sigma: sigma)
      }
    }
    // The same network in float32: sgemm, then the fused vectorised step.
    let wf = weights.map { Float($0) }, bf = bias.map { Float($0) }
    let (keep32, gamma32, sigma32) = (Float(keep), Float(gamma), Float(sigma))
    chain.floatMap = { x, xi, next in
      let m = x.count / n
      guard let xp = x.baseAddress, let np = next.baseAddress, let ip = xi.baseAddress else { return }
      wf.withUnsafeBufferPointer { w in BLAS.multiplyTransposed(xp, w.baseAddress!, into: np, m: m, n: n, k: n) }
      bf.withUnsafeBufferPointer { b in
        VectorKernels.chainStep(
          .tanh, inside: true, rows: m, n: n, states: xp, next: np, drive: b.baseAddress!, normals: ip, keep: keep32, gamma: gamma32,
          sigma: sigma32)
      }
    }
    return chain
  }
}
