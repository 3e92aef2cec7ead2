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
  /// The (μ, s) grids: μ from −3 to 3 in steps of 0.25 on both; s in
  /// `narrow` ∈ {0.05, 0.2, 0.5, 0.8} (the trained-network regime, where the
  /// Gauss–Hermite rules apply) and in `wide` ∈ {1.5, 3, 10, 50} (up to the
  /// mpmath table's largest s, where the spectral rule does, and
  /// `WideGaussianRule` what it declines). The NumPy
  /// rule is not accurate on the wide grid (tanh at s = 50 would need
  /// thousands of nodes): its row there is the throughput a user gets.
  public enum Grid: String, CaseIterable, Sendable {
    case narrow, wide
    public var sigmas: [Double] { self == .narrow ? [0.05, 0.2, 0.5, 0.8] : [1.5, 3, 10, 50] }
  }

  public struct Row: Sendable {
    public var activation: Activation
    public var grid: Grid
    /// "mean" or "mean+slope".
    public var quantities: String
    public var elementsPerSecond: Double
    /// Share of the elements a batched rule took (the rest: scalar path).
    public var ruleShare: Double
  }

  /// μ from −3 to 3 in steps of 0.25 against the grid's s, repeated to
  /// `elements` entries. `benchmarks/moments_numpy.py` builds the same grid.
  public static func grid(_ g: Grid, elements: Int) -> (mu: [Double], sigma: [Double]) {
    let mus = stride(from: -3.0, through: 3.0, by: 0.25).map { $0 }
    let sigmas = g.sigmas
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

  /// Best of `repeats` timed batched evaluations of `elements` (μ, s) each, per grid.
  public static func run(
    elements: Int, repeats: Int, activations: [Activation] = [.tanh, .sigmoid, .softplus], grids: [Grid] = Grid.allCases
  ) throws -> [Row] {
    let evaluator = try MomentEvaluator()
    var rows: [Row] = []
    for g in grids {
      let (mu, sigma) = grid(g, elements: elements)
      for f in activations {
        let ruled = zip(mu, sigma).filter { m, s in
          s > 0 && (s <= MomentEvaluator.batchedRuleMaxSigma(f) || MomentEvaluator.wideRuleCovers(f, mu: m, sigma: s))
        }.count
        for (name, what) in [("mean", MomentSelection.mean), ("mean+slope", MomentSelection.meanAndSlope)] {
          var best = Double.infinity
          for _ in 0..<repeats {
            let start = DispatchTime.now().uptimeNanoseconds
            let r = try evaluator.batchedMoments(f, mu: mu, sigma: sigma, what)
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9
            guard r.mean.allSatisfy(\.isFinite) else { throw BenchmarkError.failed("non-finite batched moment in the benchmark") }
            best = Swift.min(best, seconds)
          }
          rows.append(Row(activation: f, grid: g, quantities: name, elementsPerSecond: Double(elements) / best, ruleShare: Double(ruled) / Double(elements)))
        }
      }
    }
    return rows
  }
}
