import Foundation
import GSL
import GaussianMoments

/// What `analyze` says about a checkpoint with Bernoulli dropout: for each
/// test rate p and σ_test, the dropout closure (`Network.dropoutClosure`)
/// next to the exact chain with masks (`Network.dropoutChain`), readout by
/// readout. The closure is moment-matched (see `DropoutClosure`): exact for
/// a linear f, an approximation otherwise, whose agreement with the chain
/// each level states against `DropoutStudy.tolerance`.
public struct DropoutStudy: Sendable {
  /// The modelling tolerance of the dropout closure: its readout may differ
  /// from the chain's by 15 % of the simulated noise-induced bias plus 4
  /// standard errors. 15 %: the worst error of the mean shift measured on
  /// the small tanh and relu networks of `DropoutClosureTests` was 5 % (p =
  /// 0.2, σ = 0.3); the state's non-Gaussianity grows with p, so the
  /// tolerance leaves a factor of three.
  public static let tolerance = 0.15

  public struct Level: Sendable {
    /// The test rate (the mean of the per-unit rates when learned).
    public var rate: Double
    public var sigma: Double
    public var closureReadout: [Double]
    /// √diag(W_out C W_outᵀ) under the closure.
    public var closureReadoutSD: [Double]
    public var simulatedReadout: [Double]
    public var simulatedStandardError: [Double]
    public var simulatedReadoutSD: [Double]
  }

  public var checkpoint: Checkpoint
  public var site: DropoutSite
  public var input: [Double]
  public var target: [Double]?
  /// Readout of the state the noiseless map (no noise, no dropout) reaches from h = 0.
  public var noiselessReadout: [Double]
  public var levels: [Level]

  /// `rates` nil: the checkpoint's training rate, or its learned per-unit
  /// rates (σ_test then scales the learned σᵢ: σ_test = σ_train, their
  /// root mean square, runs each unit at its learned σᵢ). At each rate the closure
  /// is continued over `sigmas` (sorted as given) from the noiseless state,
  /// and each chain starts at the closure's mean.
  public init(
    checkpoint: Checkpoint, input: [Double]?, sigmas: [Double], rates: [Double]?, simulation: NetworkSimulationOptions,
    progress: (String) -> Void = { _ in }
  ) throws {
    guard let site = checkpoint.dropout else { throw NetworkError.invalidParameter(.dropoutRate, message: "needs a checkpoint with dropout") }
    let task = TaskTarget.named(checkpoint.task, inputs: checkpoint.inputSize, outputs: checkpoint.outputSize)
    guard let u = input ?? task?.defaultInput ?? TaskTarget.defaultInputWithoutTarget(checkpoint.task, inputs: checkpoint.inputSize) else {
      throw NetworkError.badInput(
        "the checkpoint's task (\(checkpoint.task ?? "none")) does not define a default input; give one with \(checkpoint.inputSize) value(s)")
    }
    try simulation.validate()
    var simulation = simulation
    simulation.stateCovariance = false  // the levels read the readout only
    let base = try Network(checkpoint: checkpoint, input: u)
    var plain = base
    plain.dropout = nil
    let settled = try plain.lawMeanField(sigma: 0, start: [Double](repeating: 0, count: base.size))
    var levels: [Level] = []
    // Without test rates: the network's own (per unit when learned).
    for given in rates.map({ $0.map(Optional.some) }) ?? [nil] {
      let net = try given.map { try base.withDropoutRate($0) } ?? base
      let rate = net.dropoutRates.reduce(0, +) / Double(net.size)
      var start = settled
      for sigma in sigmas {
        progress("\(site.label) p = \(rate): closure and chain at sigma = \(sigma)")
        let closure = try net.dropoutClosure(sigma: sigma, start: start)
        start = closure.mean
        let sd = closure.readoutVariance.map { max($0, 0).squareRoot() }
        if sigma == 0 && rate == 0 {
          levels.append(Level(
            rate: rate, sigma: sigma, closureReadout: closure.readoutMean, closureReadoutSD: sd, simulatedReadout: closure.readoutMean,
            simulatedStandardError: sd.map { _ in 0 }, simulatedReadoutSD: sd.map { _ in 0 }))
          continue
        }
        let sim = try net.stationaryEstimate(sigma: sigma, scheme: .chain, start: closure.mean, options: simulation, table: nil)
        levels.append(Level(
          rate: rate, sigma: sigma, closureReadout: closure.readoutMean, closureReadoutSD: sd, simulatedReadout: sim.readoutMean,
          simulatedStandardError: sim.readoutStandardError, simulatedReadoutSD: sim.readoutVariance.map { max($0, 0).squareRoot() }))
      }
    }
    self.checkpoint = checkpoint
    self.site = site
    self.input = u
    self.target = task?(u)
    self.noiselessReadout = base.readout(settled)
    self.levels = levels
  }
}
