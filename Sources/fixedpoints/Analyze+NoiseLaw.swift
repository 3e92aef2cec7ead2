import ArgumentParser
import CTRNN
import Foundation
import Reports

extension Analyze {
  /// A checkpoint whose noise the Gaussian closure does not describe: the
  /// mean field under its law and the exact chain, no closure
  /// (`NoiseLawReport`). Options that only make sense for the closure
  /// analysis are refused rather than ignored.
  func runNoiseLaw(_ model: Checkpoint, path: String, progress: @escaping @Sendable (String) -> Void) throws {
    let label = model.noiseModel.label
    if taskLossOptions.taskLoss { throw ValidationError("--task-loss needs the Gaussian closure; this checkpoint's noise is \(label)") }
    if destination.out != nil { throw ValidationError("--out is not available for noise \(label) yet; use --json") }
    let options = try options
    if options.schemes != [.chain] {
      throw ValidationError("--schemes: only chain for noise \(label) (the diffusion approximation assumes Gaussian noise)")
    }
    let inputs: [[Double]?] = input.isEmpty ? [nil] : input.flatMap(\.conditions)
    var reports: [NoiseLawReport] = []
    for u in inputs {
      do {
        let study = try NoiseLawStudy(
          checkpoint: model, input: u, sigmas: options.sigmas, simulation: options.simulation) { progress($0) }
        reports.append(NoiseLawReport(study, path: path))
      } catch let e as NetworkError {
        throw ParameterFlags.validationError(e)
      }
    }
    for r in reports { try JSONOutput.requireFinite(r, stage: "the noise-law analysis") }
    if output.json {
      print(reports.count == 1 ? try JSONOutput.string(reports[0]) : try JSONOutput.string(reports))
    } else {
      print(reports.map { $0.render(output.format) }.joined(separator: "\n"), terminator: "")
    }
  }
}
