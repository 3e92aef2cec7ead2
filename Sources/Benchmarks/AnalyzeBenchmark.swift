import CTRNN
import Foundation

/// Seconds per `analyze` run on a checkpoint with its default settings,
/// against the 2 s budget the CLI promises for the bundled model. Reports
/// ratios; never asserts a time (the machines are shared).
public enum AnalyzeBenchmark {
  /// The time `analyze` may take on the bundled model.
  public static let budgetSeconds = 2.0

  public struct Row: Sendable {
    public var label: String
    /// Best of the repeats.
    public var seconds: Double
    public var budgetRatio: Double { seconds / AnalyzeBenchmark.budgetSeconds }
  }

  /// The default analysis (the chain alone, what `analyze` runs and the
  /// budget is for) first, then the same with every scheme, which is not
  /// the default and has no budget.
  public static let runs: [(label: String, schemes: [NetworkScheme])] = [
    ("analyze (default: --schemes chain)", [.chain]),
    ("analyze --schemes chain,em,milstein", [.chain, .eulerMaruyama, .milstein]),
  ]

  public static func run(_ model: Checkpoint, repeats: Int, threads: Int) throws -> [Row] {
    var rows: [Row] = []
    for (label, schemes) in runs {
      var options = NetworkAnalysis.Options()
      options.schemes = schemes
      options.simulation.threads = threads
      var best = Double.infinity
      for _ in 0..<max(1, repeats) {
        let start = DispatchTime.now().uptimeNanoseconds
        let a = try NetworkAnalysis(checkpoint: model, input: nil, options: options)
        best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9)
        guard !a.levels.isEmpty else { throw BenchmarkError.failed("the analysis produced no levels") }
      }
      rows.append(Row(label: label, seconds: best))
    }
    return rows
  }
}
