import CTRNN
import Dispatch
import Foundation
import GSL

/// Seconds per stage of the default `analyze` on random relu networks of
/// growing size: how the analysis scales with N. Runs the library's own
/// stages (NetworkAnalysis+Stages.swift) in the order `NetworkAnalysis`
/// does, with two clocks around each: wall seconds, and processor seconds
/// of every thread (the stages run one after the other, so the process's
/// CPU time over a stage is that stage's). On a shared machine the wall
/// time swings with the load; CPU time much less. Never asserts a time.
public enum AnalyzeStagesBenchmark {
  public struct Row: Sendable {
    public var hidden: Int
    /// Deterministic fixed-point search (stage 1).
    public var search: Double
    /// Mean-field branches continued in σ from every fixed point (stage 2).
    public var branches: Double
    /// Gaussian closure over every σ (stage 3).
    public var closure: Double
    /// Stationary ensembles over every σ, moment tables included (stage 4).
    public var simulation: Double
    /// Per-attractor levels (stage 4b; zero unless ≥ 2 stable points).
    public var multistable: Double
    /// The small-noise expansion at every σ (the report's analytic_small_noise column).
    public var smallNoise = 0.0
    public var fixedPoints: Int
    /// Outer (mean ↔ covariance) iterations of the closure, summed over σ.
    public var closureIterations = 0
    public var total: Double { search + branches + closure + simulation + multistable + smallNoise }
    /// Processor seconds of the whole process over the analysis (every
    /// thread): less sensitive to other load on the machine than `total`.
    public var cpu: Double = 0
    /// Processor seconds per stage (every thread), in the order above.
    public var searchCPU = 0.0, branchesCPU = 0.0, closureCPU = 0.0, simulationCPU = 0.0, multistableCPU = 0.0, smallNoiseCPU = 0.0
  }

  /// A random noise-in relu network of `hidden` units for the `function`
  /// task (one input, one output, so `analyze` has a default input):
  /// W_rec ~ N(0, g²/N) with g = 0.8, so the bulk of its spectrum lies in a
  /// disc of radius 0.8 and the network has one stable fixed point, as a
  /// trained one typically does; W_in ~ N(0, 1), W_out ~ N(0, 1/N) (an O(1)
  /// readout); b ~ N(0.1, 0.1²).
  public static func randomRelu(hidden n: Int, seed: UInt64 = 1) throws -> Checkpoint {
    let rng = try GSLRandom(seed: UInt(truncatingIfNeeded: seed))
    let scale = 0.8 / Double(n).squareRoot()
    let w = Matrix(rows: n, columns: n, elements: (0..<(n * n)).map { _ in scale * rng.gaussian() })
    let input = Matrix(rows: n, columns: 1, elements: (0..<n).map { _ in rng.gaussian() })
    let bias = (0..<n).map { _ in 0.1 + 0.1 * rng.gaussian() }
    let out = Matrix(rows: 1, columns: n, elements: (0..<n).map { _ in rng.gaussian() / Double(n).squareRoot() })
    return try Checkpoint(
      activation: .relu, noise: .inside, sigmaTrain: 0.1, dt: 0.1, tau: 1, recurrent: w, inputWeights: input, bias: bias,
      readoutWeights: out, readoutBias: [0], task: "function", seed: "\(seed)")
  }

  /// One default analysis of `model`, stage by stage.
  public static func run(_ model: Checkpoint, threads: Int) throws -> Row {
    var options = NetworkAnalysis.Options()
    options.simulation.threads = threads
    let sigmas = options.sortedSigmas
    func clock<T>(_ seconds: inout Double, _ cpu: inout Double, _ body: () throws -> T) rethrows -> T {
      let start = DispatchTime.now().uptimeNanoseconds, cpuStart = processorSeconds()
      defer {
        seconds += Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9
        cpu += processorSeconds() - cpuStart
      }
      return try body()
    }
    var row = Row(hidden: model.hiddenSize, search: 0, branches: 0, closure: 0, simulation: 0, multistable: 0, fixedPoints: 0)
    let cpuStart = processorSeconds()
    let problem = try AnalysisProblem(checkpoint: model, input: nil)
    let network = problem.network
    let census = try clock(&row.search, &row.searchCPU) {
      try network.findFixedPoints(
        largestSigma: sigmas.last ?? 0, simulation: options.simulation, search: options.search, slowPointSpeed: nil)
    }
    row.fixedPoints = census.fixedPoints.count
    let branches = try clock(&row.branches, &row.branchesCPU) { try network.continueBranches(from: census, sigmas: sigmas, threads: threads) }
    // In `NetworkAnalysis`'s order: every closure, then every σ's ensembles
    // (in lockstep), then the per-σ assembly.
    let starts = sigmas.map { branches.reference.point(at: $0)?.h ?? census.reference.h }
    let closures = clock(&row.closure, &row.closureCPU) {
      network.closures(levels: Array(zip(sigmas, starts)).map { (sigma: $0.0, start: $0.1) }, threads: threads)
    }
    row.closureIterations = closures.reduce(0) { $0 + ($1.closure?.iterations ?? 0) }
    let simulations = clock(&row.simulation, &row.simulationCPU) {
      network.simulate(
        levels: sigmas.indices.map { (sigma: sigmas[$0], start: starts[$0], closure: closures[$0].closure) },
        schemes: options.schemes, options: options.ensembles)
    }
    var previous: MultistableLevel?
    var levels: [NetworkAnalysis.Level] = []
    for (i, sigma) in sigmas.enumerated() {
      let meanField = branches.reference.point(at: sigma)
      let simulated = try simulations[i].get()
      var occupancy = options.occupancy
      occupancy.seed = options.simulation.seed
      previous = try clock(&row.multistable, &row.multistableCPU) {
        try network.multistableLevel(sigma: sigma, census: census, branches: branches, options: occupancy, previous: previous)
      }
      var level = NetworkAnalysis.Level(
        sigma: sigma, meanField: meanField, closure: closures[i], simulated: simulated, reference: census.reference,
        target: problem.target)
      level.multistable = previous
      levels.append(level)
    }
    let analysis = NetworkAnalysis(problem: problem, options: options, census: census, branches: branches, levels: levels)
    _ = clock(&row.smallNoise, &row.smallNoiseCPU) { analysis.smallNoiseExpansions() }
    row.cpu = processorSeconds() - cpuStart
    return row
  }

  /// CLOCK_PROCESS_CPUTIME_ID in seconds.
  static func processorSeconds() -> Double {
    var t = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t)
    return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
  }
}
