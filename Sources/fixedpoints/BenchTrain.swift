import ArgumentParser
import CTRNN
import Foundation
import GSL
import GaussianMoments
import Reports
import SDE
import Training
import Benchmarks

/// Training throughput (`TrainingBenchmark`): mini-batch BPTT + Adam
/// iterations per second on the `function` task, the work of one
/// `Trainer.train` iteration. Prints rates; never asserts a time. `benchmarks/train_bench.sh` runs it next to the same
/// computation in PyTorch (`benchmarks/train_reference.py`) and prints the ratio.
struct BenchTrain: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "train",
    abstract: "Training iterations per second (BPTT + Adam) of a noisy relu CTRNN on the function task, best of --repeats.",
    discussion: """
      One iteration is what Trainer.train does per step: draw a batch (FunctionTask), draw the T x B x N noise \
      (Philox), BPTT.lossAndGradient, clip the gradient norm at 1, Adam with the cosine learning-rate schedule, \
      rebuild the parameters. Noise-in, sigma = 0.5, dt = 0.1, tau = 1, lr = 3e-3, float64. The timed loop is \
      TrainingLoop.step, the loop of Trainer.train, without its final evaluation; --whole-trainer also times Trainer.train itself.
      Example: fixedpoints bench train --hidden 32 --iterations 100
      """)

  @Option(help: "Hidden units.") var hidden = 64
  @Option(help: "Trials per mini-batch.") var batch = 32
  @Option(name: .customLong("trial-steps"), help: "Time steps per trial (the loss counts the last half; default: \(FunctionTask.defaultSteps)).")
  var trialSteps: Int?
  /// The old name of --trial-steps, accepted and not shown.
  @Option(name: .customLong("steps-per-trial"), help: .hidden) var oldStepsPerTrial: Int?
  var stepsPerTrial: Int { trialSteps ?? oldStepsPerTrial ?? FunctionTask.defaultSteps }
  @Option(help: "Training iterations per timed run.") var iterations = 200
  @Option(help: "Timed runs; the best is reported.") var repeats = 3
  @Option(help: "BLAS threads (training itself is one thread; OpenBLAS only, default 1 as everywhere in fixedpoints).")
  var threads = 1
  @Option(help: "Noise amplitude sigma (noise-in).") var sigma = 0.5
  @Option(help: "Seed of the weights, the data and the noise.") var seed: UInt64 = 1
  @Flag(help: "Also time Trainer.train itself (adds its final 256-trial evaluation).") var wholeTrainer = false
  @OptionGroup var precision: PrecisionOptions
  @OptionGroup var output: OutputOptions

  func validate() throws {
    for (name, value) in [
      ("--hidden", hidden), ("--batch", batch), ("--iterations", iterations), ("--repeats", repeats), ("--threads", threads),
    ] where value < 1 {
      throw ValidationError("\(name) must be positive, got \(value)")
    }
    try checkRenamed(trialSteps, oldStepsPerTrial, current: "--trial-steps", old: "--steps-per-trial")
    guard stepsPerTrial >= 2 else { throw ValidationError("--trial-steps must be at least 2, got \(stepsPerTrial)") }
    guard sigma.isFinite, sigma >= 0 else { throw ValidationError("--sigma must be finite and >= 0, got \(sigma)") }
  }

  func run() throws {
    let blasThreads = Self.setBLASThreads(threads)
    var settings = TrainingBenchmark.Settings()
    settings.hidden = hidden
    settings.batch = batch
    settings.trialSteps = stepsPerTrial
    settings.iterations = iterations
    settings.repeats = repeats
    settings.sigma = sigma
    settings.seed = seed
    settings.wholeTrainer = wholeTrainer
    settings.precision = precision.precision
    let r: TrainingBenchmark.Result
    do { r = try TrainingBenchmark.run(settings) } catch let e as TrainingError { throw ValidationError(e.description) }
    let o = r.options

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
        iterations_per_second: r.iterationsPerSecond, seconds: r.seconds, trainer_iterations_per_second: r.trainerIterationsPerSecond,
        hidden: hidden, batch: batch, steps_per_trial: stepsPerTrial, iterations: iterations, repeats: repeats,
        threads: threads, parameters: r.parameterCount, blas_threads: blasThreads,
        blas: BLAS.implementation, dtype: precision.precision == .f32 ? "float32" : "float64", activation: o.dynamics.activation.rawValue,
        noise: o.dynamics.noise.rawValue, task: r.taskName,
        sigma: sigma, dt: o.dynamics.dt, tau: o.dynamics.tau, learning_rate: o.learningRate, clip_norm: o.clipNorm,
        first_loss: r.firstLoss, last_loss: r.lastLoss,
        phase_fractions: [
          "batch": r.fraction(\.batch), "noise": r.fraction(\.noise), "bptt": r.fraction(\.bptt), "clip_adam": r.fraction(\.update),
        ])))
      return
    }
    var table = Table(
      columns: ["hidden", "batch", "steps/trial", "iterations", "threads", "BLAS", "seconds", "iterations/s"],
      caption: "function task, relu noise-in sigma = \(sigma), dt 0.1, tau 1, \(precision.precision == .f32 ? "float32" : "float64"); best of \(repeats)")
    table.append([
      "\(hidden)", "\(batch)", "\(stepsPerTrial)", "\(iterations)", "\(threads)", BLAS.implementation,
      String(format: "%.3f", r.seconds), String(format: "%.1f", r.iterationsPerSecond),
    ])
    print(table.render(output.format), terminator: "")
    print(String(
      format: "time per iteration: batch %.1f%%, noise %.1f%%, BPTT %.1f%%, clip+Adam %.1f%%; loss %.4g -> %.4g",
      100 * r.fraction(\.batch), 100 * r.fraction(\.noise), 100 * r.fraction(\.bptt), 100 * r.fraction(\.update),
      r.firstLoss, r.lastLoss))
    if let rate = r.trainerIterationsPerSecond {
      print(String(format: "Trainer.train (with its final evaluation): %.1f iterations/s", rate))
    }
  }

  /// OpenBLAS's thread count for this process (`MatrixMultiply` sets 1 when it
  /// loads OpenBLAS; this runs after that). Returns the count set, or nil when
  /// the dgemm is GSL's CBLAS (single-threaded).
  static func setBLASThreads(_ threads: Int) -> Int? {
    guard BLAS.implementation == "openblas" else { return nil }  // forces the load first
    typealias SetThreads = @convention(c) (Int32) -> Void
    for library in ["libopenblas.so.0", "libopenblas.so"] {
      guard let handle = dlopen(library, RTLD_NOW | RTLD_NOLOAD) else { continue }
      defer { dlclose(handle) }
      guard let symbol = dlsym(handle, "openblas_set_num_threads") else { return nil }
      unsafeBitCast(symbol, to: SetThreads.self)(Int32(threads))  // safe: the C prototype is void(int)
      return threads
    }
    return nil
  }
}
