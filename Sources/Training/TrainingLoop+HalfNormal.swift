import GaussianMoments

extension TrainingLoop {
  /// The float32 path's half-normal variates (gated noise, `--precision
  /// f32 --noise-law half-normal`): the float normals of the same stream
  /// folded, ξ = |z|/√(1 − 2/π) — what `GaussianStream.halfNormal` does to
  /// its float64 normals (1/√(1 − 2/π) computed as there), so f32 draws the
  /// law from the same streams as its Gaussian noise.
  static func foldHalfNormal(_ noise: inout [Float]) {
    let scale = Float(1 / NoiseLaw.halfNormalSD)
    for i in noise.indices { noise[i] = abs(noise[i]) * scale }
  }
}
