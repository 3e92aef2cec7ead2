import ArgumentParser
import Foundation
import Reports
import Verification

struct Verify: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Run the catalogue of checks: every analytic result against an independent reference.",
    discussion: """
      One row per check: its name, the worst error found, the tolerance and the
      unit both are in (relative, absolute, standard errors, or order). Exit
      status 0 when every check passes, 1 when any fails.
      """)

  @Option(help: "Run only the checks whose name contains this text.")
  var filter: String?

  @Flag(help: "List the checks with the reason for each tolerance, without running them.")
  var list = false

  @OptionGroup var output: OutputOptions

  func run() throws {
    let checks = Catalogue.checks(matching: filter)
    if checks.isEmpty { throw ValidationError("no check matches --filter \(filter ?? "")") }
    if list {
      var table = Table(columns: ["check", "tolerance", "unit", "why that tolerance"], alignments: [.left, .right, .left, .left])
      for c in checks { table.append([c.name, NumberFormat.short(c.tolerance), c.unit.rawValue, c.reason]) }
      print(table.render(output.format), terminator: "")
      return
    }
    let interactive = isatty(STDERR_FILENO) != 0
    var outcomes: [CheckOutcome] = []
    for (i, check) in checks.enumerated() {
      if interactive { FileHandle.standardError.write(Data("\r[\(i + 1)/\(checks.count)] \(check.name)\u{1B}[K".utf8)) }
      outcomes.append(check())
    }
    if interactive { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }

    if output.json {
      print(try JSONOutput.string(VerifyReport(outcomes)))
    } else {
      var table = Table(
        columns: ["check", "worst error", "tolerance", "unit", "result"],
        alignments: [.left, .right, .right, .left, .left])
      for o in outcomes {
        table.append([
          o.name, o.failure == nil ? NumberFormat.short(o.worstError) : "error",
          NumberFormat.short(o.tolerance), o.unit.rawValue, o.passed ? "pass" : "FAIL" + (o.failure.map { ": \($0)" } ?? ""),
        ])
      }
      print(table.render(output.format), terminator: "")
      let passed = outcomes.filter(\.passed).count
      if output.format == .terminal { print("\(passed) passed, \(outcomes.count - passed) failed") }
    }
    let failed = outcomes.filter { !$0.passed }.map(\.name)
    if !failed.isEmpty { throw ChecksFailed(failed: failed) }
  }
}

struct VerifyReport: Encodable {
  struct Row: Encodable {
    var name: String
    var passed: Bool
    var worst_error: Double
    var tolerance: Double
    var unit: String
    var error: String?
  }
  var checks: [Row]
  var passed: Bool

  init(_ outcomes: [CheckOutcome]) {
    checks = outcomes.map {
      Row(name: $0.name, passed: $0.passed, worst_error: $0.worstError, tolerance: $0.tolerance, unit: $0.unit.rawValue, error: $0.failure)
    }
    passed = outcomes.allSatisfy(\.passed)
  }
}
