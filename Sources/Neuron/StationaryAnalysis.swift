import Foundation
import Platform
import SDE

/// Mean ± standard error (and variance) of one ensemble's stationary samples.
public struct EnsembleEstimate: Sendable {
  public var mean: Double
  public var meanStandardError: Double
  public var variance: Double
  public var varianceStandardError: Double
  public var histogram: Histogram?

  init(_ s: EnsembleSolution) throws {
    guard let st = s.statistics else { throw SDEError.numerical("ensemble returned no statistics") }
    guard s.failures.isEmpty else {
      throw SDEError.numerical("\(s.failures.count) trajectories became non-finite")
    }
    mean = st.mean[0]
    meanStandardError = st.meanStandardError[0]
    variance = st.variance[0]
    varianceStandardError = st.varianceStandardError[0]
    histogram = st.histogram
  }

  /// (mean − reference)/SE.
  public func zScore(against reference: Double) -> Double {
    meanStandardError > 0 ? (mean - reference) / meanStandardError : (mean == reference ? 0 : .infinity)
  }
}

/// Every estimate of the neuron's stationary law side by side.
public struct StationaryAnalysis: Sendable {
  public struct Options: Sendable {
    public var trajectories = 200
    public var steps = 20_000
    public var burnIn = 2_000
    public var seed: UInt64 = 1
    public var threads = ProcessInfo.processInfo.activeProcessorCount
    public var cells = 400
    public var histogramBins = 60
    public init() {}

    public func validate() throws(NeuronError) {
      guard trajectories >= 2 else {
        throw .invalidParameter(.trajectories, message: "must be at least 2, got \(trajectories)")
      }
      guard steps >= 1 else { throw .invalidParameter(.steps, message: "must be at least 1, got \(steps)") }
      guard burnIn >= 0, burnIn < steps else {
        throw .invalidParameter(.burnIn, message: "must be in 0..<steps (\(steps)), got \(burnIn)")
      }
      guard threads >= 1 else { throw .invalidParameter(.threads, message: "must be at least 1, got \(threads)") }
      // A time bound: three ensembles of trajectories × steps steps each.
      let (work, overflow) = trajectories.multipliedReportingOverflow(by: steps)
      guard !overflow, work <= Self.maximumTrajectorySteps else {
        throw .productTooLarge(
          .trajectories, .steps, values: (trajectories, steps), limit: Self.maximumTrajectorySteps, unit: "steps per ensemble")
      }
      guard cells >= 8, cells <= Self.maximumCells else {
        throw .invalidParameter(
          .cells,
          message: "must be in 8...\(Self.maximumCells), got \(cells) (the transfer operator is a dense cells × cells solve)")
      }
    }

    /// The largest transfer-operator grid: its LU solve is O(cells³), about a
    /// minute at 5000 cells, and its matrices 2 · cells² doubles (400 MB).
    public static let maximumCells = 5000
    /// The largest trajectories × steps of one ensemble: 10⁹ one-dimensional
    /// steps take tens of seconds, and there are three ensembles.
    public static let maximumTrajectorySteps = 1_000_000_000

    /// Throws `PlatformError.memory` when the transfer operator's matrices
    /// (2 · cells² doubles) or the ensembles' per-trajectory state and
    /// batch sums (about 2 · (bins + 64) doubles each) exceed the budget.
    public func checkMemory(_ budget: MemoryBudget) throws {
      try budget.require(
        bytes: MemoryBudget.checkedProduct(2, cells, cells, 8, what: "the transfer operator at cells = \(cells)"),
        for: "the transfer operator at cells = \(cells)")
      try budget.require(
        bytes: MemoryBudget.checkedProduct(trajectories, 2 * (histogramBins + 64), 8, what: "an ensemble of \(trajectories) trajectories"),
        for: "an ensemble of \(trajectories) trajectories")
    }
  }

  public let neuron: SingleNeuron
  public let deterministicFixedPoints: [FixedPoint]
  public let noiseAveragedFixedPoints: [FixedPoint]
  public let chain: TransferOperatorDensity
  public let fokkerPlanck: FokkerPlanckDensity
  public let eulerMaruyama: EnsembleEstimate
  public let milstein: EnsembleEstimate
  public let chainEnsemble: EnsembleEstimate

  /// The noise-averaged fixed point nearest the chain mean (nil if none).
  public var noiseAveragedFixedPoint: Double? {
    noiseAveragedFixedPoints.min { abs($0.x - chain.mean) < abs($1.x - chain.mean) }?.x
  }
  /// The deterministic fixed point nearest the chain mean (nil if none).
  public var nearestDeterministicFixedPoint: Double? {
    deterministicFixedPoints.min { abs($0.x - chain.mean) < abs($1.x - chain.mean) }?.x
  }
  /// Stationary chain mean minus the nearest deterministic fixed point.
  public var bias: Double? { nearestDeterministicFixedPoint.map { chain.mean - $0 } }

  public init(neuron: SingleNeuron, options: Options) throws {
    try options.validate()
    self.neuron = neuron
    deterministicFixedPoints = try neuron.deterministicFixedPoints()
    noiseAveragedFixedPoints = try neuron.noiseAveragedFixedPoints()
    chain = try neuron.transferOperator(cells: options.cells)
    let domain = chain.domain
    let table = try neuron.momentTable(xRange: SingleNeuron.tableRange(around: domain))
    let approx = neuron.diffusionApproximation(table: table)
    let width = domain.upperBound - domain.lowerBound
    fokkerPlanck = try approx.fokkerPlanck(center: chain.mean, scale: max(width / 20, 1e-9))
    let histogram = HistogramSpec(lower: domain.lowerBound, upper: domain.upperBound, bins: options.histogramBins)
    let ensemble = EnsembleOptions(
      trajectories: options.trajectories, seed: options.seed, threads: options.threads,
      stationary: StationaryOptions(burnIn: options.burnIn, histogram: histogram))
    let x0 = chain.mean
    let sde = try approx.problem(initialState: x0, steps: options.steps)
    eulerMaruyama = try EnsembleEstimate(Ensemble.solve(sde, EulerMaruyama(), options: ensemble))
    milstein = try EnsembleEstimate(Ensemble.solve(sde, Milstein(), options: ensemble))
    chainEnsemble = try EnsembleEstimate(Ensemble.solve(neuron.chain(initialState: x0, steps: options.steps), options: ensemble))
  }
}
