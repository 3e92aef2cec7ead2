import ArgumentParser

/// `analyze --task-loss [--task-inputs K]`: the test loss over the task's
/// inputs instead of a report at one input. `analyze` calls `check` from
/// its `validate()`, as --task-loss replaces --input and --out.
struct TaskLossOptions: ParsableArguments {
  @Flag(name: .customLong("task-loss"), help: "Report the test loss over the task's inputs at every sigma_test: closure-predicted and simulated, with the optimum of each.")
  var taskLoss = false

  @Option(name: .customLong("task-inputs"), help: "With --task-loss: inputs averaged over (midpoints of the task's input range).")
  var taskInputs = 8

  func check(inputGiven: Bool, outGiven: Bool) throws {
    guard taskLoss else { return }
    guard taskInputs >= 1 else { throw ValidationError("--task-inputs must be at least 1, got \(taskInputs)") }
    if inputGiven { throw ValidationError("--input and --task-loss are alternatives: --task-loss averages over the task's inputs") }
    if outGiven { throw ValidationError("--out is not available with --task-loss; use --json") }
  }
}
