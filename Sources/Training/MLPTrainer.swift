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
    guard let kind = MLPTask(rawValue: task) else {
      throw TrainingError.invalidOption("task", "'\(task)': the mlp model trains on \(MLPTask.allCases.map(\.rawValue).joined(separator: " or "))")
    }
    guard o.sizes.count >= 3, o.sizes.first == kind.inputs, o.sizes.last == 1, o.sizes.allSatisfy({ (1...4096).contains($0) }) else {
      throw TrainingError.invalidOption("sizes", "\(o.sizes): need \(kind.inputs) input(s), >= 1 hidden layer of 1...4096 units, 1 output")
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
      // The function task's draws in their original order (same seed, same
      // weights as before the moons task existed).
      let batch: [(input: [Double], target: Double)]
      switch kind {
      case .function: batch = (0..<o.batchSize).map { _ in 2 * rng.uniform() - 1 }.map { ([$0], sin(Double.pi * $0)) }
      case .moons: batch = TwoMoons.sample(o.batchSize, rng: rng)
      }
      let noise = (0..<(o.batchSize * noiseCount)).map { _ in rng.gaussian() }
      var (loss, grad) = lossAndGradient(params, template: start, batch: batch, task: kind, noise: noise, sigma: o.sigma)
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
    let evalBatch: [(input: [Double], target: Double)]
    switch kind {
    case .function: evalBatch = (0..<n).map { -1 + (2 * Double($0) + 1) / Double(n) }.map { ([$0], sin(Double.pi * $0)) }
    case .moons: evalBatch = TwoMoons.evaluationBatch(n)
    }
    let evalNoise = (0..<(n * noiseCount)).map { _ in evalRNG.gaussian() }
    let finalLoss = lossAndGradient(params, template: start, batch: evalBatch, task: kind, noise: evalNoise, sigma: o.sigma).loss
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

  /// The function task's loss: `lossAndGradient` on targets sin πu.
  static func lossAndGradient(_ p: [Double], template: MLP, inputs: [Double], noise: [Double], sigma: Double)
    -> (loss: Double, gradient: [Double])
  {
    lossAndGradient(p, template: template, batch: inputs.map { ([$0], sin(Double.pi * $0)) }, task: .function, noise: noise, sigma: sigma)
  }

  /// Mean over the batch of the task's loss — function: (z − y)²; moons:
  /// the logistic loss softplus(z) − y z of the logit z for a label y ∈ {0, 1}
  /// — with the given noise (one N(0,1) draw per sample and hidden unit, in
  /// sample-major order), and its gradient by backpropagation with that
  /// noise held fixed.
  static func lossAndGradient(
    _ p: [Double], template: MLP, batch: [(input: [Double], target: Double)], task: MLPTask, noise: [Double], sigma: Double
  ) -> (loss: Double, gradient: [Double]) {
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
    let scale = 1 / Double(batch.count)
    for (s, sample) in batch.enumerated() {
      var hs: [[Double]] = [sample.input]
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
      let y = sample.target
      var g: [Double]
      switch task {
      case .function:
        let r = z - y
        loss += scale * r * r
        g = [2 * scale * r]
      case .moons:
        loss += scale * MLPTask.logisticLoss(z, y)
        g = [scale * (1 / (1 + exp(-z)) - y)]
      }
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

/// The tasks an MLP trains on.
public enum MLPTask: String, CaseIterable, Sendable {
  /// u ~ U[−1, 1] → sin(πu), squared error.
  case function
  /// Two-moons binary classification in 2-D (`TwoMoons`), logistic loss.
  case moons

  public var inputs: Int { self == .function ? 1 : 2 }

  /// softplus(z) − y z, written to stay finite for large |z|.
  public static func logisticLoss(_ z: Double, _ y: Double) -> Double {
    max(z, 0) + log1p(exp(-abs(z))) - y * z
  }
}

/// The two-moons data set (as scikit-learn's `make_moons`): label 0 on the
/// upper half circle (cos t, sin t), label 1 on the lower one
/// (1 − cos t, ½ − sin t), t ~ U[0, π], plus N(0, 0.1²) jitter per
/// coordinate; the two classes equally likely.
public enum TwoMoons {
  public static let jitter = 0.1

  public static func sample(_ count: Int, rng: GSLRandom) -> [(input: [Double], target: Double)] {
    (0..<count).map { _ in
      let label: Double = rng.uniform() < 0.5 ? 0 : 1
      let t = Double.pi * rng.uniform()
      let x = label == 0 ? [cos(t), sin(t)] : [1 - cos(t), 0.5 - sin(t)]
      return ([x[0] + jitter * rng.gaussian(), x[1] + jitter * rng.gaussian()], label)
    }
  }

  /// A fixed batch without jitter: `count` points, alternating labels, at
  /// evenly spaced t — the same for every network and seed.
  public static func evaluationBatch(_ count: Int) -> [(input: [Double], target: Double)] {
    (0..<count).map { i in
      let label = Double(i % 2)
      let t = Double.pi * (Double(i / 2) + 0.5) / Double((count + 1) / 2)
      return (label == 0 ? [cos(t), sin(t)] : [1 - cos(t), 0.5 - sin(t)], label)
    }
  }
}
