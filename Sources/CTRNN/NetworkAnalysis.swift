import Foundation
import GSL
import GaussianMoments
import SDE

/// The `analyze` report for one checkpoint at one constant input
/// (DESIGN.md, "What analysis means"): deterministic fixed points, the
/// mean-field branch continued in σ, the Gaussian closure and simulated
/// stationary laws at every σ_test, the noise-induced bias, and the output
/// error against the task's target.
public struct NetworkAnalysis: Sendable {
  public struct Options: Sendable {
    public var sigmas: [Double] = stride(from: 0.0, through: 1.0, by: 0.1).map { ($0 * 10).rounded() / 10 }
    public var simulation = NetworkSimulationOptions()
    /// Schemes simulated at every σ > 0; the first is the one the table's
    /// "simulated" column and the z-scores use.
    public var schemes: [NetworkScheme] = [.chain]
    public var search = FixedPointSearch()
    /// Also look for slow points (minima of q = ½‖F(h) − h‖² with q ≤ this).
    public var slowPointSpeed: Double?
    /// The per-basin ensembles run when the census has ≥ 2 stable points
    /// (their seed is `simulation.seed`).
    public var occupancy = AttractorOccupancy.Options()
    public init() {}

    public func validate() throws(NetworkError) {
      guard !sigmas.isEmpty else { throw .invalidParameter(.sigma, message: "needs at least one value") }
      for s in sigmas where !(s.isFinite && s >= 0 && s <= Self.maximumSigma) {
        throw .invalidParameter(.sigma, message: "values must be finite and in 0...\(Self.maximumSigma), got \(s)")
      }
      guard !schemes.isEmpty else { throw .invalidParameter(.schemes, message: "needs at least one scheme") }
      try simulation.validate()
    }

    /// The largest σ_test: the mean-field branch is continued from σ = 0 in
    /// steps, which at σ = 10³ already takes many seconds, and far beyond the
    /// pre-activations' scale every activation's noise average is at its
    /// asymptote, so larger σ says nothing new.
    public static let maximumSigma = 100.0

    /// The options the σ-level ensembles run with: `simulation` without the
    /// state's N×N covariance, since the report reads their readouts only
    /// (see `NetworkSimulationOptions.stateCovariance`).
    public var ensembles: NetworkSimulationOptions {
      var e = simulation
      e.stateCovariance = false
      return e
    }

    /// The σ_test values ascending, each once.
    public var sortedSigmas: [Double] { Array(Set(sigmas)).sorted() }
  }

  /// Everything computed at one σ_test. Readout quantities have one entry per output.
  public struct Level: Sendable {
    public var sigma: Double
    /// Mean-field readout W_out h(σ) + b_out, h(σ) = E f(W h + c + σξ); nil past the branch's end.
    public var meanField: [Double]?
    /// The Gaussian closure's result: converged, or failed and why.
    public var closureOutcome: ClosureOutcome
    /// One estimate per scheme (empty at σ = 0, where the law is the fixed point).
    public var simulated: [NetworkStationaryEstimate]
    /// Readout mean of the primary scheme (the fixed point's readout at σ = 0).
    public var simulatedMean: [Double]
    public var simulatedStandardError: [Double]
    /// Simulated stationary readout minus the σ = 0 fixed point's readout.
    public var bias: [Double]
    /// (simulated − closure)/SE, per output; nil without closure or at σ = 0.
    public var z: [Double]?
    /// E‖z − target‖²/O from the simulated mean and covariance; nil without a task.
    public var outputError: Double?
    /// The same from the closure's mean and covariance.
    public var outputErrorClosure: Double?
    /// Per attractor, when the census has ≥ 2 stable fixed points; nil otherwise.
    public var multistable: MultistableLevel? = nil

    public var closure: GaussianClosure? { closureOutcome.closure }
    /// Why the closure is missing, when it is.
    public var closureFailure: String? { closureOutcome.failure }
  }

  public let checkpoint: Checkpoint
  public let network: Network
  public let task: TaskTarget?
  public let target: [Double]?
  public let options: Options
  public let fixedPoints: [NetworkFixedPoint]
  /// How the fixed-point search went (completeness, stopping reason).
  public let search: FixedPointSearchReport
  /// Slow points, when `options.slowPointSpeed` asked for them.
  public let slowPoints: [SlowPoint]
  /// The fixed point the noiseless network reaches from h = 0 (the task's
  /// initial state): the reference for the bias and the start of the branch.
  public let reference: NetworkFixedPoint
  public let branch: AveragedBranch
  /// The mean-field branch from each fixed point, in `fixedPoints` order.
  public let branches: [AveragedBranch]
  public let levels: [Level]

  /// The analysis from its stages' results (see NetworkAnalysis+Stages.swift).
  public init(problem: AnalysisProblem, options: Options, census: FixedPointCensus, branches: MeanFieldBranches, levels: [Level]) {
    checkpoint = problem.checkpoint
    network = problem.network
    task = problem.task
    target = problem.target
    self.options = options
    fixedPoints = census.fixedPoints
    search = census.search
    slowPoints = census.slowPoints
    reference = census.reference
    branch = branches.reference
    self.branches = branches.all
    self.levels = levels
  }

  /// The whole pipeline: the network at its input → fixed points → mean-field
  /// branches → at every σ the Gaussian closure and the simulated ensembles
  /// → one level each. `progress` receives one line per finished stage (the
  /// CLI shows it on stderr when stderr is a terminal).
  public init(checkpoint: Checkpoint, input: [Double]?, options: Options, progress: (String) -> Void = { _ in }) throws {
    try options.validate()
    let problem = try AnalysisProblem(checkpoint: checkpoint, input: input)
    let network = problem.network
    let sigmas = options.sortedSigmas
    let census = try network.findFixedPoints(
      largestSigma: sigmas.last ?? 0, simulation: options.simulation, search: options.search,
      slowPointSpeed: options.slowPointSpeed)
    progress("fixed points: \(census.fixedPoints.count) found, reference spectral radius \(census.reference.spectralRadius)")
    let branches = try network.continueBranches(from: census, sigmas: sigmas, threads: options.simulation.threads)
    progress("mean-field branch: " + (branches.reference.outcome.endReason ?? "reached sigma = \(sigmas.last ?? 0)"))
    // Every closure first, then every simulation: the ensembles (which
    // start from the closure's mean) run in lockstep over σ.
    let closures = network.closures(
      levels: sigmas.map { (sigma: $0, start: branches.reference.point(at: $0)?.h ?? census.reference.h) },
      threads: options.simulation.threads)
    // The ensembles run every σ together and report when all are done (at
    // N = 1024 tens of seconds), so say what is running.
    let noisy = sigmas.filter { $0 > 0 }.count
    progress(
      "closure: \(closures.filter { $0.closure != nil }.count) of \(sigmas.count) noise levels converged; simulating \(noisy) noise level(s), "
        + "\(options.simulation.trajectories) trajectories x \(options.simulation.steps) steps each")
    let simulations = network.simulate(
      levels: sigmas.indices.map { i in
        (sigma: sigmas[i], start: branches.reference.point(at: sigmas[i])?.h ?? census.reference.h, closure: closures[i].closure)
      }, schemes: options.schemes, options: options.ensembles)
    var levels: [Level] = []
    for (i, sigma) in sigmas.enumerated() {
      let meanField = branches.reference.point(at: sigma)
      let simulated = try simulations[i].get()
      var level = Level(
        sigma: sigma, meanField: meanField, closure: closures[i], simulated: simulated, reference: census.reference,
        target: problem.target)
      var occupancy = options.occupancy
      occupancy.seed = options.simulation.seed
      level.multistable = try network.multistableLevel(
        sigma: sigma, census: census, branches: branches, options: occupancy, previous: levels.last?.multistable)
      levels.append(level)
      progress(String(format: "sigma = %g done", sigma))
    }
    self.init(problem: problem, options: options, census: census, branches: branches, levels: levels)
  }

  static func distance(_ a: [Double], _ b: [Double]) -> Double {
    zip(a, b).reduce(0) { max($0, abs($1.0 - $1.1)) }
  }

  /// The σ_test with the smallest simulated output error, nil without a task.
  public var optimum: Level? {
    levels.filter { $0.outputError != nil }.min { $0.outputError! < $1.outputError! }
  }

  /// The level nearest σ_train.
  public var trainingLevel: Level? {
    levels.min { abs($0.sigma - checkpoint.sigmaTrain) < abs($1.sigma - checkpoint.sigmaTrain) }
  }

  /// Largest |z| over every σ and output: how well closure and simulation
  /// agree. Levels where the reference ensemble can leave its attractor
  /// (`referenceLeaves`) are left out: there the simulation samples other
  /// basins, which the reference closure does not describe, so a large z is
  /// no verdict on the closure.
  public var worstZ: Double? {
    levels.filter { !referenceLeaves($0) }.compactMap { $0.z?.map(abs).max() }.max()
  }

  /// With several attractors at a σ > 0: whether the chain started in the
  /// reference attractor leaves it — the attractor does not hold (dwell <
  /// `MultistableLevel.holdingFactor` relaxation times) or some trajectory
  /// of the occupancy run left it. False with a single attractor.
  public func referenceLeaves(_ level: Level) -> Bool {
    guard let m = level.multistable, let o = m.occupancy,
      let i = fixedPoints.firstIndex(where: { $0.h == reference.h }),
      let k = m.attractors.firstIndex(where: { $0.fixedPoint == i })
    else { return false }
    return !m.holding[k] || o.attractors[k].exits > 0
  }
}

extension Network {
  /// Iterates the noiseless map from h until it stops moving (or 200/γ
  /// steps): the state a trial that starts at h settles in.
  func settle(from h0: [Double]) -> [Double] {
    var h = h0
    // γ ≥ Checkpoint.minimumGamma (checked when the checkpoint is built), so
    // this is at most 2·10⁶ + 1000; the clamp keeps the conversion safe for
    // a Network built some other way.
    let limit = Int(min(200 / gamma, 1e9)) + 1000
    for _ in 0..<limit {
      let next = map(h)
      let moved = zip(next, h).reduce(0.0) { max($0, abs($1.0 - $1.1)) }
      h = next
      if moved <= 1e-14 * (1 + (h.map(abs).max() ?? 0)) || !h.allSatisfy(\.isFinite) { break }
    }
    return h
  }

  /// Pre-activations the moment table must cover: the closure's (or the
  /// start's) mean ± 10 sd of every neuron, padded by σ and 1.
  func preactivationRange(closure: GaussianClosure?, start: [Double], sigma: Double) -> ClosedRange<Double> {
    let mean = preactivation(closure?.mean ?? start)
    let sd = closure.map { pathVariances($0.covariance).map { $0.squareRoot() } } ?? [Double](repeating: 0, count: size)
    var lo = Double.infinity, hi = -Double.infinity
    for i in 0..<size {
      let half = 10 * (sd[i] + 0.1 * gamma.squareRoot() * sigma) + 1
      lo = min(lo, mean[i] - half)
      hi = max(hi, mean[i] + half)
    }
    return lo...hi
  }
}
