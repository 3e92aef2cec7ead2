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
    public init() {}

    public func validate() throws(NetworkError) {
      guard !sigmas.isEmpty else { throw .invalidParameter(option: "--sigma-test", message: "needs at least one value") }
      for s in sigmas where !(s.isFinite && s >= 0) {
        throw .invalidParameter(option: "--sigma-test", message: "values must be finite and >= 0, got \(s)")
      }
      guard !schemes.isEmpty else { throw .invalidParameter(option: "--schemes", message: "needs at least one scheme") }
      try simulation.validate()
    }
  }

  /// Everything computed at one σ_test. Readout quantities have one entry per output.
  public struct Level: Sendable {
    public var sigma: Double
    /// Mean-field readout W_out h(σ) + b_out, h(σ) = E f(W h + c + σξ); nil past the branch's end.
    public var meanField: [Double]?
    public var closure: GaussianClosure?
    /// Why the closure is missing, when it is.
    public var closureFailure: String?
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
  }

  public let checkpoint: Checkpoint
  public let network: Network
  public let task: TaskTarget?
  public let target: [Double]?
  public let options: Options
  public let fixedPoints: [NetworkFixedPoint]
  /// Slow points, when `options.slowPointSpeed` asked for them.
  public let slowPoints: [SlowPoint]
  /// The fixed point the noiseless network reaches from h = 0 (the task's
  /// initial state): the reference for the bias and the start of the branch.
  public let reference: NetworkFixedPoint
  public let branch: AveragedBranch
  /// The mean-field branch from each fixed point, in `fixedPoints` order.
  public let branches: [AveragedBranch]
  public let levels: [Level]

  /// `progress` receives one line per finished stage (the CLI shows it on
  /// stderr when stderr is a terminal).
  public init(checkpoint: Checkpoint, input: [Double]?, options: Options, progress: (String) -> Void = { _ in }) throws {
    try options.validate()
    self.checkpoint = checkpoint
    self.options = options
    let task = TaskTarget.named(checkpoint.task, inputs: checkpoint.inputSize, outputs: checkpoint.outputSize)
    self.task = task
    guard let u = input ?? task?.defaultInput else {
      throw NetworkError.badInput(
        "the checkpoint's task (\(checkpoint.task ?? "none")) does not define a default input; give --input with \(checkpoint.inputSize) value(s)")
    }
    let network = try Network(checkpoint: checkpoint, input: u)
    self.network = network
    let goal = task?(u)
    target = goal
    let sigmas = Array(Set(options.sigmas)).sorted()

    // 1. Deterministic fixed points, from random starts, the state the
    //    noiseless network settles in from h = 0, and states visited by a
    //    short noisy run at the largest σ.
    let settled = network.settle(from: [Double](repeating: 0, count: network.size))
    var short = options.simulation
    short.steps = min(short.steps, 400)
    short.burnIn = short.steps / 2
    let visited = (try? network.stationaryEstimate(
      sigma: sigmas.last ?? 0, scheme: .chain, start: settled, options: short, table: nil))?.finalStates ?? []
    let points = try network.deterministicFixedPoints(starts: [settled] + visited, search: options.search)
    fixedPoints = points
    if let maxSpeed = options.slowPointSpeed {
      let starts = try network.searchStarts(given: [settled] + visited, search: options.search)
      slowPoints = network.slowPoints(starts: starts, maxSpeed: maxSpeed)
    } else {
      slowPoints = []
    }
    guard let nearest = points.min(by: { Self.distance($0.h, settled) < Self.distance($1.h, settled) }) else {
      throw NetworkError.notContracting("no fixed point found: the noiseless network does not settle from h = 0")
    }
    reference = nearest
    progress("fixed points: \(points.count) found, reference spectral radius \(nearest.spectralRadius)")

    // 2. Mean-field branches from every fixed point; the reference's feeds the table.
    branches = try points.map { try network.averagedBranch(from: $0, sigmas: sigmas) }
    branch = branches[points.firstIndex { $0.h == nearest.h }!]
    progress("mean-field branch: " + (branch.endReason ?? "reached sigma = \(sigmas.last ?? 0)"))

    // 3–5. Closure and simulation at every σ.
    var levels: [Level] = []
    for sigma in sigmas {
      let meanField = branch.point(at: sigma)
      let start = meanField?.h ?? nearest.h
      var closure: GaussianClosure?, closureFailure: String?
      do { closure = try network.gaussianClosure(sigma: sigma, start: start) } catch { closureFailure = "\(error)" }
      var simulated: [NetworkStationaryEstimate] = []
      if sigma > 0 {
        let table = try network.momentTable(sigma: sigma, preactivationRange: network.preactivationRange(closure: closure, start: start, sigma: sigma))
        for (index, scheme) in options.schemes.enumerated() {
          // Each scheme draws its own noise (seed + index): the z-scores
          // between schemes assume independent runs.
          var simulation = options.simulation
          simulation.seed = options.simulation.seed &+ UInt64(index)
          simulated.append(try network.stationaryEstimate(
            sigma: sigma, scheme: scheme, start: closure?.mean ?? start, options: simulation, table: table))
        }
      }
      let primary = simulated.first
      let mean = primary?.readoutMean ?? nearest.readout
      let se = primary?.readoutStandardError ?? [Double](repeating: 0, count: network.outputs)
      let variance = primary?.readoutVariance ?? [Double](repeating: 0, count: network.outputs)
      var z: [Double]?
      if let closure, primary != nil {
        z = (0..<network.outputs).map { o -> Double in
          let d = mean[o] - closure.readoutMean[o]
          if se[o] > 0 { return d / se[o] }
          return d == 0 ? 0 : .infinity
        }
      }
      func mse(_ m: [Double], _ v: [Double]) -> Double? {
        guard let goal else { return nil }
        var total = 0.0
        for o in m.indices { total += (m[o] - goal[o]) * (m[o] - goal[o]) + v[o] }
        return total / Double(m.count)
      }
      levels.append(Level(
        sigma: sigma, meanField: meanField?.readout, closure: closure, closureFailure: closureFailure,
        simulated: simulated, simulatedMean: mean, simulatedStandardError: se,
        bias: zip(mean, nearest.readout).map { $0 - $1 }, z: z, outputError: mse(mean, variance),
        outputErrorClosure: closure.flatMap { mse($0.readoutMean, $0.readoutVariance) }))
      progress(String(format: "sigma = %g done", sigma))
    }
    self.levels = levels
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

  /// Largest |z| over every σ and output: how well closure and simulation agree.
  public var worstZ: Double? {
    levels.compactMap { $0.z?.map(abs).max() }.max()
  }

  /// One line: where the output error is smallest and how large the bias is.
  public var verdict: String {
    let placement = "noise-\(checkpoint.noise.label)"
    var parts: [String] = []
    if let best = optimum {
      let atTrain = abs(best.sigma - checkpoint.sigmaTrain) < 1e-12 ? " = sigma_train" : ""
      parts.append(String(format: "optimum at sigma_test = %g%@ (sigma_train = %g)", best.sigma, atTrain, checkpoint.sigmaTrain))
    }
    let level = trainingLevel.flatMap { $0.sigma > 0 ? $0 : nil } ?? levels.last!
    if let b = level.bias.first, let se = level.simulatedStandardError.first {
      var text = String(format: "%@ readout bias at sigma = %g: %.4g +- %.2g (simulated)", placement, level.sigma, b, se)
      if let c = level.closure?.readoutMean.first {
        let analytic = c - reference.readout[0]
        text += String(format: ", %.4g (Gaussian closure", analytic)
        if abs(b) > 3 * se { text += String(format: ", %.1f%% off", 100 * abs(analytic - b) / abs(b)) }
        text += ")"
      }
      if let m = level.meanField?.first {
        let analytic = m - reference.readout[0]
        text += String(format: ", %.4g (mean-field", analytic)
        if abs(b) > 3 * se { text += String(format: ", %.1f%% off", 100 * abs(analytic - b) / abs(b)) }
        text += ")"
      }
      parts.append(text)
    }
    if let worst = worstZ {
      parts.append(String(format: "closure vs simulation: max |z| = %.2f%@", worst, worst <= 3 ? " (within 3 SE)" : " (NOT within 3 SE)"))
    }
    return parts.joined(separator: "; ")
  }
}

extension Network {
  /// Iterates the noiseless map from h until it stops moving (or 200/γ
  /// steps): the state a trial that starts at h settles in.
  func settle(from h0: [Double]) -> [Double] {
    var h = h0
    let limit = Int(200 / gamma) + 1000
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
