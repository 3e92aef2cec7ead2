import ArgumentParser
import CTRNN
import Foundation
import Platform
import Reports
import Training

/// Named `mechanism`, not `explain`: it tests one proposed mechanism of the
/// paradox (training bakes the noise-shifted stationary law into the
/// weights; units sit near the nonlinearity; removing the noise leaves a
/// bias) network by network, and says where the closure's prediction fails
/// — it checks an explanation rather than giving one.
struct Mechanism: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Test the noise-bias mechanism on a kept paradox sweep, network by network.",
    discussion: """
      Reads a results file of `paradox --keep DIR` (or `merge`) and every
      checkpoint it links. Per network: the measured test-loss curve next to
      the Gaussian closure's prediction of it, run in time through the very
      trials paradox measured (same inputs, from h = 0, same loss window; no
      simulation), and the stationary closure's loss over --task-inputs
      inputs; the measured and predicted optimum sigma_test, the readout bias at sigma_train
      (simulated, closure, mean-field), and per unit the pre-activation mean
      and sd at sigma_train, its distance to the activation's nonlinearity in
      sd, and its share W_out,i x shift_i of the readout bias. Then per
      (placement, sigma_train): seed means +- SE and a verdict on whether the
      closure predicts the measured optimum.
      Example: fixedpoints paradox --task function --hidden 32 --iterations 1500 --seeds 2 --keep nets --out r.json; fixedpoints mechanism r.json
      """)

  @Argument(help: "Results JSON of paradox --keep (or merge).")
  var results: String

  @Option(name: .customLong("task-inputs"), help: "Inputs: midpoints of the task's input range.")
  var taskInputs = 8

  @OptionGroup var simulation: SimulationOptions<Defaults>
  @OptionGroup var threading: ThreadOptions
  @OptionGroup var output: OutputOptions
  @OptionGroup var limits: LimitOptions

  enum Defaults: SimulationDefaults {
    static let trajectories = 32, steps = 1_000, burnIn = 200
  }

  func validate() throws {
    guard taskInputs >= 1 else { throw ValidationError("--task-inputs must be at least 1, got \(taskInputs)") }
    do { try simulationOptions.validate() } catch { throw ParameterFlags.validationError(error) }
  }

  var simulationOptions: NetworkSimulationOptions { simulation.network(threads: threading.threads) }

  func run() throws {
    let budget = try limits.budget()
    let kept = try KeptSweep(results, budget: budget)
    let sweep = kept.results
    let status = Progress(label: "mechanism", total: kept.kept.count)
    defer { status.finish() }
    guard let trainingTask = TaskCatalogue.task(named: sweep.config.task, steps: sweep.config.trialSteps) else {
      throw ValidationError("\(results): unknown task '\(sweep.config.task)'")
    }
    // The very trials paradox measured every curve on.
    let testTrials = try sweep.config.testBatch(task: trainingTask)
    var networks: [MechanismReport.Input] = []
    for (done, outcome) in kept.kept.enumerated() {
      let (link, model, task) = try kept.load(outcome)
      do {
        let m = try NetworkMechanism(
          checkpoint: model, samples: task.grid(taskInputs), sigmas: sweep.config.sigmaTest, simulation: simulationOptions)
        // The closure in time over the measured trials, at every sigma_test (nil where it fails).
        let trialLoss = sweep.config.sigmaTest.map { try? testTrials.predictedLoss(model, sigma: $0, threads: threading.threads) }
        networks.append(.init(outcome: outcome, checkpoint: link, mechanism: m, predictedTrialLoss: trialLoss))
      } catch let e as NetworkError {
        throw ParameterFlags.validationError(e)
      }
      status.update(done: done + 1, detail: "\(link) done")
    }
    try output.emit(MechanismReport(results: results, config: sweep.config, networks: networks), stage: "the mechanism report")
  }
}
