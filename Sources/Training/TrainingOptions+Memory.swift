import Platform

extension TrainingOptions {
  /// Bytes one training run holds at `steps` steps per trial: BPTT keeps the
  /// states, pre-activations and noise of every step of every trial
  /// (3 · T · B · N doubles) plus the batch's inputs, targets and weights;
  /// the final evaluation does the same with `evaluationTrials` trials.
  /// Approximate (the "+ 8" stands for the per-trial inputs and outputs).
  public func memoryEstimate(steps: Int) throws -> Int {
    let trials = max(batchSize, evaluationTrials)
    return try MemoryBudget.checkedProduct(
      steps, trials, 3 * hidden + 8, MemoryLayout<Double>.size,
      what: "training with --trial-steps \(steps), --batch \(batchSize), --hidden \(hidden) (evaluation: \(evaluationTrials) trials)")
  }

  /// Throws `PlatformError.memory` when `memoryEstimate` exceeds the budget.
  public func checkMemory(steps: Int, budget: MemoryBudget) throws {
    try budget.require(
      bytes: memoryEstimate(steps: steps),
      for: "training with --trial-steps \(steps), --batch \(batchSize), --hidden \(hidden) (evaluation: \(evaluationTrials) trials)")
  }
}
