import ArgumentParser
import CTRNN
import Foundation
import Platform
import Reports
import Training

extension Analyze {
  func runTaskLoss(_ model: Checkpoint, path: String, progress: @escaping @Sendable (String) -> Void) throws {
    var o = TaskAnalysis.Options()
    let base = try options
    o.sigmas = base.sigmas
    o.simulation = base.simulation
    let analysis: TaskAnalysis
    do {
      analysis = try TaskAnalysis(checkpoint: model, gridPoints: taskLossOptions.taskInputs, options: o) { progress($0) }
    } catch let e as NetworkError {
      throw ParameterFlags.validationError(e)
    }
    try output.emit(TaskLossReport(analysis, path: path), stage: "the task-loss analysis")
  }
}
