import ArgumentParser
import CTRNN
import Foundation
import Reports

extension Analyze {
  /// A checkpoint with Bernoulli dropout: the dropout closure next to the
  /// exact chain at every --rate-test × --sigma-test (`DropoutReport`).
  /// Options of the plain closure analysis only are refused, not ignored.
  func runDropout(_ model: Checkpoint, path: String, progress: @escaping @Sendable (String) -> Void) throws {
    if taskLossOptions.taskLoss { throw ValidationError("--task-loss is not available for dropout checkpoints yet") }
    if destination.out != nil { throw ValidationError("--out is not available for dropout checkpoints yet; use --json") }
    if precision.precision == .f32 { throw ValidationError("--precision f32 is not available for dropout checkpoints (the dropout chain runs in f64)") }
    let options = try options
    if options.schemes != [.chain] {
      throw ValidationError("--schemes: only chain with dropout (the diffusion approximation has no masks)")
    }
    let inputs: [[Double]?] = input.isEmpty ? [nil] : input.flatMap(\.conditions)
    var reports: [DropoutReport] = []
    for u in inputs {
      do {
        let study = try DropoutStudy(
          checkpoint: model, input: u, sigmas: options.sigmas, rates: rateTest?.values, simulation: options.simulation) { progress($0) }
        reports.append(DropoutReport(study, path: path))
      } catch let e as NetworkError {
        throw ParameterFlags.validationError(e)
      }
    }
    for r in reports { try JSONOutput.requireFinite(r, stage: "the dropout analysis") }
    if output.json {
      print(reports.count == 1 ? try JSONOutput.string(reports[0]) : try JSONOutput.string(reports))
    } else {
      print(reports.map { $0.render(output.format) }.joined(separator: "\n"), terminator: "")
    }
  }
}
