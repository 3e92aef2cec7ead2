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
      Examples: fixedpoints verify --list; fixedpoints verify --filter relu
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
      print(VerifyReport.listing(checks, format: output.format), terminator: "")
      return
    }
    // Stage notes: on a terminal only (the catalogue takes seconds, not minutes).
    let status = Progress(label: "verify")
    var outcomes: [CheckOutcome] = []
    for (i, check) in checks.enumerated() {
      status.note("[\(i + 1)/\(checks.count)] \(check.name)")
      outcomes.append(check())
    }
    status.finish()

    let report = VerifyReport(outcomes)
    if output.json {
      print(try JSONOutput.string(report))
    } else {
      print(report.render(output.format), terminator: "")
    }
    if !report.passed { throw ChecksFailed(failed: report.failed) }
  }
}
