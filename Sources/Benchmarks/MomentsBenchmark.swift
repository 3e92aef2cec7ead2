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

/// Batched moments (`MomentEvaluator.batchedMoments`) over arrays of (μ, s):
/// (μ, s) elements per second for the mean alone and for mean + slope, the
/// work `benchmarks/moments_numpy.py` does with a vectorised 40-node
/// Gauss–Hermite rule on the same grid.
public enum BatchedMomentsBenchmark {
  public struct Row: Sendable {
    public var activation: Activation
    /// "mean" or "mean+slope".
    public var quantities: String
    public var elementsPerSecond: Double
    /// Share of the elements the single-rule path took (the rest: scalar path).
    public var ruleShare: Double
  }

  /// The grid: μ from −3 to 3 in steps of 0.25 and s ∈ {0.05, 0.2, 0.5, 0.8}
  /// (the trained-network regime, and where the noise-in closure of the
  /// bundled tanh model spends its time), repeated to `elements` entries.
  /// `benchmarks/moments_numpy.py` builds the same grid.
  public static func grid(elements: Int) -> (mu: [Double], sigma: [Double]) {
    let mus = stride(from: -3.0, through: 3.0, by: 0.25).map { $0 }
    let sigmas = [0.05, 0.2, 0.5, 0.8]
    var mu: [Double] = [], sigma: [Double] = []
    mu.reserveCapacity(elements)
    sigma.reserveCapacity(elements)
    var k = 0
    while mu.count < elements {
      mu.append(mus[k % mus.count])
      sigma.append(sigmas[(k / mus.count) % sigmas.count])
      k += 1
    }
    return (mu, sigma)
  }

  /// Best of `repeats` timed batched evaluations of `elements` (μ, s) each.
  public static func run(elements: Int, repeats: Int, activations: [Activation] = [.tanh, .sigmoid, .softplus]) throws -> [Row] {
    let evaluator = try MomentEvaluator()
    let (mu, sigma) = grid(elements: elements)
    var rows: [Row] = []
    for f in activations {
      let ruled = sigma.filter { $0 > 0 && $0 <= MomentEvaluator.batchedRuleMaxSigma(f) }.count
      for (name, what) in [("mean", MomentSelection.mean), ("mean+slope", MomentSelection.meanAndSlope)] {
        var best = Double.infinity
        for _ in 0..<repeats {
          let start = DispatchTime.now().uptimeNanoseconds
          let r = try evaluator.batchedMoments(f, mu: mu, sigma: sigma, what)
          let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9
          guard r.mean.allSatisfy(\.isFinite) else { throw BenchmarkError.failed("non-finite batched moment in the benchmark") }
          best = Swift.min(best, seconds)
        }
        rows.append(Row(activation: f, quantities: name, elementsPerSecond: Double(elements) / best, ruleShare: Double(ruled) / Double(elements)))
      }
    }
    return rows
  }
}
