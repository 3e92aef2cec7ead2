import Feedforward
import Foundation

/// The `analyze-mlp` report: per σ_test the output mean and variance of a
/// noisy feedforward network from the layer-by-layer Gaussian propagation
/// (mean field: diagonal; closure: linearised covariance) against the
/// simulated network ± SE, and the noise-induced bias. Keys follow
/// `analyze`'s where they mean the same thing (`noise_levels`, `sigma`,
/// `analytic_mean_field`, `analytic_closure`, `simulated_mean`,
/// `simulated_se`, `bias`, `analytic_bias`, `z`, `output_error`, `worst_z`).
public struct MLPAnalysisReport: Encodable, Sendable {
  public struct Model: Encodable, Sendable {
    public var architecture: String
    public var layers: [Int]
    public var activation: String
    public var noise: String
    public var sigmaTrain: Double
    public var task: String?
  }

  public struct Level: Encodable, Sendable {
    public var sigma: Double
    public var analyticMeanField, analyticClosure: [Double]
    public var analyticVarianceMeanField, analyticVarianceClosure: [Double]
    /// At σ = 0 the noiseless output itself, with SE 0.
    public var simulatedMean, simulatedSe: [Double]
    public var simulatedVariance, simulatedVarianceSe: [Double]
    /// Simulated mean minus the noiseless output (SE = `simulated_se`).
    public var bias: [Double]
    /// Closure mean minus the noiseless output; and the mean field's.
    public var analyticBias, analyticBiasMeanField: [Double]
    /// (simulated − closure)/SE, for the mean and for the variance; 0 at σ = 0.
    public var z, zVariance: [Double]
    /// E(z − y)² = (E z − y)² + Var z when the task has a known target:
    /// simulated, and from the closure.
    public var outputError, outputErrorClosure: Double?
  }

  public var model: Model
  public var input: [Double]
  public var noiselessOutput: [Double]
  public var target: Double?
  public var samples: Int
  public var seed: UInt
  public var noiseLevels: [Level]
  /// Largest |z| over the σ's, outputs, means and variances.
  public var worstZ: Double
  public var methods: [String: String]
  public var verdict: String

  enum CodingKeys: String, CodingKey {
    case model, input, noiselessOutput, target, samples, seed, noiseLevels, worstZ, methods, verdict
  }

  /// The target of a known task at this input: `function` is sin(πu) for a
  /// one-input, one-output network (as for the CTRNN).
  public static func target(task: String?, input: [Double], outputs: Int) -> Double? {
    guard task == "function", input.count == 1, outputs == 1 else { return nil }
    return sin(Double.pi * input[0])
  }

  public init(_ a: MLPAnalysis) {
    let net = a.net
    model = Model(
      architecture: MLP.architecture, layers: net.sizes, activation: net.activation.rawValue, noise: net.noise.label,
      sigmaTrain: net.sigmaTrain, task: net.task)
    input = a.input
    noiselessOutput = a.noiselessOutput
    samples = a.samples
    seed = a.seed
    let y = Self.target(task: net.task, input: a.input, outputs: net.outputSize)
    target = y
    let z0 = a.noiselessOutput
    let o = z0.count
    noiseLevels = a.levels.map { level in
      let zeros = [Double](repeating: 0, count: o)
      let sim = level.simulation
      let simMean = sim?.mean ?? z0
      let simSE = sim?.meanSE ?? zeros
      let simVar = sim?.variance ?? zeros
      let simVarSE = sim?.varianceSE ?? zeros
      let cl = level.closure, mf = level.meanField
      let clVar = cl.outputVariance
      func z(_ x: Double, _ ref: Double, _ se: Double) -> Double { se > 0 ? (x - ref) / se : 0 }
      return Level(
        sigma: level.sigma, analyticMeanField: mf.outputMean, analyticClosure: cl.outputMean,
        analyticVarianceMeanField: mf.outputVariance, analyticVarianceClosure: clVar,
        simulatedMean: simMean, simulatedSe: simSE, simulatedVariance: simVar, simulatedVarianceSe: simVarSE,
        bias: (0..<o).map { simMean[$0] - z0[$0] }, analyticBias: (0..<o).map { cl.outputMean[$0] - z0[$0] },
        analyticBiasMeanField: (0..<o).map { mf.outputMean[$0] - z0[$0] },
        z: (0..<o).map { z(simMean[$0], cl.outputMean[$0], simSE[$0]) },
        zVariance: (0..<o).map { z(simVar[$0], clVar[$0], simVarSE[$0]) },
        outputError: y.map { (simMean[0] - $0) * (simMean[0] - $0) + simVar[0] },
        outputErrorClosure: y.map { (cl.outputMean[0] - $0) * (cl.outputMean[0] - $0) + clVar[0] })
    }
    worstZ = noiseLevels.flatMap { $0.z + $0.zVariance }.map(abs).max() ?? 0
    methods = [
      "analytic_mean_field": "Gaussian pre-activations propagated layer by layer, units independent (covariance diagonal); per-unit moments from MomentEvaluator (closed forms for relu/linear/hardtanh, quadrature otherwise)",
      "analytic_closure": "as analytic_mean_field, with the off-diagonal covariance linearised: Cov(f(a_i), f(a_j)) = E f'(a_i) E f'(a_j) Cov(a_i, a_j) (first order of Price's theorem); exact for a linear f and for one hidden layer",
      "simulated": "\(a.samples) independent noisy forward passes per sigma, GSL mt19937 at seed \(a.seed) (the same draws at every sigma); SE of the mean s/sqrt(n), of the variance sqrt((m4 - s^4)/n); at sigma = 0 the noiseless output, SE 0",
      "bias": "simulated mean minus the noiseless (sigma = 0) output",
    ]
    verdict = Self.verdict(noiseLevels, sigmaTrain: net.sigmaTrain, worstZ: worstZ)
  }

  static func verdict(_ levels: [Level], sigmaTrain: Double, worstZ: Double) -> String {
    var parts: [String] = []
    if let at = levels.min(by: { abs($0.sigma - sigmaTrain) < abs($1.sigma - sigmaTrain) }), at.sigma > 0 {
      var line = "bias at sigma = \(at.sigma): simulated \(Uncertainty.format(at.bias[0], se: at.simulatedSe[0])), closure \(PaperNumber.plain(at.analyticBias[0])), mean field \(PaperNumber.plain(at.analyticBiasMeanField[0]))"
      // The relative disagreement says more than z once the SE is tiny:
      // beyond one hidden layer the propagation is an approximation.
      if at.bias[0] != 0 {
        line += String(format: " (closure %+.1f%% of simulated)", 100 * (at.analyticBias[0] - at.bias[0]) / abs(at.bias[0]))
      }
      parts.append(line)
    }
    if let best = levels.filter({ $0.outputError != nil }).min(by: { $0.outputError! < $1.outputError! }) {
      parts.append("lowest simulated output error at sigma = \(best.sigma)")
    }
    parts.append("worst |z| = \(String(format: "%.2f", worstZ))")
    return parts.joined(separator: "; ")
  }

  public var table: Table {
    let o = noiselessOutput.count
    var columns = ["sigma"]
    if o > 1 { columns.append("output") }
    columns += [
      "mean (closure)", "mean (MF)", "mean (sim.)", "z", "var (closure)", "var (sim.)", "z var", "bias (sim.)",
      "bias (closure)",
    ]
    if target != nil { columns += ["error (sim.)", "error (closure)"] }
    var t = Table(
      columns: columns,
      caption:
        "MLP \(model.layers.map(String.init).joined(separator: "-")) \(model.activation), noise-\(model.noise), sigma_train = \(model.sigmaTrain), input \(input.map { "\($0)" }.joined(separator: ",")); noiseless output \(noiselessOutput.map { PaperNumber.plain($0) }.joined(separator: ","))"
    )
    for level in noiseLevels {
      for j in 0..<o {
        var row = ["\(level.sigma)"]
        if o > 1 { row.append("\(j)") }
        row += [
          PaperNumber.plain(level.analyticClosure[j]), PaperNumber.plain(level.analyticMeanField[j]),
          Uncertainty.format(level.simulatedMean[j], se: level.simulatedSe[j]), String(format: "%+.2f", level.z[j]),
          PaperNumber.plain(level.analyticVarianceClosure[j]),
          Uncertainty.format(level.simulatedVariance[j], se: level.simulatedVarianceSe[j]),
          String(format: "%+.2f", level.zVariance[j]),
          Uncertainty.format(level.bias[j], se: level.simulatedSe[j]), PaperNumber.plain(level.analyticBias[j]),
        ]
        if let e = level.outputError, let c = level.outputErrorClosure {
          row += [PaperNumber.plain(e), PaperNumber.plain(c)]
        }
        t.append(row)
      }
    }
    return t
  }

  public func render(_ format: TableFormat) -> String {
    var text = table.render(format)
    if format == .terminal || format == .markdown { text += "\n" + verdict + "\n" }
    return text
  }
}

extension MLPAnalysisReport: Report {}

/// `analyze-mlp --task-loss`: the function task's test loss over its
/// inputs at every σ_test, predicted by the propagation next to the
/// simulated loss ± SE, and the optimum of each. Keys as `analyze
/// --task-loss` where they mean the same.
public struct MLPTaskLossReport: Encodable, Sendable {
  public struct Row: Encodable, Sendable {
    public var sigmaTest: Double
    public var predictedLoss: Double
    public var simulatedLoss: Double
    public var simulatedStandardError: Double
    /// (simulated − predicted)/SE; 0 at σ = 0.
    public var z: Double
  }

  public var model: MLPAnalysisReport.Model
  public var inputs: [Double]
  public var samplesPerInput: Int
  public var seed: UInt
  public var rows: [Row]
  public var predictedOptimumSigmaTest: Double
  public var simulatedOptimumSigmaTest: Double
  public var methods: [String: String]

  public init(_ loss: MLPTaskLoss, net: MLP) {
    model = MLPAnalysisReport.Model(
      architecture: MLP.architecture, layers: net.sizes, activation: net.activation.rawValue, noise: net.noise.label,
      sigmaTrain: net.sigmaTrain, task: net.task)
    inputs = loss.inputs
    samplesPerInput = loss.samplesPerInput
    seed = loss.seed
    rows = loss.levels.map {
      Row(
        sigmaTest: $0.sigma, predictedLoss: $0.predicted, simulatedLoss: $0.simulated,
        simulatedStandardError: $0.simulatedSE,
        z: $0.simulatedSE > 0 ? ($0.simulated - $0.predicted) / $0.simulatedSE : 0)
    }
    predictedOptimumSigmaTest = loss.optimumPredicted
    simulatedOptimumSigmaTest = loss.optimumSimulated
    methods = [
      "predicted_loss": "mean over the inputs of (E z - sin(pi u))^2 + Var z, E z and Var z from the layer-wise propagation with linearised covariance",
      "simulated_loss": "mean over the inputs of the sample mean of (z - sin(pi u))^2 over samples_per_input noisy passes (seed + input index, the same at every sigma); SE from the squared errors' spread",
    ]
  }

  public var table: Table {
    var t = Table(
      columns: ["sigma_test", "loss (predicted)", "loss (sim.)", "z"],
      caption:
        "MLP \(model.layers.map(String.init).joined(separator: "-")) \(model.activation), noise-\(model.noise), sigma_train = \(model.sigmaTrain): function test loss over \(inputs.count) inputs"
    )
    for r in rows {
      t.append([
        "\(r.sigmaTest)", PaperNumber.plain(r.predictedLoss), Uncertainty.format(r.simulatedLoss, se: r.simulatedStandardError),
        String(format: "%+.2f", r.z),
      ])
    }
    return t
  }

  public func render(_ format: TableFormat) -> String {
    var text = table.render(format)
    if format == .terminal || format == .markdown {
      text += "\noptimum sigma_test: predicted \(predictedOptimumSigmaTest), simulated \(simulatedOptimumSigmaTest)\n"
    }
    return text
  }
}

extension MLPTaskLossReport: Report {}
