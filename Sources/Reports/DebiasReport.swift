import CTRNN
import Foundation

/// `debias`: a noisy network's biases re-set so its σ = 0 behaviour
/// reproduces its stationary readout at σ (σ_train by default), and the
/// test loss of the network before and after, at σ_test = 0 and at σ.
public struct DebiasReport: Sendable, Encodable {
  public struct Loss: Sendable, Encodable, Equatable {
    public var sigmaTest: Double
    public var predicted: Double?
    public var simulated: Double
    public var simulatedStandardError: Double
  }

  public var checkpoint: String
  public var output: String
  public var task: String?
  public var activation: String
  public var noise: String
  public var sigmaTrain: Double
  /// The σ whose stationary readout the debiased network reproduces at σ = 0.
  public var sigma: Double
  public var inputs: [TaskSample]
  /// Δb per hidden unit, and at how many inputs each unit was active.
  public var biasChange: [Double]
  public var activeInputs: [Int]
  public var readoutBiasChange: [Double]
  /// Gauss–Newton steps after the closed-form start.
  public var refinementSteps: Int
  /// RMS over inputs of (σ = 0 readout − closure readout at σ), before and after.
  public var readoutMismatchBefore: Double
  public var readoutMismatchAfter: Double
  /// Losses at σ_test = 0 and σ, before and after.
  public var before: [Loss]
  public var after: [Loss]
  /// What is left of the zero-noise penalty (simulated):
  /// (L_after(0) − L_before(σ)) / (L_before(0) − L_before(σ)); 0 when the
  /// bias is the whole story, 1 when debiasing did nothing; nil when the
  /// penalty is not positive (nothing to remove).
  public var penaltyRemaining: Double?
  public var methods: [String: String]

  public init(_ d: Debias, before: TaskAnalysis, after: TaskAnalysis, path: String, output: String) {
    checkpoint = path
    self.output = output
    task = d.original.task
    activation = d.original.activation.rawValue
    noise = d.original.noise.rawValue
    sigmaTrain = d.original.sigmaTrain
    sigma = d.sigma
    inputs = d.samples
    biasChange = d.biasChange
    activeInputs = d.activeInputs
    readoutBiasChange = d.readoutBiasChange
    refinementSteps = d.refinementSteps
    readoutMismatchBefore = d.residualBefore
    readoutMismatchAfter = d.residualAfter
    func losses(_ a: TaskAnalysis) -> [Loss] {
      a.levels.map { Loss(sigmaTest: $0.sigma, predicted: $0.predictedLoss, simulated: $0.simulatedLoss, simulatedStandardError: $0.simulatedStandardError) }
    }
    self.before = losses(before)
    self.after = losses(after)
    penaltyRemaining = Self.remaining(before: self.before, after: self.after, sigma: d.sigma)
    methods = [
      "bias_change": "per input k the closure at sigma gives m_k; Delta_k = f^-1(m_k) - mu_k on active units (exact for one input); over inputs (Delta, delta_out) minimise sum_k |W_out J_k (Delta - Delta_k) + delta_out|^2 + \(Debias.stateWeight) |J_k (Delta - Delta_k)|^2, J_k = (I - D_k W)^-1 D_k; then up to \(Debias.refinements) Gauss-Newton steps of the same objective linearised at the debiased network's fixed points (step halving); delta_out refitted on the debiased fixed points",
      "losses": "TaskAnalysis over the same inputs: predicted = Gaussian closure, simulated = exact chain ensembles (same seeds before and after)",
      "penalty_remaining": "(L_after(0) - L_before(sigma)) / (L_before(0) - L_before(sigma)), simulated losses",
    ]
  }

  static func remaining(before: [Loss], after: [Loss], sigma: Double) -> Double? {
    guard let b0 = before.first(where: { $0.sigmaTest == 0 }), let bs = before.first(where: { $0.sigmaTest == sigma }),
      let a0 = after.first(where: { $0.sigmaTest == 0 })
    else { return nil }
    let penalty = b0.simulated - bs.simulated
    guard penalty > 0 else { return nil }
    return (a0.simulated - bs.simulated) / penalty
  }

  public var summary: String {
    "\(checkpoint) -> \(output): \(task ?? "unknown task"), \(activation), noise-\(noise), sigma_train = \(sigmaTrain); biases re-set to the closure at sigma = \(sigma) over \(inputs.count) input(s)"
  }

  public var table: Table {
    var t = Table(
      columns: ["sigma_test", "before predicted", "before simulated", "after predicted", "after simulated"],
      caption: "test loss E(z - y)^2 over the task's inputs, before and after debiasing")
    func g(_ x: Double?) -> String { x.map { String(format: "%.5g", $0) } ?? "-" }
    for (b, a) in zip(before, after) {
      t.append([
        "\(b.sigmaTest)", g(b.predicted), g(b.simulated) + " ± " + String(format: "%.2g", b.simulatedStandardError), g(a.predicted),
        g(a.simulated) + " ± " + String(format: "%.2g", a.simulatedStandardError),
      ])
    }
    return t
  }

  public var conclusion: String {
    var s = String(format: "readout mismatch to the sigma = %g stationary readout: %.3g before, %.3g after", sigma, readoutMismatchBefore, readoutMismatchAfter)
    if let r = penaltyRemaining {
      s += String(format: "; zero-noise penalty remaining: %.0f%%", 100 * r)
      s += r < 0.2 ? " (the bias is most of the story)" : " (the bias is not the whole story)"
    } else {
      s += "; no zero-noise penalty to remove (loss at sigma_test = 0 is not above the loss at sigma)"
    }
    return s
  }

  public func render(_ format: TableFormat) -> String {
    let body = table.render(format)
    return format.frame(body, heading: summary, closing: conclusion) { summary + "\n\n" + body + conclusion + "\n" }
  }
}
