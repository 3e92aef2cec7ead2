/// What every report is: a value with one JSON form (through `JSONOutput`)
/// and a rendering for each table format. The CLI prints any report the same
/// way (`OutputOptions.emit`), after checking every number in it is finite.
public protocol Report: Encodable {
  func render(_ format: TableFormat) -> String
}

extension AnalysisReport: Report {}
extension StationaryReport: Report {}
extension MomentsReport: Report {}
extension VerifyReport: Report {}
extension TaskLossReport: Report {}
extension DebiasReport: Report {}
extension MechanismReport: Report {}
extension DebiasSweepReport: Report {}
extension ParadoxSummary: Report {}
