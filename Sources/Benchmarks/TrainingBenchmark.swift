import CTRNN
import Foundation
import GaussianMoments
import SDE
import Training

/// Training throughput: `TrainingLoop.step()` iterations per second on the
/// `function` task — the loop `Trainer.train` runs, so the rate is the
/// trainer's. Noise-in relu, dt = 0.1, τ = 1, the trainer's default learning
/// rate and clipping, float64. `benchmarks/train_bench.sh` runs it next to the
/// same computation in PyTorch (`benchmarks/train_reference.py`).
public enum TrainingBenchmark {
  public struct Settings: Sendable {
    public var hidden = 64
    public var batch = 32
    public var trialSteps = FunctionTask.defaultSteps
    public var iterations = 200
    public var repeats = 3
    public var sigma = 0.5
    public var seed: UInt64 = 1
    /// BPTT precision (`TrainingOptions.precision`).
    public var precision: Precision = .f64
    /// Also time `Trainer.train` itself (adds its final evaluation).
    public var wholeTrainer = false
    public init() {}

    /// The trainer's options for these settings.
    public var options: TrainingOptions {
      var o = TrainingOptions(dynamics: Dynamics(activation: .relu, noise: .inside, sigma: sigma, dt: 0.1, tau: 1))
      o.hidden = hidden
      o.batchSize = batch
      o.iterations = iterations
      o.seed = seed
      o.precision = precision
      return o
    }
  }

  public struct Result: Sendable {
    public var settings: Settings
    public var options: TrainingOptions
    /// Seconds of the best timed run, and iterations per second in it.
    public var seconds: Double
    public var iterationsPerSecond: Double
    /// `Trainer.train`'s rate, when timed.
    public var trainerIterationsPerSecond: Double?
    /// Time per phase in the best run.
    public var phases: TrainingLoop.PhaseSeconds
    /// Mini-batch loss of the first and last iteration (the work was done).
    public var firstLoss: Double
    public var lastLoss: Double
    public var parameterCount: Int
    public var taskName: String

    /// The phase's share of the best run's time (0 when nothing was timed).
    public func fraction(_ keyPath: KeyPath<TrainingLoop.PhaseSeconds, Double>) -> Double {
      phases.total > 0 ? phases[keyPath: keyPath] / phases.total : 0
    }
  }

  public static func run(_ s: Settings) throws -> Result {
    let options = s.options
    try options.validate()
    let task = FunctionTask(steps: s.trialSteps)
    Trainer.keepFreedMemory()
    // One untimed warm-up iteration (first-call costs: dlopen of OpenBLAS, ziggurat tables).
    var warmUp = try TrainingLoop(task: task, options: options)
    try warmUp.step()
    var best = Double.infinity, bestPhases = TrainingLoop.PhaseSeconds(), firstLoss = 0.0, lastLoss = 0.0
    for _ in 0..<max(1, s.repeats) {
      let start = DispatchTime.now().uptimeNanoseconds
      var loop = try TrainingLoop(task: task, options: options)
      var losses: [Double] = []
      losses.reserveCapacity(s.iterations)
      for _ in 0..<s.iterations { losses.append(try loop.step()) }
      let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9
      if seconds < best { (best, bestPhases) = (seconds, loop.phases) }
      (firstLoss, lastLoss) = (losses.first ?? .nan, losses.last ?? .nan)
    }
    var trainerRate: Double?
    if s.wholeTrainer {
      var bestTrainer = Double.infinity
      for _ in 0..<max(1, s.repeats) {
        let start = DispatchTime.now().uptimeNanoseconds
        _ = try Trainer.train(task: task, options: options, progressEvery: s.iterations + 1)
        bestTrainer = min(bestTrainer, Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9)
      }
      trainerRate = Double(s.iterations) / bestTrainer
    }
    return Result(
      settings: s, options: options, seconds: best, iterationsPerSecond: Double(s.iterations) / best,
      trainerIterationsPerSecond: trainerRate, phases: bestPhases, firstLoss: firstLoss, lastLoss: lastLoss,
      parameterCount: Parameters(hidden: s.hidden, inputs: task.inputSize, outputs: task.outputSize).count,
      taskName: task.name)
  }
}
