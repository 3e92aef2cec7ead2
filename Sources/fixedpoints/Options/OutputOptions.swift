import ArgumentParser
import Foundation
import Reports

/// Output options shared by every command that prints results.
struct OutputOptions: ParsableArguments {
  @Flag(help: "Print exactly one JSON object instead of a table.")
  var json = false

  /// Optional so that an explicit `--format terminal` next to `--json` is
  /// caught too; read it through `format`.
  @Option(name: .customLong("format"), help: "Table format: terminal (default), markdown, csv or latex.")
  var requestedFormat: TableFormat?

  var format: TableFormat { requestedFormat ?? .terminal }

  func validate() throws {
    if json && requestedFormat != nil {
      throw ValidationError("--json and --format are alternatives; give one")
    }
  }

  /// Prints a report as one JSON object or as its table, after checking that
  /// every number in it is finite (a non-finite one names `stage`, exit 2).
  func emit<R: Report>(_ report: R, stage: String) throws {
    try JSONOutput.requireFinite(report, stage: stage)
    if json {
      print(try JSONOutput.string(report))
    } else {
      print(report.render(format), terminator: "")
    }
  }
}

extension TableFormat: ExpressibleByArgument {}

/// Where a command writes its results besides stdout (`analyze`: a
/// directory of report files). Its own group, not part of `OutputOptions`,
/// so commands that write no files do not accept a flag they would ignore.
struct OutputPathOptions: ParsableArguments {
  @Option(name: [.customShort("o"), .customLong("out")], help: "Also write the results here (analyze: a directory).")
  var out: String?

  func validate() throws {
    if let out { try OutputPath.validateDirectory(out, names: AnalysisReport.fileNames, option: "-o/--out") }
  }
}
