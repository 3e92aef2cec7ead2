import ArgumentParser
import Foundation
import GaussianMoments
import Reports

struct Bench: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Measure throughput (prints rates; never asserts a time).",
    subcommands: [BenchMoments.self])
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
