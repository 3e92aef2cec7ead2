import ArgumentParser
import CTRNN
import Foundation
import Platform
import Training

/// A results file of `paradox --keep` (or `merge`) and the networks it
/// links, for the commands that work network by network (`mechanism`,
/// `debias RESULTS.json`): links resolve relative to the results file, each
/// checkpoint is read under the memory budget and must belong to a task
/// with a known input distribution.
struct KeptSweep {
  let path: String
  let results: ParadoxResults
  /// The outcomes that link a checkpoint, in the file's order.
  let kept: [ParadoxOutcome]
  let budget: MemoryBudget

  init(_ path: String, budget: MemoryBudget) throws {
    self.path = path
    self.budget = budget
    results = try ResultsFile.read(path, budget: budget)
    kept = results.outcomes.filter { $0.checkpoint != nil }
    guard !kept.isEmpty else { throw ValidationError("\(path) links no checkpoints; run paradox with --keep DIR") }
  }

  /// One kept network: its link as written, the checkpoint, and its task.
  func load(_ outcome: ParadoxOutcome) throws -> (link: String, model: Checkpoint, task: TaskTarget) {
    let link = outcome.checkpoint ?? ""
    let base = URL(fileURLWithPath: path).deletingLastPathComponent()
    let file = link.hasPrefix("/") ? link : base.appendingPathComponent(link).path
    let model: Checkpoint
    do {
      model = try Checkpoint(contentsOf: URL(fileURLWithPath: file), budget: budget)
      try model.checkAnalysisLimits(budget: budget)
    } catch {
      throw ValidationError("\(link) (linked from \(path)): \(error)")
    }
    guard let task = TaskTarget.named(model.task, inputs: model.inputSize, outputs: model.outputSize), task.inputRange != nil else {
      throw ValidationError("\(link): task \(model.task ?? "none") has no known input distribution (function, regulator)")
    }
    return (link, model, task)
  }
}
