import ArgumentParser
import CTRNN
import Foundation
import Platform
import Reports

struct DebiasCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "debias",
    abstract: "Write a deterministic network whose sigma = 0 readout reproduces a noisy network's stationary readout.",
    discussion: """
      For each of the task's inputs (--task-inputs midpoints of its input
      range) the Gaussian closure at --sigma (default: the checkpoint's
      sigma_train) gives the stationary mean; the biases b are re-set so the
      noiseless fixed points reproduce it (f^-1 of the mean on active units,
      combined over inputs by a readout-weighted least-squares fit) and b_out
      absorbs what is left. Reports the test loss at sigma_test = 0 and at
      sigma before and after (closure-predicted and simulated): if the
      debiased network's zero-noise loss falls to the noisy loss, the
      noise-induced bias is the whole story.
      Given a results file of `paradox --keep` (or `merge`) instead, every
      kept network is debiased: -o is then a directory that receives one
      debiased checkpoint per network (all or nothing), and the report is a
      table per (placement, sigma_train) with seed means; a network whose
      closure cannot be solved is listed with the reason and left out.
      Example: fixedpoints debias Data/function-relu-noise-in.ckpt -o debiased.ckpt
      Example: fixedpoints debias r.json -o debiased/
      """)

  @Argument(help: "A .ckpt file (safetensors), or a paradox --keep results file (.json).")
  var checkpoint: String

  @Option(name: [.customShort("o"), .customLong("out")], help: "Checkpoint file to write (required); a directory for a results file.")
  var out: String

  /// A results file of a kept sweep, not one checkpoint.
  var sweep: Bool { checkpoint.hasSuffix(".json") }

  @Option(help: "The noise level (sd per step, as sigma_train) whose stationary readout to reproduce (default: the checkpoint's sigma_train).")
  var sigma: Double?

  @Option(name: .customLong("task-inputs"), help: "Inputs: midpoints of the task's input range.")
  var taskInputs = 8

  @OptionGroup var simulation: SimulationOptions<Defaults>
  @OptionGroup var threading: ThreadOptions
  @OptionGroup var output: OutputOptions
  @OptionGroup var limits: LimitOptions

  enum Defaults: SimulationDefaults {
    static let trajectories = 64, steps = 2_000, burnIn = 400
  }

  var simulationOptions: NetworkSimulationOptions { simulation.network(threads: threading.threads) }

  func validate() throws {
    guard taskInputs >= 1 else { throw ValidationError("--task-inputs must be at least 1, got \(taskInputs)") }
    if let s = sigma, !(s.isFinite && s >= 0) { throw ValidationError("--sigma must be finite and >= 0, got \(s)") }
    do { try simulationOptions.validate() } catch { throw ParameterFlags.validationError(error) }
    if sweep {
      // Names are per network; only the directory itself is checked here.
      do { try OutputDirectory.checkWritable(out, names: []) } catch { throw ValidationError("-o/--out: \(error)") }
    } else {
      try OutputPath.validate(out, option: "-o/--out")
    }
  }

  func run() throws {
    if sweep { return try runSweep() }
    let budget = try limits.budget()
    let model = try Checkpoint(contentsOf: URL(fileURLWithPath: checkpoint), budget: budget)
    try model.checkAnalysisLimits(budget: budget)
    do { try model.checkEnsembleWork(simulationOptions) } catch let e as NetworkError { throw ParameterFlags.validationError(e) }
    guard let task = TaskTarget.named(model.task, inputs: model.inputSize, outputs: model.outputSize), task.inputRange != nil else {
      throw ValidationError("the checkpoint's task (\(model.task ?? "none")) has no known input distribution; debias needs one (function, regulator)")
    }
    let debias: Debias
    let losses: (before: TaskAnalysis, after: TaskAnalysis)
    do {
      debias = try Debias(checkpoint: model, samples: task.grid(taskInputs), sigma: sigma)
      losses = try debias.losses(simulation: simulationOptions)
    } catch let e as NetworkError {
      throw ParameterFlags.validationError(e)
    }
    let report = DebiasReport(debias, before: losses.before, after: losses.after, path: checkpoint, output: out)
    // Every number checked before anything is written or printed.
    try JSONOutput.requireFinite(report, stage: "debias")
    try debias.debiased.write(toPath: out)
    try output.emit(report, stage: "debias")
  }
}
