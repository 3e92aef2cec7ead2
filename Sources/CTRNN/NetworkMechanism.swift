import Foundation
import GSL
import GaussianMoments

extension Activation {
  /// Where f is most nonlinear: its kinks (relu 0; hardtanh ±1), else the
  /// points where |f″| is largest (softplus 0; tanh ±atanh(1/√3); sigmoid
  /// ln(2 ± √3); probit erf ±1). Empty for linear f. A unit's "distance to
  /// the nonlinearity" is measured to the nearest of these.
  public var nonlinearityPoints: [Double] {
    switch self {
    case .linear: return []
    case .relu, .hardtanh, .hardsigmoid: return kinks
    case .softplus: return [0]
    case .tanh: return [-atanh(1 / 3.0.squareRoot()), atanh(1 / 3.0.squareRoot())]
    case .sigmoid: return [Foundation.log(2 - 3.0.squareRoot()), Foundation.log(2 + 3.0.squareRoot())]
    case .erf: return [-1, 1]
    }
  }
}

/// Why the noise shifts one network's readout, over its task's inputs, at
/// σ_train — and how well the closure predicts its test-loss curve:
///
/// - **predicted curve**: the closure's E(z − y)² = (E z − y)² + Var z,
///   averaged over inputs, at every σ_test (no simulation).
/// - **readout bias at σ_train**, averaged over inputs (signed, and RMS):
///   stationary readout at σ_train minus the σ = 0 readout, by the
///   simulated chain, the closure, and the mean-field point.
/// - **per unit** at σ_train, averaged over inputs: the pre-activation mean
///   μᵢ = (W m + c)ᵢ and sd sᵢ = √(σ²[noise-in] + (W C Wᵀ)ᵢᵢ) from the
///   closure, the distance to the nearest `Activation.nonlinearityPoints`
///   in units of sᵢ, and the unit's contribution to the readout bias,
///   W_out,ᵢ × (mᵢ(σ_train) − hᵢ(0)) (these sum to the closure's readout bias).
/// - **near the nonlinearity**: the fraction of (unit, input) pairs whose
///   distance is below `nearThreshold` preactivationSD: there the noise spreads the
///   pre-activation across the nonlinearity with at least 16% of its mass
///   on the far side, so E f differs from f(μ) at first order in curvature.
public struct NetworkMechanism: Sendable {
  public static let nearThreshold = 1.0

  public struct Unit: Sendable, Encodable {
    /// nil (here and below) where the closure failed at some input.
    public var preactivationMean: Double?
    public var preactivationSD: Double?
    /// |μ − nearest nonlinearity point| / s, mean over inputs; nil where it is
    /// not a number: f has no such point (linear), or s = 0 at some input
    /// (noise-out at σ = 0 without fluctuations), where the distance is ∞.
    public var distanceInSD: Double?
    /// Fraction of inputs at which this unit is within `nearThreshold` sd.
    public var nearFraction: Double?
    /// W_out × shift, per output, mean over inputs.
    public var readoutBiasContribution: [Double]
  }

  public let checkpoint: Checkpoint
  public let samples: [TaskSample]
  public let sigmas: [Double]
  /// Closure-predicted loss at each σ (nil where the closure failed at some input).
  public let predictedLoss: [Double?]
  /// Readout bias at σ_train per output, mean over inputs (signed).
  public let simulatedBias: [Double]
  public let simulatedBiasStandardError: [Double]
  public let closureBias: [Double]?
  public let meanFieldBias: [Double]?
  public let units: [Unit]
  public let nearFraction: Double?
  /// How many units (largest |contribution| first) carry 80% of Σ|contributions| (first output).
  public let unitsCarrying80Percent: Int

  /// `sigmas`: the σ_test grid of the measured curve. `simulation`: the
  /// ensemble for the simulated bias (input k on seed + k).
  public init(checkpoint: Checkpoint, samples: [TaskSample], sigmas: [Double], simulation: NetworkSimulationOptions) throws {
    guard !samples.isEmpty else { throw NetworkError.badInput("the mechanism needs at least one input") }
    let sorted = Array(Set(sigmas + [0, checkpoint.sigmaTrain])).sorted()
    let st = checkpoint.sigmaTrain, n = checkpoint.hiddenSize, o = checkpoint.outputSize, f = checkpoint.activation
    let inside = checkpoint.noise == .inside
    var loss = [Double?](repeating: 0, count: sorted.count)
    var simBias = [Double](repeating: 0, count: o), simSE2 = [Double](repeating: 0, count: o)
    var closureBias: [Double]? = [Double](repeating: 0, count: o), meanFieldBias: [Double]? = [Double](repeating: 0, count: o)
    var mu = [Double](repeating: 0, count: n), sd = [Double](repeating: 0, count: n), dist = [Double](repeating: 0, count: n)
    var near = [Double](repeating: 0, count: n)
    var contribution = [[Double]](repeating: [Double](repeating: 0, count: o), count: n)
    let evaluator = try MomentEvaluator()
    let points = f.nonlinearityPoints
    let k = Double(samples.count)
    for (index, sample) in samples.enumerated() {
      try checkpoint.requireClosureNoise()
      let net = try Network(checkpoint: checkpoint, input: sample.input)
      let settled = net.settle(from: [Double](repeating: 0, count: n))
      let z0 = net.readout(settled)
      var previous = settled
      var atTrain: GaussianClosure?
      for (i, sigma) in sorted.enumerated() {
        guard let c = try? net.gaussianClosure(sigma: sigma, start: previous) else {
          loss[i] = nil
          continue
        }
        previous = c.mean
        if sigma == st { atTrain = c }
        if let l = loss[i] {
          var e = 0.0
          for r in 0..<o { e += pow(c.readoutMean[r] - sample.target[r], 2) + c.readoutVariance[r] }
          loss[i] = l + e / Double(o) / k
        }
      }
      // Simulated stationary readout at σ_train.
      if st > 0 {
        var sim = simulation
        sim.seed = simulation.seed &+ UInt64(index)
        sim.stateCovariance = false  // only the readout's mean is read
        // One scheme asked for, one estimate back.
        for est in try net.simulate(sigma: st, start: settled, closure: atTrain, schemes: [.chain], options: sim).prefix(1) {
          for r in 0..<o {
            simBias[r] += (est.readoutMean[r] - z0[r]) / k
            simSE2[r] += est.readoutStandardError[r] * est.readoutStandardError[r] / (k * k)
          }
        }
      }
      if let c = atTrain, var sum = closureBias {
        for r in 0..<o { sum[r] += (c.readoutMean[r] - z0[r]) / k }
        closureBias = sum
        let m = net.preactivation(c.mean), wcw = net.pathVariances(c.covariance)
        let shift = zip(c.mean, settled).map { $0 - $1 }
        for i in 0..<n {
          let s = ((inside ? st * st : 0) + wcw[i]).squareRoot()
          let d = points.map { abs(m[i] - $0) }.min().map { s > 0 ? $0 / s : .infinity } ?? .infinity
          mu[i] += m[i] / k
          sd[i] += s / k
          dist[i] += d / k
          if d < Self.nearThreshold { near[i] += 1 / k }
          for r in 0..<o { contribution[i][r] += checkpoint.readoutWeights[r, i] * shift[i] / k }
        }
      } else {
        closureBias = nil
      }
      // Mean-field point at σ_train (noise-out: the fixed point itself).
      if var sum = meanFieldBias {
        if !inside || st == 0 {
          // E(f(u) + σξ) = f(u): no shift.
        } else if let h = try? Self.meanField(net, sigma: st, from: settled, evaluator: evaluator) {
          let z = net.readout(h)
          for r in 0..<o { sum[r] += (z[r] - z0[r]) / k }
          meanFieldBias = sum
        } else {
          meanFieldBias = nil
        }
      }
    }
    self.checkpoint = checkpoint
    self.samples = samples
    self.sigmas = sorted
    predictedLoss = loss
    simulatedBias = simBias
    simulatedBiasStandardError = simSE2.map { $0.squareRoot() }
    self.closureBias = closureBias
    self.meanFieldBias = meanFieldBias
    let haveClosure = closureBias != nil
    units = (0..<n).map {
      Unit(
        preactivationMean: haveClosure ? mu[$0] : nil, preactivationSD: haveClosure ? sd[$0] : nil,
        distanceInSD: haveClosure && dist[$0].isFinite ? dist[$0] : nil, nearFraction: haveClosure ? near[$0] : nil,
        readoutBiasContribution: contribution[$0])
    }
    nearFraction = haveClosure ? near.reduce(0, +) / Double(n) : nil
    let magnitudes = contribution.map { abs($0[0]) }.sorted(by: >)
    let total = magnitudes.reduce(0, +)
    var running = 0.0, count = 0
    for m in magnitudes where total > 0 && running < 0.8 * total {
      running += m
      count += 1
    }
    unitsCarrying80Percent = count
  }

  /// The noise-in mean-field point h = E f(W h + c + σξ), continued from
  /// the deterministic state in steps of 0.05.
  static func meanField(_ net: Network, sigma: Double, from h0: [Double], evaluator: MomentEvaluator) throws -> [Double] {
    var h = h0, s = 0.0
    while s < sigma {
      s = min(sigma, s + 0.05)
      h = try net.solveAveraged(preactivationSD: [Double](repeating: s, count: net.size), start: h, evaluator: evaluator)
    }
    return h
  }

  /// The σ with the smallest predicted loss.
  public var predictedOptimum: Double? {
    zip(sigmas, predictedLoss).filter { $0.1 != nil }.min { $0.1! < $1.1! }?.0
  }

  public func predicted(at sigma: Double) -> Double? {
    sigmas.firstIndex(of: sigma).flatMap { predictedLoss[$0] }
  }
}
