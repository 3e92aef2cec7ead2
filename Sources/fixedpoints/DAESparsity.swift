import ArgumentParser
import Feedforward
import Foundation
import Platform
import Reports
import Training

/// `dae-sparsity`: Bricken et al.'s sparsity-vs-noise table, reproduced on
/// the synthetic sparse-pattern data: one denoising autoencoder trained per
/// sigma_train, each analysed at its own training noise.
struct DAESparsity: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "dae-sparsity",
    abstract: "Sparsity of a ReLU denoising autoencoder against training noise (Bricken et al. 2023), with Eqs. 20-25 checked on its activations.",
    discussion: """
      Trains one autoencoder per --sigma-train (32 inputs, --hidden relu units,
      synthetic sparse patterns: 16 dictionary features each on with
      probability 0.1; noise of sd sigma on the input; Adam) and analyses each at
      sigma_test = sigma_train: the fraction of active hidden units on clean and
      on noisy inputs (Eq. 20 predicts the noisy one), dead units, the mean
      encoder bias and weight norm, the reconstruction loss, and the worst |z|
      of Eq. 21 (E h), the corrected Eqs. 23/25 (E eta^2) and the closed-form
      E[eta_j eta_k] against the trained network's measured activations
      (--data evaluation data x --draws noise draws each; z is standard normal
      when the formula is right, the bound is 5). At sigma = 0 there is no
      noise and the comparisons are empty.
      --from FILE re-renders a report written with --json or --out.
      Example: fixedpoints dae-sparsity --sigma-train 0,0.1,0.3,0.5,0.8 --iterations 3000 --seed 1
      """)

  static let defaultDraws = 10_000

  @Option(name: .customLong("sigma-train"), help: "Training noise levels (sd on the input): a list or start:stop:step.")
  var sigmaTrain = NumberList([0, 0.1, 0.3, 0.5, 0.8])

  @Option(help: "Hidden units.")
  var hidden = 64

  @Option(help: "Training iterations (mini-batches of fresh data).")
  var iterations = 3000

  @Option(help: "Data per mini-batch.")
  var batch = 32

  @Option(help: "Adam learning rate (cosine-decayed to a tenth).")
  var lr = 3e-3

  @Option(help: "Seed of the weights, the batches and the noise (the data set's dictionary is fixed).")
  var seed: UInt64 = 1

  @Option(help: "Evaluation data per network.")
  var data = 16

  @Option(help: "Noise draws per evaluation datum.")
  var draws = defaultDraws

  @Option(name: [.customShort("o"), .customLong("out")], help: "Also write the JSON report to this file.")
  var out: String?

  @Option(help: "Re-render a report written by --json or --out (no training).")
  var from: String?

  @OptionGroup var output: OutputOptions

  func validate() throws {
    if let bad = sigmaTrain.values.first(where: { !($0.isFinite && $0 >= 0) }) {
      throw ValidationError("--sigma-train values must be finite and >= 0, got \(bad)")
    }
    guard (1...4096).contains(hidden) else { throw ValidationError("--hidden must be in 1...4096, got \(hidden)") }
    guard (1...1_000_000).contains(iterations) else { throw ValidationError("--iterations must be in 1...1000000, got \(iterations)") }
    guard (1...100_000).contains(batch) else { throw ValidationError("--batch must be in 1...100000, got \(batch)") }
    guard lr > 0, lr <= 1 else { throw ValidationError("--lr must be in (0, 1], got \(lr)") }
    guard (1...10_000).contains(data) else { throw ValidationError("--data must be in 1...10000, got \(data)") }
    guard (2...1_000_000).contains(draws) else { throw ValidationError("--draws must be in 2...1000000, got \(draws)") }
    if from != nil, out != nil { throw ValidationError("--from re-renders a report; --out does not apply") }
    if let out { try OutputPath.validate(out, option: "-o/--out") }
  }

  func run() throws {
    if let from {
      let bytes: Data
      do { bytes = try Data(contentsOf: URL(fileURLWithPath: from)) } catch {
        throw ValidationError("--from: cannot read \(from): \(error.localizedDescription)")
      }
      let report: DAESparsityReport
      do { report = try DAESparsityReport.decode(bytes) } catch { throw ValidationError("--from: \(from) is not a dae-sparsity report (\(error))") }
      return try output.emit(report, stage: "the report")
    }
    var analyses: [DAEAnalysis] = []
    var model: [String: String] = [:]
    for sigma in sigmaTrain.values {
      var o = DAETrainer.Options(sigma: sigma)
      o.hidden = hidden
      o.iterations = iterations
      o.batchSize = batch
      o.learningRate = lr
      o.seed = seed
      let result: DAETrainer.Result
      do { result = try DAETrainer.train(o) } catch let e as TrainingError { throw ValidationError(e.description) }
      model = Self.modelDescription(result.dae)
      model["iterations"] = "\(iterations)"
      model["batch"] = "\(batch)"
      model["lr"] = "\(lr)"
      model["seed"] = "\(seed)"
      analyses.append(try DAEAnalysis.run(result.dae, sigma: sigma, data: data, draws: draws, seed: UInt(seed)))
    }
    let report = DAESparsityReport(analyses, model: model)
    try JSONOutput.requireFinite(report, stage: "the DAE sweep")
    if let out {
      do { try OutputFile.write(Data((try JSONOutput.string(report) + "\n").utf8), to: out) } catch let e as PlatformError {
        throw ValidationError("-o/--out: \(e)")
      }
    }
    try output.emit(report, stage: "the DAE sweep")
  }

  /// The network and data description a report carries.
  static func modelDescription(_ dae: DenoisingAutoencoder) -> [String: String] {
    [
      "architecture": DenoisingAutoencoder.architecture, "layers": "\(dae.inputSize),\(dae.hiddenSize),\(dae.inputSize)",
      "data": "\(SparsePatterns.name): \(dae.data.features) features, probability \(dae.data.probability), dictionary seed \(dae.data.seed)",
    ]
  }
}
