import ArgumentParser
import CTRNN
import Foundation
import GSL
import GaussianMoments
import Reports
import SDE
import Training

/// Training throughput: mini-batch BPTT + Adam iterations per second on the
/// `function` task, the work of one `Trainer.train` iteration. Prints rates;
/// never asserts a time. `benchmarks/train_bench.sh` runs it next to the same
/// computation in PyTorch (`benchmarks/train_reference.py`) and prints the ratio.
struct BenchTrain: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "train",
    abstract: "Training iterations per second (BPTT + Adam) of a noisy relu CTRNN on the function task, best of --repeats.",
    discussion: """
      One iteration is what Trainer.train does per step: draw a batch (FunctionTask), draw the T x B x N noise \
      (Philox), BPTT.lossAndGradient, clip the gradient norm at 1, Adam with the cosine learning-rate schedule, \
      rebuild the parameters. Noise-in, sigma = 0.5, dt = 0.1, tau = 1, lr = 3e-3, float64. The timed loop is \
      Trainer.train's without its final evaluation; --whole-trainer also times Trainer.train itself.
      """)

  @Option(help: "Hidden units.") var hidden = 64
  @Option(help: "Trials per mini-batch.") var batch = 32
  @Option(help: "Time steps per trial (the loss counts the last half).") var stepsPerTrial = FunctionTask.defaultSteps
  @Option(help: "Training iterations per timed run.") var iterations = 200
  @Option(help: "Timed runs; the best is reported.") var repeats = 3
  @Option(help: "BLAS threads (training itself is one thread; OpenBLAS only, default 1 as everywhere in fixedpoints).")
  var threads = 1
  @Option(help: "Noise amplitude sigma (noise-in).") var sigma = 0.5
  @Option(help: "Seed of the weights, the data and the noise.") var seed: UInt64 = 1
  @Flag(help: "Also time Trainer.train itself (adds its final 256-trial evaluation).") var wholeTrainer = false
  @OptionGroup var output: OutputOptions

  func validate() throws {
    for (name, value) in [
      ("--hidden", hidden), ("--batch", batch), ("--iterations", iterations), ("--repeats", repeats), ("--threads", threads),
    ] where value < 1 {
      throw ValidationError("\(name) must be positive, got \(value)")
    }
    guard stepsPerTrial >= 2 else { throw ValidationError("--steps-per-trial must be at least 2, got \(stepsPerTrial)") }
    guard sigma.isFinite, sigma >= 0 else { throw ValidationError("--sigma must be finite and >= 0, got \(sigma)") }
  }

  /// Wall-clock seconds per phase of one timed run.
  struct Phases {
    var batch = 0.0, noise = 0.0, bptt = 0.0, update = 0.0
    var total: Double { batch + noise + bptt + update }
  }

  func run() throws {
    let blasThreads = Self.setBLASThreads(threads)
    var options = TrainingOptions(dynamics: Dynamics(activation: .relu, noise: .inside, sigma: sigma, dt: 0.1, tau: 1))
    options.hidden = hidden
    options.batchSize = batch
    options.iterations = iterations
    options.seed = seed
    try options.validate()
    let task = FunctionTask(steps: stepsPerTrial)

    // One untimed warm-up iteration (first-call costs: dlopen of OpenBLAS, ziggurat tables).
    _ = try Self.trainLoop(task: task, options: options, iterations: 1)
    var best = Double.infinity, bestPhases = Phases(), lastLoss = 0.0, firstLoss = 0.0
    for _ in 0..<repeats {
      let start = DispatchTime.now().uptimeNanoseconds
      let r = try Self.trainLoop(task: task, options: options, iterations: iterations)
      let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9
      if seconds < best { (best, bestPhases) = (seconds, r.phases) }
      (firstLoss, lastLoss) = (r.history.first ?? .nan, r.history.last ?? .nan)
    }
    var trainerRate: Double?
    if wholeTrainer {
      var bestTrainer = Double.infinity
      for _ in 0..<repeats {
        let start = DispatchTime.now().uptimeNanoseconds
        let r = try Trainer.train(task: task, options: options, progressEvery: iterations + 1)
        bestTrainer = min(bestTrainer, Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9)
        // The timed loop must be Trainer.train's, bit for bit.
        if r.history.first != firstLoss || r.history.last != lastLoss {
          throw ValidationError("the benchmark loop no longer matches Trainer.train (losses differ); update BenchTrain.trainLoop")
        }
      }
      trainerRate = Double(iterations) / bestTrainer
    }
    let rate = Double(iterations) / best
    let fraction = { (x: Double) in bestPhases.total > 0 ? x / bestPhases.total : 0 }

    if output.json {
      struct Report: Encodable {
        var implementation = "swift"
        var iterations_per_second, seconds: Double
        var trainer_iterations_per_second: Double?
        var hidden, batch, steps_per_trial, iterations, repeats, threads, parameters: Int
        var blas_threads: Int?
        var blas, dtype, activation, noise, task: String
        var sigma, dt, tau, learning_rate, clip_norm: Double
        var first_loss, last_loss: Double
        var phase_fractions: [String: Double]
      }
      print(try JSONOutput.string(Report(
        iterations_per_second: rate, seconds: best, trainer_iterations_per_second: trainerRate,
        hidden: hidden, batch: batch, steps_per_trial: stepsPerTrial, iterations: iterations, repeats: repeats,
        threads: threads, parameters: Parameters(hidden: hidden, inputs: task.inputSize, outputs: task.outputSize).count,
        blas_threads: blasThreads,
        blas: BLAS.implementation, dtype: "float64", activation: "relu", noise: "in", task: task.name,
        sigma: sigma, dt: 0.1, tau: 1, learning_rate: options.learningRate, clip_norm: options.clipNorm,
        first_loss: firstLoss, last_loss: lastLoss,
        phase_fractions: [
          "batch": fraction(bestPhases.batch), "noise": fraction(bestPhases.noise),
          "bptt": fraction(bestPhases.bptt), "clip_adam": fraction(bestPhases.update),
        ])))
      return
    }
    var table = Table(
      columns: ["hidden", "batch", "steps/trial", "iterations", "threads", "BLAS", "seconds", "iterations/s"],
      caption: "function task, relu noise-in sigma = \(sigma), dt 0.1, tau 1, float64; best of \(repeats)")
    table.append([
      "\(hidden)", "\(batch)", "\(stepsPerTrial)", "\(iterations)", "\(threads)", BLAS.implementation,
      String(format: "%.3f", best), String(format: "%.1f", rate),
    ])
    print(table.render(output.format), terminator: "")
    print(String(
      format: "time per iteration: batch %.1f%%, noise %.1f%%, BPTT %.1f%%, clip+Adam %.1f%%; loss %.4g -> %.4g",
      100 * fraction(bestPhases.batch), 100 * fraction(bestPhases.noise), 100 * fraction(bestPhases.bptt),
      100 * fraction(bestPhases.update), firstLoss, lastLoss))
    if let trainerRate { print(String(format: "Trainer.train (with its final evaluation): %.1f iterations/s", trainerRate)) }
  }

  /// `Trainer.train`'s loop, step for step (same seeds, same schedule), with
  /// the time of each phase; without the final evaluation and progress calls.
  static func trainLoop(
    task: any TrainingTask, options o: TrainingOptions, iterations: Int
  ) throws -> (history: [Double], phases: Phases) {
    Trainer.keepFreedMemory()
    var p = try Parameters.initial(hidden: o.hidden, inputs: task.inputSize, outputs: task.outputSize, seed: o.seed)
    var x = p.flat
    var adam = Adam(count: x.count, learningRate: o.learningRate)
    let data = try GSLRandom(seed: UInt(truncatingIfNeeded: o.seed &+ 1))
    var history: [Double] = []
    history.reserveCapacity(iterations)
    var phases = Phases()
    var clock = DispatchTime.now().uptimeNanoseconds
    func lap() -> Double {
      let now = DispatchTime.now().uptimeNanoseconds
      defer { clock = now }
      return Double(now - clock) * 1e-9
    }
    for k in 0..<iterations {
      let batch = task.batch(trials: o.batchSize, rng: data)
      phases.batch += lap()
      let noise = o.dynamics.sigma > 0
        ? Trainer.noise(count: batch.steps * batch.trials * o.hidden, seed: o.seed &+ 2, stream: UInt64(k)) : nil
      phases.noise += lap()
      let (loss, gradient) = BPTT.lossAndGradient(p, batch, noise: noise, dynamics: o.dynamics)
      phases.bptt += lap()
      guard loss.isFinite else { throw TrainingError.diverged("loss is \(loss) at iteration \(k + 1)") }
      var g = gradient.flat
      clipGradientNorm(&g, maxNorm: o.clipNorm)
      let progressFraction = Double(k) / Double(max(1, o.iterations - 1))
      let schedule =
        o.finalLearningRateFraction + (1 - o.finalLearningRateFraction) * 0.5 * (1 + cos(Double.pi * progressFraction))
      adam.step(&x, gradient: g, learningRate: o.learningRate * schedule)
      p = Parameters(flat: x, like: p)
      phases.update += lap()
      history.append(loss)
    }
    return (history, phases)
  }

  /// OpenBLAS's thread count for this process (GSL's `BLAS` sets 1 when it
  /// loads OpenBLAS). Returns the count set, or nil when the dgemm is GSL's
  /// CBLAS (single-threaded).
  static func setBLASThreads(_ threads: Int) -> Int? { BLAS.setThreads(threads) }
}
