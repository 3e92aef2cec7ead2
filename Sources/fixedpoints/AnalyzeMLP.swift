import ArgumentParser
import Feedforward
import Foundation
import Reports

/// `analyze-mlp`: the feedforward analysis with its own options. `analyze`
/// reads the checkpoint's `architecture` and dispatches an MLP file to the
/// same code (`report`), so `analyze mlp.ckpt` and `analyze-mlp mlp.ckpt`
/// print the same report; this command stays for its defaults (20 task
/// inputs) and because scripts use it.
struct AnalyzeMLP: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "analyze-mlp",
    abstract: "Noise-induced output bias of a feedforward (MLP) checkpoint: layer-wise Gaussian propagation vs simulation.",
    discussion: """
      For one input u and each sigma_test: the output mean and variance from
      propagating Gaussian pre-activations layer by layer with the closed-form /
      quadrature moments of the activation -- mean field (units independent)
      and closure (off-diagonal covariance linearised, E f'(a_i) E f'(a_j)
      Cov(a_i, a_j)) -- next to the simulated noisy network +- SE (--samples
      independent forward passes, the same draws at every sigma). bias =
      simulated mean - noiseless output; z = (simulated - closure)/SE. Exact
      for one hidden layer and for a linear activation; approximate from the
      second hidden layer on. function task: output error E(z - sin(pi u))^2.
      """)

  @Argument(help: "An MLP .ckpt file (safetensors, metadata architecture = mlp).")
  var checkpoint: String

  @Option(name: .customLong("sigma-test"), help: "Test noise levels: a list 0,0.1,0.5 or a range start:stop:step.")
  var sigmaTest = NumberList(stride(from: 0.0, through: 1.0, by: 0.1).map(NumberList.tidy))

  @Option(help: "The input u, one comma-separated value per network input (default 0.5 for a one-input network).")
  var input: NumberList?

  @Option(help: "Simulated forward passes per sigma (2...\(MLPSimulation.maxSamples)).")
  var samples = 100_000

  @Option(help: "Seed of the simulated noise (GSL mt19937).")
  var seed: UInt = 1

  @Flag(name: .customLong("task-loss"), help: "Report the function task's test loss over its inputs at every sigma_test: predicted and simulated, with the optimum of each.")
  var taskLoss = false

  @Option(name: .customLong("task-inputs"), help: "--task-loss: the number of inputs u (midpoints of equal cells of [-1, 1]).")
  var taskInputs = 20

  @OptionGroup var output: OutputOptions

  func validate() throws {
    if let bad = sigmaTest.values.first(where: { !($0.isFinite && $0 >= 0) }) {
      throw ValidationError("--sigma-test values must be finite and >= 0, got \(bad)")
    }
    guard (2...MLPSimulation.maxSamples).contains(samples) else {
      throw ValidationError("--samples must be in 2...\(MLPSimulation.maxSamples), got \(samples)")
    }
    guard (1...1000).contains(taskInputs) else { throw ValidationError("--task-inputs must be in 1...1000, got \(taskInputs)") }
    if taskLoss, input != nil { throw ValidationError("--task-loss averages over the task's inputs; drop --input") }
    if let input, let bad = input.values.first(where: { !$0.isFinite }) {
      throw ValidationError("--input values must be finite, got \(bad)")
    }
  }

  func run() throws {
    let net = try MLP(contentsOf: URL(fileURLWithPath: checkpoint))
    try Self.report(
      net, sigmas: sigmaTest.values, input: input?.values, samples: samples, seed: seed, taskLoss: taskLoss,
      taskInputs: taskInputs, output: output)
  }

  /// The analysis and its output, shared with `analyze` (which dispatches
  /// an MLP checkpoint here): `input` nil means the default 0.5 of a
  /// one-input network.
  static func report(
    _ net: MLP, sigmas: [Double], input: [Double]?, samples: Int, seed: UInt, taskLoss: Bool, taskInputs: Int,
    output: OutputOptions
  ) throws {
    if taskLoss {
      guard net.task == "function" else {
        throw ValidationError("--task-loss needs a function-task checkpoint; this one's task is '\(net.task ?? "none")'")
      }
      let loss = try MLPTaskLoss.run(
        net, inputs: MLPTaskLoss.midpoints(taskInputs), sigmas: sigmas, samplesPerInput: samples, seed: seed)
      return try output.emit(MLPTaskLossReport(loss, net: net), stage: "the MLP task loss")
    }
    let u: [Double]
    if let input {
      guard input.count == net.inputSize else {
        throw ValidationError("--input has \(input.count) value(s); the network takes \(net.inputSize)")
      }
      u = input
    } else {
      guard net.inputSize == 1 else {
        throw ValidationError("--input is required: the network takes \(net.inputSize) inputs")
      }
      u = [0.5]
    }
    let analysis = try MLPAnalysis.run(net, input: u, sigmas: sigmas, samples: samples, seed: seed)
    try output.emit(MLPAnalysisReport(analysis), stage: "the MLP analysis")
  }
}
