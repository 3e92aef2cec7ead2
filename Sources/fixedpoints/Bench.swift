import ArgumentParser
import Benchmarks
import Foundation
import GaussianMoments
import Reports
import SDE

struct Bench: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Measure throughput (prints rates; never asserts a time).",
    discussion: "Example: fixedpoints bench analyze",
    subcommands: [BenchMoments.self, BenchSDE.self, BenchAnalyze.self, BenchTrain.self])
}

struct BenchMoments: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "moments",
    abstract: "Moment evaluations per second, per activation and method.",
    discussion: "Example: fixedpoints bench moments --evaluations 5000")

  @Option(help: "Evaluations per activation.")
  var evaluations = 2000

  @Option(help: "Also time batched moments (mean; mean and slope) over this many (mu, s) elements per activation (0: skip).")
  var batched = 0

  @Option(help: "Timed batched runs; the best is reported.")
  var repeats = 3

  @OptionGroup var output: OutputOptions

  func validate() throws {
    guard evaluations > 0 else { throw ValidationError("--evaluations must be positive, got \(evaluations)") }
    guard batched >= 0 else { throw ValidationError("--batched must be 0 or positive, got \(batched)") }
    guard repeats > 0 else { throw ValidationError("--repeats must be positive, got \(repeats)") }
  }

  func run() throws {
    let rows: [MomentsBenchmark.Row]
    do { rows = try MomentsBenchmark.run(evaluations: evaluations) } catch let e as BenchmarkError {
      throw ValidationError(e.description)
    }
    var table = Table(columns: ["activation", "method(s)", "evaluations/s", "mean µs/eval"])
    var results: [[String: String]] = []
    for row in rows {
      table.append([
        row.activation.rawValue, row.methods, String(format: "%.0f", row.evaluationsPerSecond),
        String(format: "%.2f", row.microsecondsPerEvaluation),
      ])
      results.append([
        "activation": row.activation.rawValue, "methods": row.methods,
        "evaluations_per_second": String(format: "%.1f", row.evaluationsPerSecond),
      ])
    }
    var batchedTable = Table(columns: ["activation", "s grid", "quantities", "elements/s", "batched-rule share"])
    var batchedResults: [[String: String]] = []
    if batched > 0 {
      let batchedRows: [BatchedMomentsBenchmark.Row]
      do { batchedRows = try BatchedMomentsBenchmark.run(elements: batched, repeats: repeats) } catch let e as BenchmarkError {
        throw ValidationError(e.description)
      }
      for row in batchedRows {
        batchedTable.append([
          row.activation.rawValue, row.grid.rawValue, row.quantities, String(format: "%.4g", row.elementsPerSecond),
          String(format: "%.2f", row.ruleShare),
        ])
        batchedResults.append([
          "activation": row.activation.rawValue, "grid": row.grid.rawValue, "quantities": row.quantities,
          "elements_per_second": String(format: "%.1f", row.elementsPerSecond), "rule_share": String(format: "%.3f", row.ruleShare),
        ])
      }
    }
    if output.json {
      print(try JSONOutput.string(batched > 0 ? ["moments": results, "batched": batchedResults] : ["moments": results]))
    } else {
      print(table.render(output.format), terminator: "")
      if batched > 0 { print(batchedTable.render(output.format), terminator: "") }
    }
  }
}

/// The batched-ensemble benchmark; `benchmarks/sde_bench.sh` runs it next to
/// the same computation in NumPy and prints the ratio.
struct BenchSDE: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "sde",
    abstract: "Neuron-steps per second of a batched noise-in tanh ensemble (64 neurons).",
    discussion: """
      x <- (1-gamma) x + gamma tanh(W x + b + sigma xi), gamma = 0.1, sigma = 0.5; best of --repeats runs.
      Example: fixedpoints bench sde --trajectories 200 --steps 500
      """)

  @Option(help: "Trajectories in the ensemble.") var trajectories = 1000
  @Option(help: "Steps per trajectory.") var steps = 2000
  @Option(help: "Neurons.") var dimension = 64
  @Option(help: "Threads (results do not depend on it).") var threads = ProcessInfo.processInfo.activeProcessorCount
  @Option(help: "Timed runs; the best is reported.") var repeats = 3
  @Option(help: "Seed of the weights and the noise.") var seed: UInt64 = 1
  @OptionGroup var precision: PrecisionOptions
  @OptionGroup var output: OutputOptions

  func validate() throws {
    for (name, value) in [("--trajectories", trajectories), ("--steps", steps), ("--dimension", dimension), ("--threads", threads), ("--repeats", repeats)] where value < 1 {
      throw ValidationError("\(name) must be positive, got \(value)")
    }
  }

  func run() throws {
    let r = try SDEBenchmark.run(
      trajectories: trajectories, steps: steps, dimension: dimension, threads: threads, repeats: repeats, seed: seed,
      precision: precision.precision)
    if output.json {
      struct Report: Encodable {
        var neuron_steps_per_second, seconds, mean_final_state: Double
        var trajectories, steps, dimension, threads: Int
        var blas: String
        var precision: String
      }
      print(try JSONOutput.string(Report(
        neuron_steps_per_second: r.neuronStepsPerSecond, seconds: r.seconds, mean_final_state: r.meanFinalState,
        trajectories: r.trajectories, steps: r.steps, dimension: r.dimension, threads: r.threads, blas: r.blas,
        precision: precision.precision.rawValue)))
      return
    }
    var table = Table(columns: ["trajectories", "steps", "neurons", "threads", "BLAS", "precision", "seconds", "neuron-steps/s"])
    table.append([
      "\(r.trajectories)", "\(r.steps)", "\(r.dimension)", "\(r.threads)", r.blas, precision.precision.rawValue,
      String(format: "%.3f", r.seconds), String(format: "%.3g", r.neuronStepsPerSecond),
    ])
    print(table.render(output.format), terminator: "")
  }
}
