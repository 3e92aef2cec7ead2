import Foundation
import GaussianMoments

/// Moment evaluations per second, per activation: each activation is
/// evaluated at the same fixed grid of (μ, s), cycled through.
public enum MomentsBenchmark {
  public struct Row: Sendable {
    public var activation: Activation
    /// The evaluation methods used over the grid, sorted, joined by "+".
    public var methods: String
    public var evaluationsPerSecond: Double
    /// Mean microseconds per evaluation.
    public var microsecondsPerEvaluation: Double { 1e6 / evaluationsPerSecond }
  }

  /// A representative grid: |μ| ≤ 3, s from 0.05 to 2 (the trained-network regime).
  public static let grid: [(mu: Double, sigma: Double)] = stride(from: -3.0, through: 3.0, by: 0.5).flatMap { mu in
    [0.05, 0.2, 0.5, 1.0, 2.0].map { (mu, $0) }
  }

  /// `evaluations` moment evaluations of every activation, timed one activation at a time.
  public static func run(evaluations: Int) throws -> [Row] {
    let evaluator = try MomentEvaluator()
    var rows: [Row] = []
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
      // Using the sum keeps the work from being optimised away, and a
      // non-finite moment here means the benchmark measured a failure.
      guard sink.isFinite else { throw BenchmarkError.failed("non-finite moment in the benchmark") }
      rows.append(Row(activation: f, methods: methods.sorted().joined(separator: "+"), evaluationsPerSecond: Double(evaluations) / seconds))
    }
    return rows
  }
}

/// A benchmark whose computation did not do what it should (so its time means nothing).
public enum BenchmarkError: Error, CustomStringConvertible, Sendable {
  case failed(String)
  public var description: String {
    switch self {
    case .failed(let m): m
    }
  }
}
