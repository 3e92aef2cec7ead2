import Feedforward
import Foundation
import GSL
import GaussianMoments

/// Training a noisy MLP (Feedforward's model) on the `function` regression
/// u ~ U[−1, 1] → sin(πu): mini-batch backpropagation through the noisy
/// forward pass (noise drawn once per sample and unit, held for the
/// backward pass, as BPTT holds it per step), Adam with gradient-norm
/// clipping and the same cosine decay of the learning rate to a tenth as
/// the CTRNN trainer. Same seed, same weights.
public enum MLPTrainer {
  public struct Options: Sendable {
    /// [inputs, hidden…, outputs].
    public var sizes: [Int]
    public var activation: Activation
    public var noise: NoisePlacement
    public var sigma: Double
    public var iterations = 3000
    public var batchSize = 32
    public var learningRate = 3e-3
    public var clipNorm = 1.0
    public var seed: UInt64 = 1
    /// Inputs of the fixed evaluation batch the final loss is measured on.
    public var evaluationSamples = 1024

    public init(sizes: [Int], activation: Activation, noise: NoisePlacement, sigma: Double) {
      self.sizes = sizes
      self.activation = activation
      self.noise = noise
      self.sigma = sigma
    }
  }

  public struct Result: Sendable {
    public var net: MLP
    /// Mean squared error on the evaluation batch at the training σ.
    public var finalLoss: Double
    /// The training loss of the first and the last mini-batch.
    public var firstBatchLoss, lastBatchLoss: Double
  }

  public static func train(task: String, options o: Options) throws -> Result {
    guard task == "function" else {
      throw TrainingError.invalidOption("task", "'\(task)': the mlp model trains on function only so far")
    }
    guard o.sizes.count >= 3, o.sizes.first == 1, o.sizes.last == 1, o.sizes.allSatisfy({ (1...4096).contains($0) }) else {
      throw TrainingError.invalidOption("sizes", "\(o.sizes): need 1 input, >= 1 hidden layer of 1...4096 units, 1 output")
    }
    guard o.sigma.isFinite, o.sigma >= 0 else { throw TrainingError.invalidOption("sigma", "must be finite and >= 0, got \(o.sigma)") }
    guard o.iterations >= 1, o.batchSize >= 1 else { throw TrainingError.invalidOption("iterations and batch", "must be >= 1") }
    guard o.learningRate > 0, o.learningRate.isFinite, o.clipNorm > 0 else {
      throw TrainingError.invalidOption("lr and clip", "must be finite and > 0")
    }
    let rng = try GSLRandom(seed: UInt(o.seed))
    let start = try MLP.random(sizes: o.sizes, activation: o.activation, noise: o.noise, sigmaTrain: o.sigma, biasScale: 0.1, seed: UInt(o.seed))
    var params = flatten(start)
    var adam = Adam(count: params.count, learningRate: o.learningRate)
    let noiseCount = o.sizes.dropFirst().dropLast().reduce(0, +)
    var first = Double.nan, last = Double.nan
    for it in 0..<o.iterations {
      let us = (0..<o.batchSize).map { _ in 2 * rng.uniform() - 1 }
      let noise = (0..<(o.batchSize * noiseCount)).map { _ in rng.gaussian() }
      var (loss, grad) = lossAndGradient(params, template: start, inputs: us, noise: noise, sigma: o.sigma)
      guard loss.isFinite else { throw TrainingError.diverged("the loss became non-finite at iteration \(it); lower lr") }
      if it == 0 { first = loss }
      last = loss
      clipGradientNorm(&grad, maxNorm: o.clipNorm)
      let progress = Double(it) / Double(max(o.iterations - 1, 1))
      let lr = o.learningRate * (0.1 + 0.9 * 0.5 * (1 + cos(Double.pi * progress)))
      adam.step(&params, gradient: grad, learningRate: lr)
    }
    // The evaluation batch: evenly spaced inputs and its own noise stream,
    // so the reported loss does not depend on where training stopped in
    // its random sequence.
    let evalRNG = try GSLRandom(seed: UInt(o.seed) &+ 0x5EED)
    let n = o.evaluationSamples
    let evalInputs = (0..<n).map { -1 + (2 * Double($0) + 1) / Double(n) }
    let evalNoise = (0..<(n * noiseCount)).map { _ in evalRNG.gaussian() }
    let finalLoss = lossAndGradient(params, template: start, inputs: evalInputs, noise: evalNoise, sigma: o.sigma).loss
    var net = unflatten(params, template: start)
    net.sigmaTrain = o.sigma
    net.task = task
    net.seed = "\(o.seed)"
    net.loss = finalLoss
    return Result(net: net, finalLoss: finalLoss, firstBatchLoss: first, lastBatchLoss: last)
  }

  /// Parameters in layer order: W_ℓ (row-major), then b_ℓ.
  static func flatten(_ net: MLP) -> [Double] { net.layers.flatMap { $0.weights.elements + $0.bias } }

  static func unflatten(_ p: [Double], template: MLP) -> MLP {
    var net = template
    var k = 0
    for l in net.layers.indices {
      let w = net.layers[l].weights.elements.count, b = net.layers[l].bias.count
      net.layers[l].weights.elements = Array(p[k..<(k + w)])
      net.layers[l].bias = Array(p[(k + w)..<(k + w + b)])
      k += w + b
    }
    return net
  }

  /// Mean over the inputs of (z(u) − sin πu)² with the given noise (one
  /// N(0,1) draw per sample and hidden unit, in sample-major order), and its
  /// gradient by backpropagation with that noise held fixed.
  static func lossAndGradient(_ p: [Double], template: MLP, inputs: [Double], noise: [Double], sigma: Double)
    -> (loss: Double, gradient: [Double])
  {
    let net = unflatten(p, template: template)
    let f = net.activation
    let hiddenCount = net.layers.count - 1
    let perSample = net.layers.dropLast().reduce(0) { $0 + $1.bias.count }
    var grad = [Double](repeating: 0, count: p.count)
    // Offsets of each layer's W and b in the flat vector.
    var offsets: [Int] = []
    var k = 0
    for layer in net.layers {
      offsets.append(k)
      k += layer.weights.elements.count + layer.bias.count
    }
    var loss = 0.0
    let scale = 1 / Double(inputs.count)
    for (s, u) in inputs.enumerated() {
      var hs: [[Double]] = [[u]]
      var slopes: [[Double]] = []
      var e = s * perSample
      for l in 0..<hiddenCount {
        let a = MLP.affineForTraining(net.layers[l], hs[l])
        var h = a, d = a
        for i in a.indices {
          let xi = noise[e + i]
          switch net.noise {
          case .inside:
            let x = a[i] + sigma * xi
            h[i] = f(x)
            d[i] = f.derivative(x)
          case .outside:
            h[i] = f(a[i]) + sigma * xi
            d[i] = f.derivative(a[i])
          }
        }
        e += a.count
        hs.append(h)
        slopes.append(d)
      }
      let z = MLP.affineForTraining(net.layers[hiddenCount], hs[hiddenCount])[0]
      let r = z - sin(Double.pi * u)
      loss += scale * r * r
      var g = [2 * scale * r]
      for l in stride(from: hiddenCount, through: 0, by: -1) {
        let layer = net.layers[l], h = hs[l]
        let (rows, cols) = (layer.weights.rows, layer.weights.columns)
        let o = offsets[l]
        for i in 0..<rows {
          for j in 0..<cols { grad[o + i * cols + j] += g[i] * h[j] }
          grad[o + rows * cols + i] += g[i]
        }
        guard l > 0 else { break }
        var gh = [Double](repeating: 0, count: cols)
        for i in 0..<rows { for j in 0..<cols { gh[j] += layer.weights.elements[i * cols + j] * g[i] } }
        let d = slopes[l - 1]
        g = (0..<cols).map { gh[$0] * d[$0] }
      }
    }
    return (loss, grad)
  }
}

extension MLP {
  /// W x + b (the forward pass's affine map, for the trainer).
  static func affineForTraining(_ layer: Layer, _ x: [Double]) -> [Double] {
    let w = layer.weights
    var out = layer.bias
    for i in 0..<w.rows {
      var s = 0.0
      for k in 0..<w.columns { s += w.elements[i * w.columns + k] * x[k] }
      out[i] += s
    }
    return out
  }
}
