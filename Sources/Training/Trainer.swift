import CTRNN
import Foundation
import GSL
import GaussianMoments
import SDE
import CMallocTuning

/// What to train and how.
public struct TrainingOptions: Sendable {
  public var dynamics: Dynamics
  public var hidden = 64
  public var iterations = 3000
  public var batchSize = 32
  public var learningRate = 3e-3
  /// Cosine decay of the learning rate to `finalLearningRateFraction` of it.
  public var finalLearningRateFraction = 0.1
  public var clipNorm = 1.0
  public var seed: UInt64 = 1
  /// f32: BPTT in float32 (sgemm, float noise from the same streams by the
  /// 23-bit ziggurat), the loss summed and Adam run in float64.
  public var precision: Precision = .f64
  /// Trials in the fixed evaluation batch behind the reported final loss.
  public var evaluationTrials = 256
  /// How σ changes over the iterations (annealing); `dynamics.sigma` is σ
  /// at the first iteration.
  public var sigmaSchedule = SigmaSchedule.constant

  public init(dynamics: Dynamics) { self.dynamics = dynamics }

  public func validate() throws(TrainingError) {
    let d = dynamics
    // The same upper bound as analyze's σ_test: far beyond the
    // pre-activations' scale, training only diverges.
    guard d.sigma.isFinite, d.sigma >= 0, d.sigma <= NetworkAnalysis.Options.maximumSigma else {
      throw .invalidOption("--sigma", "must be finite and in 0...\(NetworkAnalysis.Options.maximumSigma), got \(d.sigma)")
    }
    if d.dropout != nil {
      guard d.dropoutRate.isFinite, d.dropoutRate >= 0, d.dropoutRate <= DropoutSite.maximumRate else {
        throw .invalidOption("--rate", "must be in 0...\(DropoutSite.maximumRate), got \(d.dropoutRate)")
      }
    }
    // The float32 pass has no masks (and no input gradients for --learn-noise).
    if d.dropout != nil, precision == .f32 {
      throw .invalidOption("--precision", "f32 does not support --dropout (or --learn-noise); use --precision f64")
    }
    guard d.dt.isFinite, d.dt > 0 else { throw .invalidOption("--dt", "must be finite and > 0, got \(d.dt)") }
    guard d.tau.isFinite, d.tau > 0, d.dt <= d.tau else { throw .invalidOption("--tau", "must be finite, > 0 and >= dt, got \(d.tau)") }
    // Checked now, not when the checkpoint is built after the whole run.
    guard d.dt / d.tau >= Checkpoint.minimumGamma else {
      throw .invalidOption("--dt", "/ --tau = \(d.dt / d.tau) is below \(Checkpoint.minimumGamma); the saved network could not be analyzed")
    }
    guard hidden >= 1, hidden <= 4096 else { throw .invalidOption("--hidden", "must be in 1...4096, got \(hidden)") }
    // A time bound: 10⁷ iterations take days at the default sizes.
    guard (1...10_000_000).contains(iterations) else {
      throw .invalidOption("--iterations", "must be in 1...10000000, got \(iterations)")
    }
    guard batchSize >= 1 else { throw .invalidOption("--batch", "must be at least 1, got \(batchSize)") }
    guard learningRate.isFinite, learningRate > 0 else { throw .invalidOption("--lr", "must be finite and > 0, got \(learningRate)") }
    guard clipNorm.isFinite, clipNorm > 0 else { throw .invalidOption("--clip", "must be finite and > 0, got \(clipNorm)") }
    guard evaluationTrials >= 1 else { throw .invalidOption("--eval-trials", "must be at least 1, got \(evaluationTrials)") }
    // The float32 kernels draw Gaussian noise only (and gated noise's
    // half-normal, folded from those normals: `TrainingLoop.foldHalfNormal`).
    if precision == .f32, d.sigma > 0, d.law != .gaussian, !(d.gate != nil && d.law == .halfNormal) {
      throw .invalidOption("--precision", "f32 trains with Gaussian noise only; use f64 with --noise-law \(d.law.rawValue)")
    }
  }
}

/// Noise annealing over training (Gulcehre et al. 2016, Sec. 3): σ_k =
/// σ · a(t), t = k/(K − 1) from 0 at the first iteration to 1 at the last.
public enum SigmaSchedule: String, CaseIterable, Sendable {
  /// a = 1: σ throughout (every run before schedules existed).
  case constant
  /// a = 1 − t: linearly down to 0 at the last iteration.
  case linear
  /// a = ½(1 + cos πt): cosine down to 0.
  case cosine

  public func factor(iteration k: Int, of iterations: Int) -> Double {
    let t = Double(k) / Double(max(1, iterations - 1))
    switch self {
    case .constant: return 1
    case .linear: return 1 - t
    case .cosine: return 0.5 * (1 + cos(Double.pi * t))
    }
  }
}

public enum TrainingError: Error, CustomStringConvertible, Sendable, Equatable {
  case invalidOption(String, String)
  case diverged(String)
  /// A job of a sweep failed; the message names it.
  case jobFailed(String)
  /// Results files that do not make one sweep (merge).
  case invalidResults(String)
  public var description: String {
    switch self {
    case .jobFailed(let m): return m
    case .invalidResults(let m): return "merge \(m)"
    case .invalidOption(let option, let message): return "\(option) \(message)"
    case .diverged(let m): return "training diverged: \(m)"
    }
  }
}

/// A progress report, once per `every` iterations.
public struct TrainingProgress: Sendable {
  public var iteration: Int
  public var iterations: Int
  public var loss: Double
  public var gradientNorm: Double
}

public struct TrainingResult: Sendable {
  public var parameters: Parameters
  /// Loss on the fixed evaluation batch (its own seeded trials and noise).
  public var finalLoss: Double
  /// The mini-batch loss of every iteration.
  public var history: [Double]
}

/// Mini-batch BPTT with Adam: `TrainingLoop` run for `options.iterations`
/// steps, then the loss on a fixed evaluation batch. Seeded end to end (see
/// `TrainingLoop`), so the same options give the same weights, bit for bit.
public enum Trainer {
  public static func train(
    task: any TrainingTask, options o: TrainingOptions, progressEvery: Int = 50,
    progress: (TrainingProgress) -> Void = { _ in }
  ) throws -> TrainingResult {
    try o.validate()
    keepFreedMemory()
    var loop = try TrainingLoop(task: task, options: o)
    var history: [Double] = []
    history.reserveCapacity(o.iterations)
    while loop.iteration < o.iterations {
      let loss = try loop.step()
      history.append(loss)
      if loop.iteration % max(1, progressEvery) == 0 || loop.iteration == o.iterations {
        progress(TrainingProgress(iteration: loop.iteration, iterations: o.iterations, loss: loss, gradientNorm: loop.gradientNorm))
      }
    }
    let p = loop.parameters
    let finalLoss = try evaluate(p, task: task, dynamics: o.dynamics, trials: o.evaluationTrials, seed: o.seed &+ 3).loss
    return TrainingResult(parameters: p, finalLoss: finalLoss, history: history)
  }

  /// Each iteration allocates a few MB of arrays (noise, states,
  /// pre-activations). glibc serves blocks that large by mmap and returns
  /// them to the kernel on free, so every iteration paid ~1200 page faults
  /// of fresh zeroed memory: ~30 % of the run time (measured with perf on
  /// 64 units, batch 32, T = 100). Raising the trim threshold to 256 MB
  /// and the mmap threshold to glibc's cap of 32 MB keeps that memory in the
  /// process's heap for reuse (`TrainingLoop` also keeps BPTT's largest
  /// buffers itself: `BPTTWorkspace`).
  public static func keepFreedMemory() {
    cmalloc_retain_freed_memory(256 << 20)
  }

  /// Unit-SD variates of `law` (standard normals by default) from Philox
  /// stream `stream` of `seed`; the Gaussian case draws what it always did.
  public static func noise(count: Int, seed: UInt64, stream: UInt64, law: NoiseLaw = .gaussian) -> [Double] {
    var g = GaussianStream(seed: seed, stream: stream)
    var out = [Double](repeating: 0, count: count)
    out.withUnsafeMutableBufferPointer { g.fill($0, law: Network.variates(law)) }
    return out
  }

  /// Loss on `trials` fresh trials (data from MT19937 at `seed`) at the
  /// dynamics' σ, with a standard error over `repeats` independent noise
  /// samples of the same trials (so the SE is the noise's, not the data's).
  public static func evaluate(
    _ p: Parameters, task: any TrainingTask, dynamics: Dynamics, trials: Int, seed: UInt64, repeats: Int = 1
  ) throws -> (loss: Double, standardError: Double) {
    let rng = try GSLRandom(seed: UInt(truncatingIfNeeded: seed))
    let batch = task.batch(trials: trials, rng: rng)
    var losses: [Double] = []
    for r in 0..<max(1, repeats) {
      let noise = dynamics.sigma > 0 ? Self.noise(count: batch.steps * batch.trials * p.hidden, seed: seed, stream: UInt64(r), law: dynamics.law) : nil
      // Dropout masks from their own streams (seed + 4), so the noise is
      // what it is without dropout.
      let masks = dynamics.dropout == nil ? nil
        : DropoutMasks.make(count: batch.steps * batch.trials * p.hidden, rate: dynamics.dropoutRate, seed: seed &+ 4, stream: UInt64(r))
      losses.append(BPTT.loss(p, batch, noise: noise, masks: masks, dynamics: dynamics))
      if dynamics.sigma == 0 && (dynamics.dropout == nil || dynamics.dropoutRate == 0) { break }
    }
    let mean = losses.reduce(0, +) / Double(losses.count)
    guard losses.count > 1 else { return (mean, 0) }
    let ss = losses.reduce(0) { $0 + ($1 - mean) * ($1 - mean) }
    return (mean, (ss / Double(losses.count - 1) / Double(losses.count)).squareRoot())
  }
}
