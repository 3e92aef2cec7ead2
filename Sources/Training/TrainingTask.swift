import GSL

/// A task a CTRNN is trained on: it draws batches of trials from a random
/// number generator, so the same seed gives the same data. Each task states
/// its target and its loss window in its documentation.
public protocol TrainingTask: Sendable {
  /// The `task` metadata written into checkpoints ("function", …).
  var name: String { get }
  var inputSize: Int { get }
  var outputSize: Int { get }
  /// Steps per trial.
  var steps: Int { get }
  /// One line for reports: what goes in, what must come out.
  var summary: String { get }
  /// B trials drawn with `rng`.
  func batch(trials: Int, rng: GSLRandom) -> TrialBatch
}

/// The tasks `fixedpoints train --task NAME` knows.
public enum TaskCatalogue {
  public static let names = [
    "function", "regulator", "path-integration", "decision", "flipflop", "decision-fixation", "maze", "multitask",
  ]

  /// The fewest steps per trial the task called `name` can be built with
  /// (decision and multitask need one step in each of their periods).
  public static func minimumSteps(_ name: String) -> Int {
    switch name {
    case "decision", "decision-fixation": return 10
    case "multitask": return 20
    default: return 2
    }
  }

  /// The task called `name` with `steps` steps per trial (nil: its default);
  /// nil for an unknown name or fewer than `minimumSteps(name)` steps.
  public static func task(named name: String, steps: Int? = nil) -> (any TrainingTask)? {
    if let steps, steps < minimumSteps(name) { return nil }
    switch name {
    case "function": return FunctionTask(steps: steps ?? FunctionTask.defaultSteps)
    case "regulator": return RegulatorTask(steps: steps ?? RegulatorTask.defaultSteps)
    case "path-integration": return PathIntegrationTask(steps: steps ?? PathIntegrationTask.defaultSteps)
    case "decision": return DecisionTask(steps: steps ?? DecisionTask.defaultSteps)
    case "flipflop": return FlipFlopTask(steps: steps ?? FlipFlopTask.defaultSteps)
    case "decision-fixation": return DecisionTask(steps: steps ?? DecisionTask.defaultSteps, fixationOutput: true)
    case "maze": return MazeTask(steps: steps ?? MazeTask.defaultSteps)
    case "multitask": return MultiTask(steps: steps ?? MultiTask.defaultSteps)
    default: return nil
    }
  }
}
