import Feedforward
import Foundation
import GSL

/// Training Bricken et al.'s shallow ReLU denoising autoencoder
/// (Feedforward's `DenoisingAutoencoder`) on `SparsePatterns`: each
/// mini-batch is fresh data from the generator, Gaussian noise of sd σ is
/// added to the input, and the loss is the mean squared error per
/// coordinate against the clean datum; backpropagation, Adam with the same
/// cosine decay to a tenth as the other trainers. Kaiming initialisation
/// (W_e ~ N(0, 2/n)), biases 0, as in the paper. Same seed, same weights.
public enum DAETrainer {
  public struct Options: Sendable {
    public var inputs = 32
    public var hidden = 64
    public var features = 16
    public var probability = 0.1
    /// The data set's dictionary seed (the same for every σ of a sweep).
    public var dataSeed: UInt = 7
    public var sigma: Double
    public var iterations = 3000
    public var batchSize = 32
    public var learningRate = 3e-3
    public var clipNorm = 10.0
    public var seed: UInt64 = 1
    public var evaluationSamples = 1024
    public init(sigma: Double) { self.sigma = sigma }
  }

  public struct Result: Sendable {
    public var dae: DenoisingAutoencoder
    /// Mean squared error per coordinate on the evaluation batch at σ.
    public var finalLoss: Double
    public var firstBatchLoss, lastBatchLoss: Double
  }

  public static func train(_ o: Options) throws -> Result {
    guard (1...1024).contains(o.inputs), (1...4096).contains(o.hidden) else {
      throw TrainingError.invalidOption("inputs and hidden", "must be in 1...1024 and 1...4096, got \(o.inputs), \(o.hidden)")
    }
    guard o.sigma.isFinite, o.sigma >= 0 else { throw TrainingError.invalidOption("sigma", "must be finite and >= 0, got \(o.sigma)") }
    guard o.iterations >= 1, o.batchSize >= 1, o.evaluationSamples >= 1 else { throw TrainingError.invalidOption("iterations and batch", "must be >= 1") }
    guard o.learningRate > 0, o.learningRate.isFinite, o.clipNorm > 0 else { throw TrainingError.invalidOption("lr and clip", "must be finite and > 0") }
    let data: SparsePatterns
    do { data = try SparsePatterns(dimension: o.inputs, features: o.features, probability: o.probability, seed: o.dataSeed) } catch {
      throw TrainingError.invalidOption("data", error.description)
    }
    let (n, m) = (o.inputs, o.hidden)
    let rng = try GSLRandom(seed: UInt(o.seed))
    let scaleE = (2 / Double(n)).squareRoot(), scaleD = (1 / Double(m)).squareRoot()
    var params = (0..<(m * n)).map { _ in scaleE * rng.gaussian() } + [Double](repeating: 0, count: m)
      + (0..<(n * m)).map { _ in scaleD * rng.gaussian() } + [Double](repeating: 0, count: n)
    var adam = Adam(count: params.count, learningRate: o.learningRate)
    var first = Double.nan, last = Double.nan
    for it in 0..<o.iterations {
      let xs = data.sample(o.batchSize, rng: rng)
      let noise = (0..<(o.batchSize * n)).map { _ in rng.gaussian() }
      var (loss, grad) = lossAndGradient(params, n: n, m: m, data: xs, noise: noise, sigma: o.sigma)
      guard loss.isFinite else { throw TrainingError.diverged("the loss became non-finite at iteration \(it); lower lr") }
      if it == 0 { first = loss }
      last = loss
      _ = clipGradientNorm(&grad, maxNorm: o.clipNorm)
      let progress = Double(it) / Double(max(o.iterations - 1, 1))
      adam.step(&params, gradient: grad, learningRate: o.learningRate * (0.1 + 0.9 * 0.5 * (1 + cos(Double.pi * progress))))
    }
    // Its own stream, so the reported loss does not depend on where
    // training stopped in its random sequence.
    let evalRNG = try GSLRandom(seed: UInt(o.seed) &+ 0x5EED)
    let evalData = data.sample(o.evaluationSamples, rng: evalRNG)
    let evalNoise = (0..<(o.evaluationSamples * n)).map { _ in evalRNG.gaussian() }
    let finalLoss = lossAndGradient(params, n: n, m: m, data: evalData, noise: evalNoise, sigma: o.sigma).loss
    let dae = try DenoisingAutoencoder(
      encoder: Matrix(rows: m, columns: n, elements: Array(params[0..<(m * n)])),
      encoderBias: Array(params[(m * n)..<(m * n + m)]),
      decoder: Matrix(rows: n, columns: m, elements: Array(params[(m * n + m)..<(2 * m * n + m)])),
      decoderBias: Array(params[(2 * m * n + m)...]), sigmaTrain: o.sigma, data: data, seed: "\(o.seed)", loss: finalLoss)
    return Result(dae: dae, finalLoss: finalLoss, firstBatchLoss: first, lastBatchLoss: last)
  }

  /// Mean over the batch of ‖W_d relu(W_e(x + σε) + b_e) + b_d − x‖²/n and
  /// its gradient (parameters W_e, b_e, W_d, b_d, row-major, in that order).
  static func lossAndGradient(_ p: [Double], n: Int, m: Int, data: [[Double]], noise: [Double], sigma: Double)
    -> (loss: Double, gradient: [Double])
  {
    let oBe = m * n, oWd = m * n + m, oBd = 2 * m * n + m
    var grad = [Double](repeating: 0, count: p.count)
    var loss = 0.0
    let scale = 1 / (Double(data.count) * Double(n))
    var xt = [Double](repeating: 0, count: n), z = [Double](repeating: 0, count: m), r = xt, dh = z
    for (s, x) in data.enumerated() {
      for i in 0..<n { xt[i] = x[i] + sigma * noise[s * n + i] }
      for j in 0..<m {
        var a = p[oBe + j]
        for k in 0..<n { a += p[j * n + k] * xt[k] }
        z[j] = a
      }
      for i in 0..<n {
        var y = p[oBd + i]
        for j in 0..<m where z[j] > 0 { y += p[oWd + i * m + j] * z[j] }
        r[i] = y - x[i]
        loss += scale * r[i] * r[i]
      }
      for j in 0..<m { dh[j] = 0 }
      for i in 0..<n {
        let g = 2 * scale * r[i]
        grad[oBd + i] += g
        for j in 0..<m where z[j] > 0 {
          grad[oWd + i * m + j] += g * z[j]
          dh[j] += p[oWd + i * m + j] * g
        }
      }
      for j in 0..<m where z[j] > 0 {
        grad[oBe + j] += dh[j]
        for k in 0..<n { grad[j * n + k] += dh[j] * xt[k] }
      }
    }
    return (loss, grad)
  }
}
