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
  @Option(help: ArgumentHelp("Instead of a checkpoint: random relu networks of these sizes (e.g. 256,512,1024), one default analysis each, timed per stage.", valueName: "n,n,…"))
  var hidden: String?
  @Option(help: "Timed runs; the best is reported.") var repeats = 3
  @Option(help: "Threads (results do not depend on it).") var threads = ProcessInfo.processInfo.activeProcessorCount
  @OptionGroup var output: OutputOptions

  func validate() throws {
    guard repeats >= 1 else { throw ValidationError("--repeats must be positive, got \(repeats)") }
    guard threads >= 1 else { throw ValidationError("--threads must be positive, got \(threads)") }
    if hidden != nil {
      guard checkpoint == nil else { throw ValidationError("give a checkpoint or --hidden, not both") }
      _ = try sizes()
    }
  }

  func run() throws {
    if hidden != nil { return try runStages(try sizes()) }
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

  /// `--hidden` as sizes, each in 1...4096.
  private func sizes() throws -> [Int] {
    try (hidden ?? "").split(separator: ",", omittingEmptySubsequences: false).map { part in
      guard let n = Int(part.trimmingCharacters(in: .whitespaces)), (1...4096).contains(n) else {
        throw ValidationError("--hidden takes sizes in 1...4096 separated by commas, got '\(part)'")
      }
      return n
    }
  }

  /// `--hidden`: seconds per stage of one default analysis per size.
  private func runStages(_ sizes: [Int]) throws {
    var rows: [AnalyzeStagesBenchmark.Row] = []
    for n in sizes {
      rows.append(try AnalyzeStagesBenchmark.run(AnalyzeStagesBenchmark.randomRelu(hidden: n), threads: threads))
    }
    func f(_ x: Double) -> String { String(format: "%.3f", x) }
    if output.json {
      print(try JSONOutput.string(rows.map {
        [
          "hidden": "\($0.hidden)", "fixed_points": "\($0.fixedPoints)", "search": f($0.search), "branches": f($0.branches),
          "closure": f($0.closure), "simulation": f($0.simulation), "multistable": f($0.multistable), "total": f($0.total), "cpu": f($0.cpu), "closure_iterations": "\($0.closureIterations)",
          "search_cpu": f($0.searchCPU), "branches_cpu": f($0.branchesCPU), "closure_cpu": f($0.closureCPU),
          "simulation_cpu": f($0.simulationCPU), "multistable_cpu": f($0.multistableCPU),
          "small_noise": f($0.smallNoise), "small_noise_cpu": f($0.smallNoiseCPU),
        ]
      }))
      return
    }
    // Each stage as "wall s / cpu s": under load the wall time swings, the CPU time much less.
    func g(_ wall: Double, _ cpu: Double) -> String { f(wall) + " / " + f(cpu) }
    var table = Table(
      columns: ["N", "fixed points", "search", "branches", "closure (iterations)", "simulation", "multistable", "small noise", "total", "cpu s"],
      caption: "random relu networks (noise-in, W ~ N(0, 0.8²/N), seed 1), default analyze options, \(threads) thread(s), one run each; each stage wall s / cpu s, cpu = processor seconds of every thread")
    for r in rows {
      table.append([
        "\(r.hidden)", "\(r.fixedPoints)", g(r.search, r.searchCPU), g(r.branches, r.branchesCPU),
        g(r.closure, r.closureCPU) + " (\(r.closureIterations))", g(r.simulation, r.simulationCPU), g(r.multistable, r.multistableCPU),
        g(r.smallNoise, r.smallNoiseCPU), f(r.total), f(r.cpu),
      ])
    }
    print(table.render(output.format), terminator: "")
  }
}
