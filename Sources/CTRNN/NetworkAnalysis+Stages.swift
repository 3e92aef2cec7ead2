import Dispatch
import Foundation
import GSL
import GaussianMoments
import SDE

// The stages of `NetworkAnalysis`, each callable on its own with explicit
// inputs and outputs:
//   AnalysisProblem(checkpoint:input:)  the network at one constant input
//   Network.findFixedPoints             → FixedPointCensus
//   Network.continueBranches            → MeanFieldBranches
//   Network.closure(sigma:start:previous:) → ClosureOutcome   (per σ, warm-started
//                                        from the previous σ's closure; or
//                                        closures(levels:) for every σ in order)
//   Network.simulate(sigma:…)           → [NetworkStationaryEstimate] (per σ; or
//                                        simulate(levels:…) for every σ in lockstep)
//   Network.multistableLevel(sigma:…)   → MultistableLevel? (per σ, ≥ 2 stable points;
//                                        MultistableStationary.swift)
//   NetworkAnalysis.Level(sigma:…)      assembles one σ
//   NetworkAnalysis(problem:…)          assembles the analysis

/// A checkpoint at one constant input: the network, the task's target there.
public struct AnalysisProblem: Sendable {
  public var checkpoint: Checkpoint
  public var network: Network
  public var task: TaskTarget?
  /// The task's target readout at this input; nil without a known task.
  public var target: [Double]?

  /// `input` nil takes the task's default input.
  public init(checkpoint: Checkpoint, input: [Double]?) throws(NetworkError) {
    let task = TaskTarget.named(checkpoint.task, inputs: checkpoint.inputSize, outputs: checkpoint.outputSize)
    guard let u = input ?? task?.defaultInput ?? TaskTarget.defaultInputWithoutTarget(checkpoint.task, inputs: checkpoint.inputSize) else {
      let meaning = TaskInputs.named(checkpoint.task, count: checkpoint.inputSize).map { ", in this order: " + $0.description } ?? ""
      throw NetworkError.badInput(
        "the checkpoint's task (\(checkpoint.task ?? "none")) does not define a default input; give one with \(checkpoint.inputSize) value(s)\(meaning)")
    }
    self.checkpoint = checkpoint
    self.task = task
    try checkpoint.requireClosureNoise()
    network = try Network(checkpoint: checkpoint, input: u)
    target = task?(u)
  }
}

/// The deterministic fixed points found, and the one the analysis is about.
public struct FixedPointCensus: Sendable {
  /// The state the noiseless network settles in from h = 0.
  public var settled: [Double]
  public var fixedPoints: [NetworkFixedPoint]
  /// Minima of q = ½‖F(h) − h‖² with 0 < q ≤ the speed asked for; empty when none was.
  public var slowPoints: [SlowPoint]
  /// The fixed point nearest `settled`: the reference for the bias.
  public var reference: NetworkFixedPoint
  /// How the search went: starts, batches, why it stopped, completeness.
  public var search: FixedPointSearchReport
}

/// The mean-field branch continued in σ from every fixed point.
public struct MeanFieldBranches: Sendable {
  /// One per fixed point, in the census's order.
  public var all: [AveragedBranch]
  /// The branch from the reference fixed point (the table's mean-field column).
  public var reference: AveragedBranch
}

/// How the Gaussian closure at one σ ended.
public indirect enum ClosureOutcome: Sendable {
  case converged(GaussianClosure)
  /// The solve failed at this σ: `solver` says how, in the solvers' one
  /// vocabulary (nil when evaluating the equations failed, e.g. a moment
  /// overflowed), `reason` in words for the report.
  case failed(solver: SolverOutcome<[Double]>.Code?, reason: String)
  /// Converged at σ = `sigma`, but nearer the fixed point `nearer` (an index
  /// into the census) than to the attractor it was continued from: it
  /// describes that other attractor.
  case leftBasin(sigma: Double, nearer: Int)
  /// Not tried at this σ: the closure continued from this attractor already
  /// ended at the smaller σ = `at`, for `cause`.
  case endedEarlier(at: Double, cause: ClosureOutcome)

  public var closure: GaussianClosure? {
    if case .converged(let c) = self { return c }
    return nil
  }

  /// Why there is no closure, in words; nil when it converged.
  public var failure: String? {
    switch self {
    case .converged: return nil
    case .failed(_, let reason): return reason
    case .leftBasin(let sigma, let j): return "left the basin at sigma = \(sigma): converged nearer fixed point \(j)"
    case .endedEarlier(let at, let cause):
      switch cause {
      case .leftBasin, .endedEarlier: return cause.failure  // already says where it ended
      default: return "ended at sigma = \(at): \(cause.failure ?? "")"
      }
    }
  }

  /// This outcome carried to a larger σ: a failure stays one (and keeps
  /// saying where it first happened); a converged closure is not carried.
  func carried(from sigma: Double) -> ClosureOutcome? {
    switch self {
    case .converged: return nil
    case .leftBasin, .endedEarlier: return self
    case .failed: return .endedEarlier(at: sigma, cause: self)
    }
  }
}

extension Network {
  /// Stage 1. Deterministic fixed points by `searchFixedPoints`: first from
  /// random starts, the state the noiseless network settles in from h = 0
  /// and the states a short noisy run at `largestSigma` visits, then from
  /// batches of runs of the map until saturated; slow points too when
  /// `slowPointSpeed` is set.
  public func findFixedPoints(
    largestSigma: Double, simulation: NetworkSimulationOptions, search: FixedPointSearch, slowPointSpeed: Double?
  ) throws -> FixedPointCensus {
    let settled = settle(from: [Double](repeating: 0, count: size))
    var short = simulation
    short.steps = min(short.steps, 400)
    short.burnIn = short.steps / 2
    short.stateCovariance = false  // only the final states are read
    // Visited states only seed the search: a failed short run costs starts, not the analysis.
    let visited = (try? stationaryEstimate(
      sigma: largestSigma, scheme: .chain, start: settled, options: short, table: nil))?.finalStates ?? []
    let (points, report) = try searchFixedPoints(given: [settled] + visited, search: search, threads: simulation.threads)
    var slow: [SlowPoint] = []
    if let maxSpeed = slowPointSpeed {
      slow = slowPoints(starts: try searchStarts(given: [settled] + visited, search: search), maxSpeed: maxSpeed)
    }
    guard let nearest = points.min(by: { NetworkAnalysis.distance($0.h, settled) < NetworkAnalysis.distance($1.h, settled) }) else {
      throw NetworkError.notContracting("no fixed point found: the noiseless network does not settle from h = 0")
    }
    return FixedPointCensus(settled: settled, fixedPoints: points, slowPoints: slow, reference: nearest, search: report)
  }

  /// Stage 2. The mean-field branch from every fixed point through `sigmas`.
  /// The branches are independent: with `threads` > 1 and several fixed
  /// points they run side by side (worker w takes points w, w + threads, …),
  /// a lone branch computes its spectral radii on every thread; the
  /// branches are the same on any number of threads.
  public func continueBranches(from census: FixedPointCensus, sigmas: [Double], threads: Int = 1) throws -> MeanFieldBranches {
    let points = census.fixedPoints
    let all: [AveragedBranch]
    if threads > 1, points.count > 1 {
      let slots = ResultSlots<AveragedBranch>(count: points.count)
      let workers = min(threads, points.count)
      let network = self
      DispatchQueue.concurrentPerform(iterations: workers) { w in
        for k in stride(from: w, to: points.count, by: workers) {
          slots.results[k] = Result { try network.averagedBranch(from: points[k], sigmas: sigmas) }
        }
      }
      all = try slots.results.map { try $0!.get() }
    } else {
      all = try points.map { try averagedBranch(from: $0, sigmas: sigmas, threads: threads) }
    }
    return MeanFieldBranches(all: all, reference: all[points.firstIndex { $0.h == census.reference.h }!])
  }

  /// Stage 3. The Gaussian closure at σ from `start` (the mean-field point,
  /// or the reference fixed point past the branch's end). A failure is an
  /// outcome, not an error: the report shows it and carries on.
  ///
  /// `previous`, the closure at a smaller σ > 0, warm-starts the outer
  /// iteration with its covariance scaled by (σ/σ_previous)² (the state
  /// covariance grows like σ² to leading order, for either noise placement):
  /// fewer Stein solves, the same closure within its tolerance.
  /// `threads` runs its N×N products in parallel (same bits on any number).
  public func closure(sigma: Double, start: [Double], previous: GaussianClosure? = nil, threads: Int = 1) -> ClosureOutcome {
    let warm = previous.flatMap { Self.warmStart(sigma: sigma, previousSigma: $0.sigma, covariance: $0.covariance) }
    do { return .converged(try gaussianClosure(sigma: sigma, start: start, initialCovariance: warm, threads: threads)) } catch {
      return Self.closureFailure(error)
    }
  }

  /// Stage 3 at every σ of `levels` (ascending), each warm-started from the
  /// σ before it when that one converged: the outcomes of calling
  /// `closure(sigma:start:previous:threads:)` in that order, bit for bit.
  ///
  /// What differs is when the work is done. With `threads` > 1 each σ's
  /// spectral radius of A (a dense eigenvalue problem, serial: ~0.2 s at
  /// N = 512, a fifth of the stage's processor time) and its Stein residual
  /// run on a thread of their own while the next σ iterates — the next σ
  /// needs only the covariance — so the core that the iteration's serial
  /// parts (the mean solve, the moments, the norms) leave idle does them.
  /// Measured at N = 512 on 2 cores: the stage from ~6.5 s to ~5.2 s. All
  /// radii at the end, two at a time, measured the same within the noise;
  /// this order needs no second pass and no list of every σ's A.
  public func closures(levels: [(sigma: Double, start: [Double])], threads: Int = 1) -> [ClosureOutcome] {
    closures(levels: levels, threads: threads) { try $0.spectralRadius() }
  }

  /// `closures(levels:threads:)` with the radius computed by `radius` (a
  /// test makes it fail at one σ).
  func closures(
    levels: [(sigma: Double, start: [Double])], threads: Int, radius: @escaping @Sendable (ClosureIterate) throws -> Double
  ) -> [ClosureOutcome] {
    var outcomes: [ClosureOutcome] = []
    // The last σ's converged iteration whose diagnostics are still being
    // computed: the radius (and, but for the last σ, the residual) by `job`.
    var pending: (iterate: ClosureIterate, job: BackgroundJob<(radius: Double, residual: Double?)>, residual: Double?)?
    func iterate(_ k: Int, previous: ClosureIterate?) -> Result<ClosureIterate, Error> {
      let warm = previous.flatMap { Self.warmStart(sigma: levels[k].sigma, previousSigma: $0.sigma, covariance: $0.covariance) }
      // gaussianClosure's default tolerance and iteration limit, as `closure` uses.
      return Result {
        try closureIterate(
          sigma: levels[k].sigma, start: levels[k].start, initialCovariance: warm, tolerance: 1e-12, maxIterations: 100,
          threads: threads)
      }
    }
    for k in levels.indices {
      var current = iterate(k, previous: pending?.iterate)
      if let p = pending {
        outcomes.append(Self.settled(p))
        pending = nil
        // Its diagnostics failed (a dgeev that did not converge): that σ has
        // no closure, so in order this one would have started cold.
        if outcomes[k - 1].closure == nil { current = iterate(k, previous: nil) }
      }
      switch current {
      case .success(let it):
        // The last σ has nothing to overlap with: its residual is taken here,
        // on every thread, while the job finds the radius.
        let last = k == levels.count - 1
        let job = BackgroundJob(inline: threads <= 1) { (radius: try radius(it), residual: last ? nil : it.steinResidual()) }
        pending = (it, job, last ? it.steinResidual(threads: threads) : nil)
      case .failure(let error):
        outcomes.append(Self.closureFailure(error))
      }
    }
    if let p = pending { outcomes.append(Self.settled(p)) }
    return outcomes
  }

  /// A pending closure once its job is done.
  private static func settled(
    _ p: (iterate: ClosureIterate, job: BackgroundJob<(radius: Double, residual: Double?)>, residual: Double?)
  ) -> ClosureOutcome {
    switch p.job.result() {
    case .success(let d): return .converged(p.iterate.closure(spectralRadius: d.radius, steinResidual: d.residual ?? p.residual!))
    case .failure(let error): return closureFailure(error)
    }
  }

  /// The closure at a smaller σ > 0 as a warm start: its covariance scaled
  /// by (σ/σ_previous)² (see `closure`); nil when it is not below σ.
  static func warmStart(sigma: Double, previousSigma: Double, covariance: Matrix) -> Matrix? {
    guard previousSigma > 0, sigma > previousSigma else { return nil }
    let scale = (sigma / previousSigma) * (sigma / previousSigma)
    return Matrix(rows: covariance.rows, columns: covariance.columns, elements: covariance.elements.map { $0 * scale })
  }

  /// A closure's error as its outcome.
  static func closureFailure(_ error: Error) -> ClosureOutcome {
    switch error {
    case let e as MomentError:
      // σ and the start are finite (validated), so a non-finite argument of
      // a moment was computed here: say that, not "sigma must be finite, got inf".
      switch e {
      case .nonFiniteMean, .invalidSigma:
        return .failed(
          solver: nil, reason: "the closure's pre-activation mean or spread left the range of double precision (the weights are too large)")
      default: return .failed(solver: nil, reason: "\(e)")
      }
    case let e as AveragedSolveFailure: return .failed(solver: e.outcome.code, reason: "\(e)")
    default: return .failed(solver: nil, reason: "\(error)")
    }
  }

  /// Stage 4. One stationary ensemble per scheme at σ > 0 (none at σ = 0,
  /// where the law is the fixed point), started at the closure's mean (else
  /// `start`). The k-th scheme runs on seed + k, so the z-scores between
  /// schemes compare independent runs.
  public func simulate(
    sigma: Double, start: [Double], closure: GaussianClosure?, schemes: [NetworkScheme], options: NetworkSimulationOptions
  ) throws -> [NetworkStationaryEstimate] {
    guard sigma > 0 else { return [] }
    // Only the diffusion approximation reads the moment table; the exact
    // chain (the default, alone) does not, so it is not tabulated for it.
    let table = schemes.contains(where: { $0 != .chain })
      ? try momentTable(sigma: sigma, preactivationRange: preactivationRange(closure: closure, start: start, sigma: sigma)) : nil
    return try schemes.enumerated().map { index, scheme in
      var simulation = options
      simulation.seed = options.seed &+ UInt64(index)
      return try stationaryEstimate(sigma: sigma, scheme: scheme, start: closure?.mean ?? start, options: simulation, table: table)
    }
  }

  /// Stage 4 at every σ: `simulate(sigma:…)` for each (σ, start, closure),
  /// each result or its error, in the order given. The default (the exact
  /// chain alone) runs every σ > 0 in lockstep (`chainStationaryEstimates`):
  /// the same bytes as one σ at a time, fewer packings of W.
  public func simulate(
    levels: [(sigma: Double, start: [Double], closure: GaussianClosure?)], schemes: [NetworkScheme],
    options: NetworkSimulationOptions
  ) -> [Result<[NetworkStationaryEstimate], any Error>] {
    guard schemes == [.chain] else {
      return levels.map { level in
        Result { try simulate(sigma: level.sigma, start: level.start, closure: level.closure, schemes: schemes, options: options) }
      }
    }
    let active = levels.indices.filter { levels[$0].sigma > 0 }
    let estimates = chainStationaryEstimates(
      active.map { (sigma: levels[$0].sigma, start: levels[$0].closure?.mean ?? levels[$0].start) }, options: options)
    var results = levels.map { _ in Result<[NetworkStationaryEstimate], any Error>.success([]) }
    for (i, estimate) in zip(active, estimates) { results[i] = estimate.map { [$0] } }
    return results
  }
}

extension NetworkAnalysis.Level {
  /// Stage 5. One σ's results side by side: the primary (first) scheme's
  /// readout against the reference fixed point (bias) and the closure (z),
  /// and the output error against `target`.
  public init(
    sigma: Double, meanField: AveragedPoint?, closure: ClosureOutcome, simulated: [NetworkStationaryEstimate],
    reference: NetworkFixedPoint, target: [Double]?
  ) {
    let outputs = reference.readout.count
    let primary = simulated.first
    let mean = primary?.readoutMean ?? reference.readout
    let se = primary?.readoutStandardError ?? [Double](repeating: 0, count: outputs)
    let variance = primary?.readoutVariance ?? [Double](repeating: 0, count: outputs)
    var z: [Double]?
    if let c = closure.closure, primary != nil {
      z = (0..<outputs).map { o -> Double in
        let d = mean[o] - c.readoutMean[o]
        if se[o] > 0 { return d / se[o] }
        return d == 0 ? 0 : .infinity
      }
    }
    func mse(_ m: [Double], _ v: [Double]) -> Double? {
      guard let target else { return nil }
      var total = 0.0
      for o in m.indices { total += (m[o] - target[o]) * (m[o] - target[o]) + v[o] }
      return total / Double(m.count)
    }
    self.init(
      sigma: sigma, meanField: meanField?.readout, closureOutcome: closure, simulated: simulated, simulatedMean: mean,
      simulatedStandardError: se, bias: zip(mean, reference.readout).map { $0 - $1 }, z: z,
      outputError: mse(mean, variance), outputErrorClosure: closure.closure.flatMap { mse($0.readoutMean, $0.readoutVariance) })
  }
}

