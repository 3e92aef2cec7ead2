import GSL

extension Checkpoint {
  /// The spectral radius of W_rec: whether the linearised network at the
  /// origin is contracting (ρ(W)·max f′ < 1) or not, at a glance. O(N³).
  public func recurrentSpectralRadius() throws -> Double {
    try NonsymmetricEigen.decompose(recurrent, vectors: false).spectralRadius
  }

  /// Every weight and bias: W_rec, W_in, b, W_out, b_out.
  public var parameterCount: Int {
    recurrent.elements.count + inputWeights.elements.count + bias.count + readoutWeights.elements.count + readoutBias.count
  }
}
