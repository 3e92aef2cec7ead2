import Foundation
import GSL
import GaussianMoments

/// What the network analysis can say about a checkpoint whose noise the
/// Gaussian closure does not describe (a non-Gaussian law, or the √(2γ)σ
/// amplitude it does not convert yet): at each σ_test, the mean field under
/// the law (`Network.lawMeanField`), the closure under the law
/// (`Network.lawClosure`: Gaussian state, the law's noise) and the exact
/// chain's stationary readout, side by side.
public struct NoiseLawStudy: Sendable {
  public struct Level: Sendable {
    public var sigma: Double
    /// Readout of the mean-field fixed point under the law.
    public var meanFieldReadout: [Double]
    /// Readout mean of the law closure; nil where it failed (`closureFailure` says why).
    public var closureReadout: [Double]?
    public var closureFailure: String?
    /// The exact chain's stationary readout mean and its standard error.
    public var simulatedReadout: [Double]
    public var simulatedStandardError: [Double]
  }

  public var checkpoint: Checkpoint
  public var noise: NoiseModel
  public var input: [Double]
  /// The task's target readout at this input; nil without a known task.
  public var target: [Double]?
  /// Readout of the state the noiseless map reaches from h = 0.
  public var noiselessReadout: [Double]
  public var levels: [Level]

  /// `input` nil takes the task's default input. Each σ's mean field is
  /// continued from the previous σ's (from the noiseless state at the
  /// first), and its chain starts there.
  public init(
    checkpoint: Checkpoint, input: [Double]?, sigmas: [Double], simulation: NetworkSimulationOptions,
    progress: (String) -> Void = { _ in }
  ) throws {
    let task = TaskTarget.named(checkpoint.task, inputs: checkpoint.inputSize, outputs: checkpoint.outputSize)
    guard let u = input ?? task?.defaultInput ?? TaskTarget.defaultInputWithoutTarget(checkpoint.task, inputs: checkpoint.inputSize) else {
      throw NetworkError.badInput(
        "the checkpoint's task (\(checkpoint.task ?? "none")) does not define a default input; give one with \(checkpoint.inputSize) value(s)")
    }
    try simulation.validate()
    var simulation = simulation
    simulation.stateCovariance = false  // the levels read the readout only
    let net = try Network(checkpoint: checkpoint, input: u)
    let settled = try net.lawMeanField(sigma: 0, start: [Double](repeating: 0, count: net.size))
    var start = settled
    var levels: [Level] = []
    for sigma in sigmas {
      progress("\(checkpoint.noiseModel.label) noise: mean field, closure and chain at sigma = \(sigma)")
      let h = try net.lawMeanField(sigma: sigma, start: start)
      start = h
      let readout = net.readout(h)
      if sigma == 0 {
        levels.append(Level(
          sigma: 0, meanFieldReadout: readout, closureReadout: readout, simulatedReadout: readout,
          simulatedStandardError: readout.map { _ in 0 }))
        continue
      }
      // A closure that does not settle (or whose linearised map is not
      // stable) is reported as such; the mean field and the chain stand.
      var closure: [Double]?, failure: String?
      do { closure = try net.lawClosure(sigma: sigma, start: h).readoutMean } catch { failure = "\(error)" }
      let sim = try net.stationaryEstimate(sigma: sigma, scheme: .chain, start: h, options: simulation, table: nil)
      levels.append(Level(
        sigma: sigma, meanFieldReadout: readout, closureReadout: closure, closureFailure: failure,
        simulatedReadout: sim.readoutMean, simulatedStandardError: sim.readoutStandardError))
    }
    self.checkpoint = checkpoint
    self.noise = checkpoint.noiseModel
    self.input = u
    self.target = task?(u)
    self.noiselessReadout = net.readout(settled)
    self.levels = levels
  }
}
