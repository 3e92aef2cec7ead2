import CTRNN
import Foundation

/// `analyze --task-loss`: one network's test loss over its task's inputs at
/// every σ_test, predicted by the Gaussian closure next to the simulated
/// stationary loss, and the optimum σ_test of each.
public struct TaskLossReport: Sendable, Encodable {
  public struct Row: Sendable, Encodable, Equatable {
    public var sigmaTest: Double
    /// Mean over inputs of (E z − y)² + Var z from the closure; nil when it failed at some input.
    public var predictedLoss: Double?
    public var simulatedLoss: Double
    public var simulatedStandardError: Double
    /// (simulated − predicted)/SE.
    public var z: Double?
    public var closureFailures: Int
    public var closureFailure: String?
  }

  public var checkpoint: String
  public var task: String?
  public var activation: String
  public var noise: String
  public var sigmaTrain: Double
  /// The constant inputs averaged over, and their targets.
  public var inputs: [TaskSample]
  public var trajectories: Int
  public var steps: Int
  public var burnIn: Int
  public var seed: UInt64
  public var rows: [Row]
  public var predictedOptimumSigmaTest: Double?
  public var simulatedOptimumSigmaTest: Double
  /// How the two columns are computed, for a reader of the JSON alone.
  public var methods: [String: String]

  public init(_ a: TaskAnalysis, path: String) {
    checkpoint = path
    task = a.checkpoint.task
    activation = a.checkpoint.activation.rawValue
    noise = a.checkpoint.noise.rawValue
    sigmaTrain = a.checkpoint.sigmaTrain
    inputs = a.samples
    trajectories = a.options.simulation.trajectories
    steps = a.options.simulation.steps
    burnIn = a.options.simulation.burnIn
    seed = a.options.simulation.seed
    rows = a.levels.map {
      Row(
        sigmaTest: $0.sigma, predictedLoss: $0.predictedLoss, simulatedLoss: $0.simulatedLoss,
        simulatedStandardError: $0.simulatedStandardError, z: $0.z, closureFailures: $0.closureFailures,
        closureFailure: $0.firstClosureFailure)
    }
    predictedOptimumSigmaTest = a.predictedOptimum?.sigma
    simulatedOptimumSigmaTest = a.simulatedOptimum.sigma
    methods = [
      "predicted_loss": "Gaussian closure at each input: mean over inputs and outputs of (E z - y)^2 + Var z; no simulation",
      "simulated_loss": "exact chain, stationary ensemble per input (input k on seed + k, the same seeds at every sigma_test); same expectation from its readout mean and variance",
      "simulated_standard_error": "sqrt(sum_k SE_k^2)/K; per input SE_m * sqrt(4 (m - y)^2 + 2 v) (delta method; Gaussian SE of the variance)",
    ]
  }

  public var summary: String {
    "\(checkpoint): \(task ?? "unknown task"), \(activation), noise-\(noise), sigma_train = \(sigmaTrain); test loss over \(inputs.count) input(s)"
  }

  public var optimumLine: String {
    let predicted = predictedOptimumSigmaTest.map { "\($0)" } ?? "-"
    return "optimum sigma_test: predicted \(predicted), simulated \(simulatedOptimumSigmaTest)"
  }

  public var table: Table {
    var t = Table(
      columns: ["sigma_test", "predicted loss", "simulated loss", "SE", "z", "closure"],
      caption: "stationary test loss E(z - y)^2 averaged over the task's inputs; predicted: Gaussian closure; simulated: \(trajectories) chains x \(steps) steps per input")
    func g(_ x: Double?) -> String { x.map { String(format: "%.5g", $0) } ?? "-" }
    for r in rows {
      let mark = (r.sigmaTest == predictedOptimumSigmaTest ? "P" : "") + (r.sigmaTest == simulatedOptimumSigmaTest ? "S" : "")
      t.append([
        "\(r.sigmaTest)" + (mark.isEmpty ? "" : " (\(mark))"), g(r.predictedLoss), g(r.simulatedLoss),
        String(format: "%.2g", r.simulatedStandardError), r.z.map { String(format: "%.2f", $0) } ?? "-",
        r.closureFailures == 0 ? "ok" : "failed at \(r.closureFailures)",
      ])
    }
    return t
  }

  public func render(_ format: TableFormat) -> String {
    let body = table.render(format)
    let closing = optimumLine + (format == .markdown ? " (P: predicted optimum, S: simulated)" : "")
    return format.frame(body, heading: summary, closing: closing) {
      summary + "\n\n" + body + optimumLine + " (P/S mark them in the table)\n"
    }
  }
}
