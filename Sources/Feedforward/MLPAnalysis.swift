import GaussianMoments

/// Everything `analyze-mlp` computes at one input: the noiseless output,
/// and per σ_test the mean-field (diagonal) and closure (linearised
/// covariance) propagation next to a Monte-Carlo simulation of the noisy
/// network. Its report and rendering are Reports' `MLPAnalysisReport`.
public struct MLPAnalysis: Sendable {
  public struct Level: Sendable {
    public var sigma: Double
    public var meanField: MeanFieldPropagation.Result
    public var closure: MeanFieldPropagation.Result
    /// nil at σ = 0 (the output is deterministic there).
    public var simulation: MLPSimulation?
  }

  public var net: MLP
  public var input: [Double]
  /// z at σ = 0: the reference every bias is measured from.
  public var noiselessOutput: [Double]
  public var levels: [Level]
  public var samples: Int
  public var seed: UInt

  public static func run(_ net: MLP, input: [Double], sigmas: [Double], samples: Int, seed: UInt) throws -> MLPAnalysis {
    guard !sigmas.isEmpty else { throw MLPError.badParameter("sigma_test: give at least one noise level") }
    if let bad = sigmas.first(where: { !($0.isFinite && $0 >= 0) }) {
      throw MLPError.badParameter("sigma_test values must be finite and >= 0, got \(bad)")
    }
    let z0 = try net.output(input)
    let evaluator = try MomentEvaluator()
    var levels: [Level] = []
    for sigma in sigmas {
      let mf = try MeanFieldPropagation.propagate(net, input: input, sigma: sigma, covariance: .diagonal, evaluator: evaluator)
      let cl = try MeanFieldPropagation.propagate(net, input: input, sigma: sigma, covariance: .linearised, evaluator: evaluator)
      let sim = sigma > 0 ? try MLPSimulation.run(net, input: input, sigma: sigma, samples: samples, seed: seed) : nil
      levels.append(Level(sigma: sigma, meanField: mf, closure: cl, simulation: sim))
    }
    return MLPAnalysis(net: net, input: input, noiselessOutput: z0, levels: levels, samples: samples, seed: seed)
  }
}
