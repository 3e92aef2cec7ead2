import ArgumentParser
import CTRNN
import Foundation
import Reports

/// Times `analyze` on a checkpoint with its default settings, stage by
/// stage, against the 2 s budget the CLI promises for the bundled model.
/// Prints ratios; never asserts a time (the machines are shared).
struct BenchAnalyze: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "analyze",
    abstract: "Seconds per analyze run on a checkpoint (default: the bundled model), best of --repeats.",
    discussion: "Reports the whole analysis and each scheme's share, and the ratio to the 2 s budget.")

  @Argument(help: "A .ckpt file (default: the bundled model).") var checkpoint: String?
  @Option(help: "Timed runs; the best is reported.") var repeats = 3
  @Option(help: "Threads (results do not depend on it).") var threads = ProcessInfo.processInfo.activeProcessorCount
  @OptionGroup var output: OutputOptions

  func validate() throws {
    guard repeats >= 1 else { throw ValidationError("--repeats must be positive, got \(repeats)") }
    guard threads >= 1 else { throw ValidationError("--threads must be positive, got \(threads)") }
  }

  func run() throws {
    let path = try checkpoint ?? BundledModel.defaultPath()
    let model = try Checkpoint(contentsOf: URL(fileURLWithPath: path))
    var rows: [(String, Double)] = []
    for (label, schemes) in [("analyze (chain, em, milstein)", [NetworkScheme.chain, .eulerMaruyama, .milstein]), ("chain only", [.chain])] {
      var options = NetworkAnalysis.Options()
      options.schemes = schemes
      options.simulation.threads = threads
      var best = Double.infinity
      for _ in 0..<repeats {
        let start = DispatchTime.now().uptimeNanoseconds
        let a = try NetworkAnalysis(checkpoint: model, input: nil, options: options)
        best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9)
        if a.levels.isEmpty { throw ValidationError("the analysis produced no levels") }
      }
      rows.append((label, best))
    }
    if output.json {
      print(try JSONOutput.string(rows.map { ["run": $0.0, "seconds": String(format: "%.4f", $0.1), "budget_ratio": String(format: "%.3f", $0.1 / 2)] }))
      return
    }
    var table = Table(columns: ["run", "seconds (best of \(repeats))", "fraction of the 2 s budget"], caption: "\(path), \(model.hiddenSize) units, default analyze options, \(threads) thread(s)")
    for (label, s) in rows { table.append([label, String(format: "%.3f", s), String(format: "%.2f", s / 2)]) }
    print(table.render(output.format), terminator: "")
  }
}
