import Foundation

/// Adam (Kingma & Ba 2015) with the usual defaults β₁ = 0.9, β₂ = 0.999,
/// ε = 1e-8, on one flat parameter vector.
public struct Adam: Sendable {
  public var learningRate: Double
  public var beta1 = 0.9
  public var beta2 = 0.999
  public var epsilon = 1e-8
  var m: [Double]
  var v: [Double]
  var t = 0

  public init(count: Int, learningRate: Double) {
    self.learningRate = learningRate
    m = [Double](repeating: 0, count: count)
    v = m
  }

  /// One step: x ← x − lr · m̂/(√v̂ + ε), with bias-corrected moments.
  public mutating func step(_ x: inout [Double], gradient g: [Double], learningRate lr: Double? = nil) {
    precondition(x.count == m.count && g.count == m.count)
    t += 1
    let c1 = 1 - pow(beta1, Double(t)), c2 = 1 - pow(beta2, Double(t)), rate = lr ?? learningRate
    for k in x.indices {
      m[k] = beta1 * m[k] + (1 - beta1) * g[k]
      v[k] = beta2 * v[k] + (1 - beta2) * g[k] * g[k]
      x[k] -= rate * (m[k] / c1) / ((v[k] / c2).squareRoot() + epsilon)
    }
  }
}

/// Rescales g so that ‖g‖₂ ≤ maxNorm; returns the norm before clipping.
@discardableResult
public func clipGradientNorm(_ g: inout [Double], maxNorm: Double) -> Double {
  let norm = g.reduce(0) { $0 + $1 * $1 }.squareRoot()
  if norm > maxNorm && norm > 0 {
    let s = maxNorm / norm
    for k in g.indices { g[k] *= s }
  }
  return norm
}
