import Foundation
import GSL

/// The noisy MLP simulated: independent forward passes at one input, the
/// output's mean and variance with their standard errors.
public struct MLPSimulation: Sendable, Equatable {
  public var sigma: Double
  public var samples: Int
  public var seed: UInt
  /// Per output: sample mean and its standard error s/√n.
  public var mean, meanSE: [Double]
  /// Per output: unbiased sample variance s² and its standard error
  /// √((m₄ − s⁴)/n) (large-n form; m₄ the fourth central sample moment).
  public var variance, varianceSE: [Double]

  /// The largest sample count accepted: a time bound (each pass is one
  /// product per layer), and outputs are stored for the two-pass moments.
  public static let maxSamples = 10_000_000

  /// `samples` passes with Gaussian noise from GSL's mt19937 (ziggurat) at
  /// `seed`. The same seed at every σ gives common random numbers, so the
  /// simulated curve against σ is smooth and differences between σ's are
  /// sharper than each value's SE suggests.
  public static func run(_ net: MLP, input: [Double], sigma: Double, samples: Int, seed: UInt) throws -> MLPSimulation {
    try net.validateInput(input)
    guard sigma.isFinite, sigma >= 0 else { throw MLPError.badParameter("sigma must be finite and >= 0, got \(sigma)") }
    guard (2...maxSamples).contains(samples) else {
      throw MLPError.badParameter("samples must be in 2...\(maxSamples), got \(samples)")
    }
    let o = net.outputSize
    guard samples <= maxSamples / max(o, 1) else {
      throw MLPError.badParameter("samples × outputs = \(samples) × \(o) exceeds \(maxSamples) stored values")
    }
    let rng = try GSLRandom(seed: seed)
    var outputs = [Double](repeating: 0, count: samples * o)
    for s in 0..<samples {
      let z = MLP.forward(net, input, sigma: sigma, noise: { rng.gaussian() })
      for j in 0..<o { outputs[s * o + j] = z[j] }
    }
    var mean = [Double](repeating: 0, count: o), meanSE = mean, variance = mean, varianceSE = mean
    let n = Double(samples)
    for j in 0..<o {
      var sum = 0.0
      for s in 0..<samples { sum += outputs[s * o + j] }
      let m = sum / n
      var m2 = 0.0, m4 = 0.0
      for s in 0..<samples {
        let d = outputs[s * o + j] - m
        let d2 = d * d
        m2 += d2
        m4 += d2 * d2
      }
      let s2 = m2 / (n - 1)
      mean[j] = m
      meanSE[j] = (s2 / n).squareRoot()
      variance[j] = s2
      varianceSE[j] = (max(m4 / n - s2 * s2, 0) / n).squareRoot()
    }
    return MLPSimulation(
      sigma: sigma, samples: samples, seed: seed, mean: mean, meanSE: meanSE, variance: variance, varianceSE: varianceSE)
  }
}

extension MLPSimulation {
  /// E(z₀ − y)² of the first output over `samples` noisy passes: the sample
  /// mean of the squared error and its SE s/√n (the squared errors are
  /// i.i.d., so this needs no fourth-moment formula).
  public static func squaredError(
    _ net: MLP, input: [Double], target y: Double, sigma: Double, samples: Int, seed: UInt
  ) throws -> (mean: Double, se: Double) {
    try net.validateInput(input)
    guard sigma.isFinite, sigma >= 0 else { throw MLPError.badParameter("sigma must be finite and >= 0, got \(sigma)") }
    guard (2...maxSamples).contains(samples) else {
      throw MLPError.badParameter("samples must be in 2...\(maxSamples), got \(samples)")
    }
    let rng = try GSLRandom(seed: seed)
    // Welford: one pass, no storage.
    var mean = 0.0, m2 = 0.0
    for s in 0..<samples {
      let r = MLP.forward(net, input, sigma: sigma, noise: { rng.gaussian() })[0] - y
      let e = r * r
      let d = e - mean
      mean += d / Double(s + 1)
      m2 += d * (e - mean)
    }
    return (mean, (m2 / Double(samples - 1) / Double(samples)).squareRoot())
  }
}
