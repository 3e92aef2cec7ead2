import CTRNN
import Foundation
import GSL
import GaussianMoments
import SDE

/// Noise scale and dropout rate per unit, learned jointly with the weights
/// (`train --learn-noise`), after Kobayashi & Murata 2025 (VAND: noise and
/// dropout on the RNN's state, their scale and ratio adapted in training by
/// a variational objective).
///
/// The summary of that paper does not give its estimator, so this is ours,
/// stated in full:
/// - σᵢ = exp ρᵢ; unit i's additive noise is σᵢ ξ (inside or outside f, as
///   `Dynamics.noise`), ξ standard normal: the Gaussian reparameterization,
///   ∂L/∂ρᵢ = Σ ∂L/∂(σᵢξ) · σᵢ ξ.
/// - pᵢ = 0.95 · sigmoid(αᵢ) (the cap of `DropoutSite.maximumRate`); the
///   Bernoulli mask is relaxed by the concrete (relaxed Bernoulli)
///   distribution of Gal, Hron & Kendall 2017 ("Concrete dropout"):
///   with u ~ U(0, 1), the drop indicator
///     z̃ = sigmoid((logit pᵢ + logit u)/t),  t = `temperature` (0.1),
///   and the mask (1 − z̃)/(1 − pᵢ), differentiable in pᵢ. At t → 0 it is
///   the Bernoulli mask of `DropoutMasks`; the evaluation loss, the
///   checkpoint and the analysis use hard Bernoulli masks at the learned pᵢ.
/// - The objective is the task loss plus β/N Σᵢ [KL(N(0, σᵢ²) ‖ N(0, σ₀²))
///   + KL(Bern(pᵢ) ‖ Bern(p₀))]: the noise is a variational posterior and
///   the training --sigma and --rate its prior, so without the task's pull
///   each unit's noise returns to the prior; with β = 0 nothing stops the
///   task loss from switching the noise off.
public struct AdaptiveNoise: Sendable, Equatable {
  public var logSigma: [Double]
  public var rateLogit: [Double]

  public struct Options: Sendable, Equatable {
    /// σ₀, p₀: the prior and the start.
    public var priorSigma: Double
    public var priorRate: Double
    /// β, the weight of the KL term.
    public var klWeight: Double
    public var temperature = 0.1
    public init(priorSigma: Double, priorRate: Double, klWeight: Double) {
      self.priorSigma = priorSigma
      self.priorRate = priorRate
      self.klWeight = klWeight
    }

    public func validate() throws(TrainingError) {
      guard priorSigma.isFinite, priorSigma > 0 else {
        throw .invalidOption("--sigma", "must be > 0 with --learn-noise (the prior and starting noise), got \(priorSigma)")
      }
      guard priorRate.isFinite, priorRate > 0, priorRate < DropoutSite.maximumRate else {
        throw .invalidOption("--rate", "must be in (0, \(DropoutSite.maximumRate)) with --learn-noise, got \(priorRate)")
      }
      guard klWeight.isFinite, klWeight >= 0 else { throw .invalidOption("--noise-kl", "must be finite and >= 0, got \(klWeight)") }
    }
  }

  static let maximumRate = DropoutSite.maximumRate

  /// Every unit at the prior.
  public init(units n: Int, options o: Options) {
    logSigma = [Double](repeating: log(o.priorSigma), count: n)
    let q = o.priorRate / Self.maximumRate
    rateLogit = [Double](repeating: log(q / (1 - q)), count: n)
  }

  public init(logSigma: [Double], rateLogit: [Double]) {
    self.logSigma = logSigma
    self.rateLogit = rateLogit
  }

  public var sigmas: [Double] { logSigma.map(exp) }
  public var rates: [Double] { rateLogit.map { Self.maximumRate / (1 + exp(-$0)) } }
  public var flat: [Double] { logSigma + rateLogit }
  public init(flat v: [Double]) {
    let n = v.count / 2
    logSigma = Array(v[0..<n])
    rateLogit = Array(v[n...])
  }

  /// The relaxed masks for uniforms `u` (T×B×N) and ∂mask/∂pᵢ of each entry.
  func relaxedMasks(_ u: [Double], temperature t: Double) -> (masks: [Double], slope: [Double]) {
    let p = rates, n = p.count
    var masks = [Double](repeating: 0, count: u.count), slope = masks
    for k in u.indices {
      let i = k % n, pi = p[i]
      // u on [0, 1): nudge 0 in, so logit u is finite (probability 2⁻⁵³).
      let uk = min(max(u[k], 1e-300), 1 - 1e-16)
      let z = 1 / (1 + exp(-(log(pi / (1 - pi)) + log(uk / (1 - uk))) / t))
      masks[k] = (1 - z) / (1 - pi)
      let dz = z * (1 - z) / t / (pi * (1 - pi))
      slope[k] = -dz / (1 - pi) + (1 - z) / ((1 - pi) * (1 - pi))
    }
    return (masks, slope)
  }

  /// β/N Σ KL and its gradient in (ρ, α).
  func penalty(_ o: Options) -> (value: Double, gradient: [Double]) {
    let n = logSigma.count, beta = o.klWeight / Double(max(n, 1))
    let s0 = o.priorSigma, p0 = o.priorRate
    var value = 0.0, grad = [Double](repeating: 0, count: 2 * n)
    let p = rates
    for i in 0..<n {
      let s = exp(logSigma[i])
      value += beta * (log(s0 / s) + s * s / (2 * s0 * s0) - 0.5)
      grad[i] = beta * (-1 + s * s / (s0 * s0))
      let pi = p[i]
      value += beta * (pi * log(pi / p0) + (1 - pi) * log((1 - pi) / (1 - p0)))
      let dp = log(pi / p0) - log((1 - pi) / (1 - p0))
      let q = pi / Self.maximumRate
      grad[n + i] = beta * dp * Self.maximumRate * q * (1 - q)
    }
    return (value, grad)
  }

  /// The objective (task loss + penalty) and its gradients in the weights
  /// and in (ρ, α), for standard normals `xi` and uniforms `u` (T×B×N each)
  /// held fixed. `dynamics.dropout` says where the masks go; its σ and
  /// rate are ignored (the noise is σᵢξ, the masks relaxed at pᵢ).
  public static func objective(
    _ p: Parameters, _ noise: AdaptiveNoise, _ batch: TrialBatch, xi: [Double], u: [Double], dynamics: Dynamics, options o: Options
  ) -> (loss: Double, gradient: Parameters, noiseGradient: [Double]) {
    let n = p.hidden
    var d = dynamics
    d.sigma = 1
    let sigmas = noise.sigmas
    let scaled = xi.indices.map { sigmas[$0 % n] * xi[$0] }
    let (masks, slope) = noise.relaxedMasks(u, temperature: o.temperature)
    let r = BPTT.lossAndGradients(p, batch, noise: scaled, masks: masks, dynamics: d)
    let pen = noise.penalty(o)
    var g = pen.gradient
    let rates = noise.rates
    for k in xi.indices { g[k % n] += r.noise[k] * scaled[k] }
    for k in u.indices {
      let i = k % n, q = rates[i] / Self.maximumRate
      g[n + i] += r.masks[k] * slope[k] * Self.maximumRate * q * (1 - q)
    }
    return (r.loss + pen.value, r.gradient, g)
  }

  /// Uniforms on [0, 1) from Philox stream `stream` of `seed`.
  public static func uniforms(count: Int, seed: UInt64, stream: UInt64) -> [Double] {
    var g = GaussianStream(seed: seed, stream: stream)
    return (0..<count).map { _ in g.uniform() }
  }
}

/// `train --learn-noise`: mini-batch BPTT with Adam over the weights and
/// (ρ, α) together (one gradient-norm clip over both), the cosine schedule
/// of `TrainingLoop`, then the task loss on the evaluation batch with hard
/// Bernoulli masks at the learned rates and noise σᵢξ. Seeded: weights
/// and data as `TrainingLoop`, ξ from seed + 2, u from seed + 4.
public enum AdaptiveNoiseTrainer {
  public struct Result: Sendable {
    public var parameters: Parameters
    public var noise: AdaptiveNoise
    public var finalLoss: Double
  }

  public static func train(
    task: any TrainingTask, options o: TrainingOptions, adaptive a: AdaptiveNoise.Options,
    progress: (TrainingProgress) -> Void = { _ in }
  ) throws -> Result {
    try o.validate()
    try a.validate()
    guard o.dynamics.dropout != nil else { throw TrainingError.invalidOption("--learn-noise", "needs --dropout state or --dropout input") }
    Trainer.keepFreedMemory()
    var parameters = try Parameters.initial(hidden: o.hidden, inputs: task.inputSize, outputs: task.outputSize, seed: o.seed)
    var noise = AdaptiveNoise(units: o.hidden, options: a)
    let data = try GSLRandom(seed: UInt(truncatingIfNeeded: o.seed &+ 1))
    var x = parameters.flat + noise.flat
    let split = parameters.count
    var adam = Adam(count: x.count, learningRate: o.learningRate)
    for k in 0..<o.iterations {
      let batch = task.batch(trials: o.batchSize, rng: data)
      let count = batch.steps * batch.trials * o.hidden
      let xi = Trainer.noise(count: count, seed: o.seed &+ 2, stream: UInt64(k))
      let u = AdaptiveNoise.uniforms(count: count, seed: o.seed &+ 4, stream: UInt64(k))
      let r = AdaptiveNoise.objective(parameters, noise, batch, xi: xi, u: u, dynamics: o.dynamics, options: a)
      guard r.loss.isFinite else { throw TrainingError.diverged("loss is \(r.loss) at iteration \(k + 1)") }
      var g = r.gradient.flat + r.noiseGradient
      let norm = clipGradientNorm(&g, maxNorm: o.clipNorm)
      let fraction = Double(k) / Double(max(1, o.iterations - 1))
      let schedule = o.finalLearningRateFraction + (1 - o.finalLearningRateFraction) * 0.5 * (1 + cos(Double.pi * fraction))
      adam.step(&x, gradient: g, learningRate: o.learningRate * schedule)
      parameters = Parameters(flat: Array(x[0..<split]), like: parameters)
      noise = AdaptiveNoise(flat: Array(x[split...]))
      if (k + 1) % max(1, o.iterations / 200) == 0 || k + 1 == o.iterations {
        progress(TrainingProgress(iteration: k + 1, iterations: o.iterations, loss: r.loss, gradientNorm: norm))
      }
    }
    let finalLoss = try evaluate(parameters, noise, task: task, dynamics: o.dynamics, trials: o.evaluationTrials, seed: o.seed &+ 3)
    return Result(parameters: parameters, noise: noise, finalLoss: finalLoss)
  }

  /// The task loss with hard masks at the learned rates and noise σᵢξ.
  public static func evaluate(
    _ p: Parameters, _ noise: AdaptiveNoise, task: any TrainingTask, dynamics: Dynamics, trials: Int, seed: UInt64
  ) throws -> Double {
    let rng = try GSLRandom(seed: UInt(truncatingIfNeeded: seed))
    let batch = task.batch(trials: trials, rng: rng)
    let n = p.hidden, count = batch.steps * batch.trials * n
    let sigmas = noise.sigmas, rates = noise.rates
    let xi = Trainer.noise(count: count, seed: seed, stream: 0)
    let u = AdaptiveNoise.uniforms(count: count, seed: seed &+ 4, stream: 0)
    let masks = u.indices.map { u[$0] < rates[$0 % n] ? 0 : 1 / (1 - rates[$0 % n]) }
    var d = dynamics
    d.sigma = 1
    return BPTT.loss(p, batch, noise: xi.indices.map { sigmas[$0 % n] * xi[$0] }, masks: masks, dynamics: d)
  }
}
