import GSL
import GaussianMoments

extension MLP {
  /// W x + b for one layer.
  @inlinable static func affine(_ layer: Layer, _ x: [Double]) -> [Double] {
    let w = layer.weights
    var out = layer.bias
    for i in 0..<w.rows {
      var s = 0.0
      let row = i * w.columns
      for k in 0..<w.columns { s += w.elements[row + k] * x[k] }
      out[i] += s
    }
    return out
  }

  /// The checked input: its length must be the network's input size and
  /// every value finite.
  public func validateInput(_ input: [Double]) throws(MLPError) {
    guard input.count == inputSize else {
      throw .badParameter("input has \(input.count) value(s); the network takes \(inputSize)")
    }
    if let x = input.first(where: { !$0.isFinite }) { throw .badParameter("input must be finite, got \(x)") }
  }

  /// The noiseless output z(u) (σ = 0).
  public func output(_ input: [Double]) throws(MLPError) -> [Double] {
    try validateInput(input)
    return Self.forward(self, input, sigma: 0, noise: { 0 })
  }

  /// One forward pass with noise σ·noise() added per hidden unit, inside or
  /// outside f as `noise` placement says; the readout is noiseless.
  @inlinable static func forward(_ net: MLP, _ input: [Double], sigma: Double, noise: () -> Double) -> [Double] {
    var h = input
    let f = net.activation
    for l in 0..<(net.layers.count - 1) {
      var a = affine(net.layers[l], h)
      switch net.noise {
      case .inside:
        for i in a.indices { a[i] = f(a[i] + sigma * noise()) }
      case .outside:
        for i in a.indices { a[i] = f(a[i]) + sigma * noise() }
      }
      h = a
    }
    return affine(net.layers[net.layers.count - 1], h)
  }
}

extension MLP {
  /// One noisy forward pass (noise σ·noise() per hidden unit, placed as the
  /// network's `noise` says), for callers outside this module (the
  /// feedforward paradox's test loss).
  public func noisyOutput(_ input: [Double], sigma: Double, noise: () -> Double) throws(MLPError) -> [Double] {
    try validateInput(input)
    return Self.forward(self, input, sigma: sigma, noise: noise)
  }
}
