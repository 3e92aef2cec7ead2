import ArgumentParser
import CTRNN
import GaussianMoments
import Platform
import Training

/// Options shared by `train` and `paradox`: the network and the optimiser.
struct TrainingArguments: ParsableArguments {
  @Option(help: "Task: \(TaskCatalogue.names.joined(separator: ", ")).")
  var task = "function"

  @Option(help: "Activation: \(Activation.allCases.map(\.rawValue).joined(separator: ", ")).")
  var activation: Activation = .relu

  @Option(help: "Hidden units N.")
  var hidden = 64

  @Option(name: .customLong("iterations"), help: "Training iterations (mini-batches; default: 3000).")
  var iterationsOption: Int?

  /// The old name of --iterations, accepted and not shown.
  @Option(name: .customLong("steps"), help: .hidden)
  var oldSteps: Int?

  var iterations: Int { iterationsOption ?? oldSteps ?? 3000 }

  @Option(help: "Trials per mini-batch.")
  var batch = 32

  @Option(name: .customLong("trial-steps"), help: "Steps of dt per trial (default: the task's, 100).")
  var trialSteps: Int?

  @Option(help: "Adam learning rate (cosine-decayed to a tenth).")
  var lr = 3e-3

  @Option(help: "Gradient-norm clipping threshold.")
  var clip = 1.0

  @Option(help: "Time step dt, in units of time (the same units as tau); g = dt/tau.")
  var dt = 0.1

  @Option(help: "Time constant tau, in units of time (>= dt).")
  var tau = 1.0

  @OptionGroup var limits: LimitOptions

  func makeTask() throws -> any TrainingTask {
    if let s = trialSteps, s < TaskCatalogue.minimumSteps(task) {
      throw ValidationError("--trial-steps must be at least \(TaskCatalogue.minimumSteps(task)) for \(task), got \(s)")
    }
    guard let t = TaskCatalogue.task(named: task, steps: trialSteps) else {
      throw ValidationError("--task: unknown task '\(task)'; use one of \(TaskCatalogue.names.joined(separator: ", "))")
    }
    return t
  }

  func options(
    noise: NoisePlacement, sigma: Double, seed: UInt64, law: NoiseLaw = .gaussian, gate: NoiseGate? = nil,
    schedule: SigmaSchedule = .constant
  ) -> TrainingOptions {
    var o = TrainingOptions(dynamics: Dynamics(activation: activation, noise: noise, sigma: sigma, dt: dt, tau: tau, law: law, gate: gate))
    o.sigmaSchedule = schedule
    o.hidden = hidden
    o.iterations = iterations
    o.batchSize = batch
    o.learningRate = lr
    o.clipNorm = clip
    o.seed = seed
    return o
  }

  /// Metadata that says how the weights were made, beyond the required keys.
  func metadata(task t: any TrainingTask) -> [String: String] {
    [
      "trained_by": "fixedpoints train", "iterations": "\(iterations)", "batch": "\(batch)", "lr": "\(lr)",
      "clip": "\(clip)", "trial_steps": "\(t.steps)", "task_summary": t.summary,
    ]
  }

  /// A task only the feedforward model has (its command checks the model).
  var isFeedforwardOnlyTask: Bool { MLPTask(rawValue: task) != nil && !TaskCatalogue.names.contains(task) }

  func validate() throws {
    try checkRenamed(iterationsOption, oldSteps, current: "--iterations", old: "--steps")
    // Adam's step is about lr per parameter: above 1 training only diverges,
    // after the run has started (the library accepts it, to test divergence).
    guard lr <= 1 || !lr.isFinite else { throw ValidationError("--lr must be in (0, 1], got \(lr)") }
    if isFeedforwardOnlyTask { return }
    let task = try makeTask()
    do { try options(noise: .inside, sigma: 0, seed: 1).validate() } catch { throw ValidationError(error.description) }
    do { try options(noise: .inside, sigma: 0, seed: 1).checkMemory(steps: task.steps, budget: limits.budget()) } catch let e as PlatformError {
      throw ValidationError(ParameterFlags.message(e))
    }
  }
}
