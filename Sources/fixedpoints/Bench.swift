import ArgumentParser
import Foundation
import GaussianMoments
import Reports
import SDE

struct Bench: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Measure throughput (prints rates; never asserts a time).",
    subcommands: [BenchMoments.self, BenchSDE.self, BenchAnalyze.self, BenchTrain.self])
}

struct BenchMoments: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "moments",
    abstract: "Moment evaluations per second, per activation and method.")

  @Option(help: "Evaluations per activation.")
  var evaluations = 2000

  @OptionGroup var output: OutputOptions

  func validate() throws {
    guard evaluations > 0 else { throw ValidationError("--evaluations must be positive, got \(evaluations)") }
  }

  func run() throws {
    let evaluator = try MomentEvaluator()
    // A fixed, representative grid: |μ| ≤ 3, s from 0.05 to 2 (the trained-
    // network regime), cycled through so each activation sees the same points.
    let grid: [(Double, Double)] = stride(from: -3.0, through: 3.0, by: 0.5).flatMap { mu in
      [0.05, 0.2, 0.5, 1.0, 2.0].map { (mu, $0) }
    }
    var table = Table(columns: ["activation", "method(s)", "evaluations/s", "mean µs/eval"])
    var results: [[String: String]] = []
    for f in Activation.allCases {
      var methods = Set<String>()
      var sink = 0.0
      let start = DispatchTime.now().uptimeNanoseconds
      for i in 0..<evaluations {
        let (mu, s) = grid[i % grid.count]
        let m = try evaluator.moments(f, mu: mu, sigma: s)
        sink += m.mean
        methods.insert(m.method.rawValue)
      }
      let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9
      if !sink.isFinite { throw ValidationError("non-finite moment in the benchmark") }
      let rate = Double(evaluations) / seconds
      let methodList = methods.sorted().joined(separator: "+")
      table.append([f.rawValue, methodList, String(format: "%.0f", rate), String(format: "%.2f", 1e6 / rate)])
      results.append(["activation": f.rawValue, "methods": methodList, "evaluations_per_second": String(format: "%.1f", rate)])
    }
    if output.json {
      print(try JSONOutput.string(["moments": results]))
    } else {
      print(table.render(output.format), terminator: "")
    }
  }
}

/// The batched-ensemble benchmark; `benchmarks/sde_bench.sh` runs it next to
/// the same computation in NumPy and prints the ratio.
struct BenchSDE: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "sde",
    abstract: "Neuron-steps per second of a batched noise-in tanh ensemble (64 neurons).",
    discussion: "x <- (1-gamma) x + gamma tanh(W x + b + sigma xi), gamma = 0.1, sigma = 0.5; best of --repeats runs.")

  @Option(help: "Trajectories in the ensemble.") var trajectories = 1000
  @Option(help: "Steps per trajectory.") var steps = 2000
  @Option(help: "Neurons.") var dimension = 64
  @Option(help: "Threads (results do not depend on it).") var threads = ProcessInfo.processInfo.activeProcessorCount
  @Option(help: "Timed runs; the best is reported.") var repeats = 3
  @Option(help: "Seed of the weights and the noise.") var seed: UInt64 = 1
  @OptionGroup var output: OutputOptions

  func validate() throws {
    for (name, value) in [("--trajectories", trajectories), ("--steps", steps), ("--dimension", dimension), ("--threads", threads), ("--repeats", repeats)] where value < 1 {
      throw ValidationError("\(name) must be positive, got \(value)")
    }
  }

  func run() throws {
    let r = try SDEBenchmark.run(
      trajectories: trajectories, steps: steps, dimension: dimension, threads: threads, repeats: repeats, seed: seed)
    if output.json {
      struct Report: Encodable {
        var neuron_steps_per_second, seconds, mean_final_state: Double
        var trajectories, steps, dimension, threads: Int
        var blas: String
      }
      print(try JSONOutput.string(Report(
        neuron_steps_per_second: r.neuronStepsPerSecond, seconds: r.seconds, mean_final_state: r.meanFinalState,
        trajectories: r.trajectories, steps: r.steps, dimension: r.dimension, threads: r.threads, blas: r.blas)))
      return
    }
    var table = Table(columns: ["trajectories", "steps", "neurons", "threads", "BLAS", "seconds", "neuron-steps/s"])
    table.append([
      "\(r.trajectories)", "\(r.steps)", "\(r.dimension)", "\(r.threads)", r.blas,
      String(format: "%.3f", r.seconds), String(format: "%.3g", r.neuronStepsPerSecond),
    ])
    print(table.render(output.format), terminator: "")
  }
}
