import GaussianMoments
import SDE

/// The inverted dropout masks training draws: each entry 0 with
/// probability p and 1/(1 − p) otherwise (mean 1, variance p/(1 − p)), a
/// fresh mask for every step, trial and unit — like the noise ξ, drawn
/// once per iteration and held for the backward pass. From Philox stream
/// `stream` of `seed` (the training loop's seed + 4, stream = iteration),
/// so the noise streams are untouched and a run without dropout draws
/// exactly what it drew before.
public enum DropoutMasks {
  public static func fill(_ buffer: inout [Double], rate p: Double, seed: UInt64, stream: UInt64) {
    var g = GaussianStream(seed: seed, stream: stream)
    let kept = 1 / (1 - p)
    for k in buffer.indices { buffer[k] = g.uniform() < p ? 0 : kept }
  }

  public static func make(count: Int, rate: Double, seed: UInt64, stream: UInt64) -> [Double] {
    var out = [Double](repeating: 0, count: count)
    fill(&out, rate: rate, seed: seed, stream: stream)
    return out
  }
}
