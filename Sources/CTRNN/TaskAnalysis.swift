import Foundation
import GSL
import SDE

/// One point of a task's input distribution: a constant input held for the
/// trial and the readout the task wants at steady state.
public struct TaskSample: Sendable, Equatable, Codable {
  public var input: [Double]
  public var target: [Double]

  public init(input: [Double], target: [Double]) {
    self.input = input
    self.target = target
  }
}

extension TaskTarget {
  /// The interval the task draws its scalar input from, uniformly; nil for
  /// a task this module does not know. These mirror the Training module's
  /// `FunctionTask` (U[−1, 1]) and `RegulatorTask.levels` (U[0.2, 1.5]),
  /// which CTRNN cannot import; TaskAnalysisTests pins them.
  public var inputRange: ClosedRange<Double>? {
    switch name {
    case "function": return -1...1
    case "regulator": return 0.2...1.5
    default: return nil
    }
  }

  /// `count` inputs at the midpoints of equal cells of `inputRange`, with
  /// their targets: the midpoint rule for the task's uniform average, so a
  /// loss averaged over them is the task's expected loss up to O(1/count²)
  /// for a smooth loss.
  public func grid(_ count: Int) -> [TaskSample] {
    guard let r = inputRange, count >= 1 else { return [] }
    let width = (r.upperBound - r.lowerBound) / Double(count)
    return (0..<count).map { k in
      let u = [r.lowerBound + (Double(k) + 0.5) * width]
      return TaskSample(input: u, target: self(u))
    }
  }
}

/// The test loss of one network over its task's input distribution, as a
/// function of σ_test (DESIGN.md, "What analysis means", lifted from one
/// input to the task):
///
/// - **predicted**: from the Gaussian closure alone, no simulation. At each
///   input the closure's readout law N(E z, Var z) gives
///   E(z − y)² = (E z − y)² + Var z, averaged over outputs and inputs.
/// - **simulated**: the same expectation from a stationary ensemble of the
///   exact chain at each input (the analysis's simulation stage), with a
///   standard error (see `Level.simulatedStandardError`).
///
/// Both are stationary losses: the network's law after it has forgotten its
/// start. `paradox` measures the loss over the second half of finite trials
/// from h = 0, which also counts what is left of the transient.
public struct TaskAnalysis: Sendable {
  public struct Options: Sendable {
    public var sigmas: [Double] = stride(from: 0.0, through: 1.0, by: 0.1).map { ($0 * 10).rounded() / 10 }
    /// The ensembles; input k runs on seed + k (independent inputs, so their
    /// standard errors add in quadrature), the same seed at every σ (common
    /// random numbers along a curve, so its minimum is not moved by noise
    /// that differs from σ to σ).
    public var simulation = NetworkSimulationOptions()
    public init() {}

    public func validate() throws(NetworkError) {
      guard !sigmas.isEmpty else { throw .invalidParameter(.sigma, message: "needs at least one value") }
      for s in sigmas where !(s.isFinite && s >= 0) {
        throw .invalidParameter(.sigma, message: "values must be finite and >= 0, got \(s)")
      }
      try simulation.validate()
    }

    public var sortedSigmas: [Double] { Array(Set(sigmas)).sorted() }
  }

  /// The closure and the simulation at one input and one σ_test.
  public struct Point: Sendable {
    public var closure: ClosureOutcome
    /// Per output: the simulated stationary readout mean, its SE, its variance.
    public var simulatedMean: [Double]
    public var simulatedMeanStandardError: [Double]
    public var simulatedVariance: [Double]
    /// E(z − y)² averaged over outputs, from the closure (nil when it failed).
    public var predictedLoss: Double?
    public var simulatedLoss: Double
    public var simulatedStandardError: Double
  }

  /// One σ_test over every input.
  public struct Level: Sendable {
    public var sigma: Double
    /// One per sample, in the samples' order.
    public var points: [Point]
    /// Mean over inputs of the closure's loss; nil when the closure failed at some input.
    public var predictedLoss: Double?
    public var simulatedLoss: Double
    /// √(Σₖ SEₖ²)/K over the independent inputs. Per input and output, the
    /// SE of (m − y)² + v is taken as SE_m·√(4(m − y)² + 2v): the delta
    /// method for the mean's part, and for the variance's the Gaussian
    /// SE(v) = v·√(2/n_eff) with n_eff = v/SE_m², the readout's effective
    /// sample count. For a Gaussian AR(1)-like readout the squared process
    /// decorrelates faster than the readout itself (ρ² vs ρ), so this
    /// overstates SE(v) rather than understates it.
    public var simulatedStandardError: Double
    /// Inputs at which the closure failed, and the first reason.
    public var closureFailures: Int
    public var firstClosureFailure: String?

    /// (simulated − predicted)/SE; nil without a prediction or at SE = 0.
    public var z: Double? {
      guard let p = predictedLoss, simulatedStandardError > 0 else { return nil }
      return (simulatedLoss - p) / simulatedStandardError
    }
  }

  public let checkpoint: Checkpoint
  public let samples: [TaskSample]
  public let options: Options
  public let levels: [Level]

  /// Analyzes `checkpoint` over `samples` (e.g. `TaskTarget.grid`, or the
  /// constant input of each epoch of a task with epochs, with its target).
  /// At each input the closure is continued in σ from the state the
  /// noiseless network settles in from h = 0 (the task's start); the
  /// ensembles start at the closure's mean, else that state.
  public init(
    checkpoint: Checkpoint, samples: [TaskSample], options: Options, progress: (String) -> Void = { _ in }
  ) throws {
    try options.validate()
    guard !samples.isEmpty else { throw NetworkError.badInput("the task analysis needs at least one input") }
    for s in samples where s.target.count != checkpoint.outputSize || !s.target.allSatisfy(\.isFinite) {
      throw NetworkError.badInput(
        "each target needs \(checkpoint.outputSize) finite value(s); got \(s.target) for input \(s.input)")
    }
    let sigmas = options.sortedSigmas
    // points[σ index][sample index]
    var points = [[Point]](repeating: [], count: sigmas.count)
    for (k, sample) in samples.enumerated() {
      try checkpoint.requireClosureNoise()
      let network = try Network(checkpoint: checkpoint, input: sample.input)
      let settled = network.settle(from: [Double](repeating: 0, count: network.size))
      var simulation = options.simulation
      simulation.seed = options.simulation.seed &+ UInt64(k)
      simulation.stateCovariance = false  // the points read the readout only
      var previous: [Double]?
      for (i, sigma) in sigmas.enumerated() {
        let closure = network.closure(sigma: sigma, start: previous ?? settled)
        if let c = closure.closure { previous = c.mean }
        let simulated = try network.simulate(
          sigma: sigma, start: settled, closure: closure.closure, schemes: [.chain], options: simulation
        ).first
        points[i].append(Self.point(
          network: network, settled: settled, target: sample.target, closure: closure, simulated: simulated))
      }
      progress("input \(k + 1)/\(samples.count) (u = \(sample.input.map { String(format: "%g", $0) }.joined(separator: ","))) done")
    }
    self.checkpoint = checkpoint
    self.samples = samples
    self.options = options
    levels = zip(sigmas, points).map { Self.level(sigma: $0, points: $1) }
  }

  /// The task's own inputs: `count` grid points of a known task.
  public init(checkpoint: Checkpoint, gridPoints count: Int, options: Options, progress: (String) -> Void = { _ in }) throws {
    guard let task = TaskTarget.named(checkpoint.task, inputs: checkpoint.inputSize, outputs: checkpoint.outputSize),
      task.inputRange != nil
    else {
      throw NetworkError.badInput(
        "the checkpoint's task (\(checkpoint.task ?? "none")) has no known input distribution; pass the (input, target) pairs")
    }
    guard count >= 1 else { throw NetworkError.badInput("the task analysis needs at least one input, got \(count)") }
    try self.init(checkpoint: checkpoint, samples: task.grid(count), options: options, progress: progress)
  }

  static func point(
    network: Network, settled: [Double], target: [Double], closure: ClosureOutcome, simulated: NetworkStationaryEstimate?
  ) -> Point {
    let outputs = Double(target.count)
    // At σ = 0 there is no ensemble: the law is the settled state.
    let mean = simulated?.readoutMean ?? network.readout(settled)
    let se = simulated?.readoutStandardError ?? [Double](repeating: 0, count: target.count)
    let variance = simulated?.readoutVariance ?? [Double](repeating: 0, count: target.count)
    var loss = 0.0, se2 = 0.0
    for o in target.indices {
      let d = mean[o] - target[o]
      loss += d * d + variance[o]
      se2 += se[o] * se[o] * (4 * d * d + 2 * variance[o])
    }
    let predicted = closure.closure.map { c in
      target.indices.reduce(0.0) { s, o in
        let d = c.readoutMean[o] - target[o]
        return s + d * d + c.readoutVariance[o]
      } / outputs
    }
    return Point(
      closure: closure, simulatedMean: mean, simulatedMeanStandardError: se, simulatedVariance: variance,
      predictedLoss: predicted, simulatedLoss: loss / outputs, simulatedStandardError: se2.squareRoot() / outputs)
  }

  static func level(sigma: Double, points: [Point]) -> Level {
    let k = Double(points.count)
    let predicted = points.allSatisfy { $0.predictedLoss != nil } ? points.reduce(0) { $0 + $1.predictedLoss! } / k : nil
    let failures = points.filter { $0.predictedLoss == nil }
    return Level(
      sigma: sigma, points: points, predictedLoss: predicted, simulatedLoss: points.reduce(0) { $0 + $1.simulatedLoss } / k,
      simulatedStandardError: points.reduce(0) { $0 + $1.simulatedStandardError * $1.simulatedStandardError }.squareRoot() / k,
      closureFailures: failures.count, firstClosureFailure: failures.first?.closure.failure)
  }

  /// The σ_test with the smallest closure-predicted loss (nil when the
  /// closure failed at every σ).
  public var predictedOptimum: Level? {
    levels.filter { $0.predictedLoss != nil }.min { $0.predictedLoss! < $1.predictedLoss! }
  }

  /// The σ_test with the smallest simulated loss.
  public var simulatedOptimum: Level {
    levels.min { $0.simulatedLoss < $1.simulatedLoss }!
  }
}
