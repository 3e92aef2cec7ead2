import ArgumentParser
import CTRNN
import Foundation
import Platform
import Reports
import Training

extension DebiasCommand {
  /// Every kept network of a paradox results file: debiased one by one (a
  /// failure is recorded, not fatal), the checkpoints written into the -o
  /// directory together at the end, then the sweep report.
  func runSweep() throws {
    let budget = try limits.budget()
    let kept = try KeptSweep(checkpoint, budget: budget)
    let status = Progress(label: "debias", total: kept.kept.count)
    defer { status.finish() }
    var entries: [(ParadoxOutcome, String, DebiasSweepReport.Outcome)] = []
    var files: [(name: String, data: Data)] = []
    for (done, outcome) in kept.kept.enumerated() {
      let (link, model, task) = try kept.load(outcome)
      let name = URL(fileURLWithPath: link).lastPathComponent
      do {
        let debias = try Debias(checkpoint: model, samples: task.grid(taskInputs), sigma: sigma)
        let losses = try debias.losses(simulation: simulationOptions)
        let report = DebiasReport(debias, before: losses.before, after: losses.after, path: link, output: name)
        try JSONOutput.requireFinite(report, stage: "debias of \(link)")
        files.append((name, Data(try debias.debiased.safetensorsBytes())))
        entries.append((outcome, link, .debiased(report)))
      } catch let e as NetworkError {
        // A network the closure cannot describe at some input is a finding, not a crash.
        entries.append((outcome, link, .failed(e.description)))
      }
      status.update(done: done + 1, detail: "\(link) done")
    }
    let report = DebiasSweepReport(results: checkpoint, config: kept.results.config, entries: entries)
    try JSONOutput.requireFinite(report, stage: "the debias sweep")
    do { try OutputDirectory.write(files, to: out) } catch { throw ValidationError("-o/--out: \(error)") }
    try output.emit(report, stage: "the debias sweep")
  }
}
