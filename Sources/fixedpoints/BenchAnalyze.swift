import ArgumentParser
import Benchmarks
import CTRNN
import Foundation
import Reports

/// Times `analyze` on a checkpoint (`AnalyzeBenchmark`) against the 2 s
/// budget the CLI promises for the bundled model. Prints ratios; never
/// asserts a time (the machines are shared).
struct BenchAnalyze: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "analyze",
    abstract: "Seconds per analyze run on a checkpoint (default: the bundled model), best of --repeats.",
    discussion: """
      Times the default analysis (--schemes chain), whose ratio to the 2 s budget
      is reported, then the same with --schemes chain,em,milstein (not the
      default; no budget). Example: fixedpoints bench analyze --repeats 5
      """)

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
    let rows = try AnalyzeBenchmark.run(model, repeats: repeats, threads: threads)
    if output.json {
      print(try JSONOutput.string(rows.map { ["run": $0.label, "seconds": String(format: "%.4f", $0.seconds), "budget_ratio": String(format: "%.3f", $0.budgetRatio)] }))
      return
    }
    var table = Table(columns: ["run", "seconds (best of \(repeats))", "fraction of the 2 s budget"], caption: "\(path), \(model.hiddenSize) units, default analyze options, \(threads) thread(s)")
    // The budget is the default run's; the other row shows "-" there, so it
    // cannot read as over budget.
    for (k, row) in rows.enumerated() {
      table.append([row.label, String(format: "%.3f", row.seconds), k == 0 ? String(format: "%.2f", row.budgetRatio) : "-"])
    }
    print(table.render(output.format), terminator: "")
  }
}
