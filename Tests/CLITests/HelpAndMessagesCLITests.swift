import Foundation
import XCTest

/// What a newcomer reads: every command's help (units, an example), the
/// messages for the mistakes a first session makes, and the terminal report
/// of the options that used to change only the JSON. Filter with
/// `--filter CLITests/testNewcomer`.
extension CLITests {
  /// Every command and subcommand, as typed after `fixedpoints`.
  static let newcomerCommands: [[String]] = [
    [], ["moments"], ["verify"], ["bench"], ["bench", "moments"], ["bench", "sde"], ["bench", "analyze"],
    ["bench", "train"], ["stationary"], ["simulate"], ["analyze"], ["train"], ["paradox"], ["merge"],
    ["checkpoint"], ["checkpoint", "inspect"], ["checkpoint", "convert"], ["debias"], ["mechanism"],
  ]

  /// The help text with its line wrapping undone (ArgumentParser wraps to
  /// the terminal's width), so a phrase is found wherever the wrap falls.
  func newcomerHelp(_ command: [String], file: StaticString = #filePath, line: UInt = #line) throws -> String {
    let r = try run(command + ["--help"], file: file, line: line)
    XCTAssertEqual(r.status, 0, "\(command) --help: \(r.stderr)", file: file, line: line)
    return r.stdout.split(whereSeparator: { $0 == " " || $0 == "\n" }).joined(separator: " ")
  }

  /// Each help shows at least one example, and it is a fixedpoints command.
  func testNewcomerEveryHelpShowsAnExample() throws {
    for command in Self.newcomerCommands {
      let help = try newcomerHelp(command)
      XCTAssert(
        help.contains("Example: fixedpoints ") || help.contains("Examples: fixedpoints ") || help.contains("Examples: # "),
        "`fixedpoints \(command.joined(separator: " ")) --help` shows no example:\n\(help)")
    }
  }

  /// dt, tau and sigma say in what units they are.
  func testNewcomerHelpGivesUnits() throws {
    for command in [["train"], ["stationary"], ["simulate"]] {
      let help = try newcomerHelp(command)
      for fragment in ["units of time", "standard deviation", "not scaled by dt"] {
        XCTAssert(help.contains(fragment), "`\(command.joined(separator: " ")) --help` lacks '\(fragment)'")
      }
    }
    let analyze = try newcomerHelp(["analyze"])
    for fragment in ["units of time", "standard deviation", "fixation cue", "evidence", "velocity x", "velocity y"] {
      XCTAssert(analyze.contains(fragment), "analyze --help lacks '\(fragment)'")
    }
  }

  /// A range without a step is refused with the forms that are accepted.
  func testNewcomerSigmaTestRangeWithoutStepNamesTheAcceptedForms() throws {
    try assertAnalyzeRejected(
      [Self.analyzeModel("in"), "--sigma-test", "0:1"], naming: "--sigma-test", "0:1", "start:stop:step", "0,0.5,1")
    try assertRejected(
      ["paradox", "--sigma-train", "1:0:0.1"], namingAll: ["--sigma-train", "stop >= start"])
  }

  /// A decision network has no default input: the message says what its
  /// two inputs are, and a wrong count does too.
  func testNewcomerMultiInputTaskNamesItsInputs() throws {
    let dir = try trainTemporaryDirectory()
    let path = dir.appendingPathComponent("decision.ckpt").path
    try trainSmallModel(path, ["--task", "decision"])
    try assertAnalyzeRejected([path] + Self.analyzeSmall, naming: "--input", "2 value(s)", "fixation cue", "evidence")
    try assertAnalyzeRejected([path] + Self.analyzeSmall + ["--input", "0.5"], naming: "--input", "fixation cue", "evidence")
    // Inside the trained ranges: no warning.
    let r = try run(["analyze", path] + Self.analyzeSmall + ["--input", "0,0.2", "--json"])
    XCTAssertEqual(r.status, 0, r.stderr)
    XCTAssertEqual(r.stderr, "")
  }

  /// An input outside the range the task trained on is analysed, with one
  /// warning line on stderr naming the input and the range; the report is
  /// the same as without the warning's check (stdout is the JSON alone).
  func testNewcomerInputOutsideTheTrainedRangeWarns() throws {
    let r = try run(["analyze", Self.analyzeModel("in")] + Self.analyzeSmall + ["--input", "2", "--json"])
    XCTAssertEqual(r.status, 0, r.stderr)
    XCTAssertEqual(r.stderrLines.count, 1, r.stderr)
    XCTAssert(r.stderr.hasPrefix("fixedpoints: warning: --input: u = 2 is outside the range seen in training, -1...1"), r.stderr)
    let model = try XCTUnwrap(try json(r)["model"] as? [String: Any])
    XCTAssertEqual(model["input"] as? [Double], [2])
    // Out of range and failing later (a non-finite result): the error line
    // alone, no warning before it.
    let failing = try run(["analyze", Self.analyzeModel("in")] + Self.analyzeSmall + ["--input", "1e300"])
    XCTAssertEqual(failing.status, 2, failing.stderr)
    XCTAssertEqual(failing.stderrLines.count, 1, failing.stderr)
    XCTAssert(failing.stderr.hasPrefix("fixedpoints: error: "), failing.stderr)
    // The default input, and one inside the range: silent.
    for extra in [[String](), ["--input", "-0.9"]] {
      let quiet = try run(["analyze", Self.analyzeModel("in")] + Self.analyzeSmall + extra + ["--json"])
      XCTAssertEqual(quiet.status, 0, quiet.stderr)
      XCTAssertEqual(quiet.stderr, "", "\(extra)")
    }
  }

  /// --schemes adds a table to the terminal report, and --slow-points a
  /// line saying what was found, also when nothing was.
  func testNewcomerSchemesAndSlowPointsShowInTheTerminalReport() throws {
    let r = try run(["analyze", Self.analyzeModel("in")] + Self.analyzeSmall + ["--schemes", "chain,em,milstein"])
    XCTAssertEqual(r.status, 0, r.stderr)
    XCTAssert(r.stdout.contains("Simulated stationary readout by scheme"), r.stdout)
    let rows = r.stdout.split(separator: "\n").filter { $0.contains(" milstein ") || $0.contains(" em ") }
    XCTAssertEqual(rows.count, 2, "one em and one milstein row at the one sigma > 0:\n\(r.stdout)")
    XCTAssertFalse(r.stdout.contains("slow points"), "not asked for")

    // The default: no scheme table.
    let plain = try run(["analyze", Self.analyzeModel("in")] + Self.analyzeSmall)
    XCTAssertFalse(plain.stdout.contains("by scheme"), plain.stdout)

    // The line agrees with the JSON's count, whatever it is.
    let slow = ["analyze", Self.analyzeModel("in")] + Self.analyzeSmall + ["--slow-points", "1e-4"]
    let text = try run(slow)
    XCTAssertEqual(text.status, 0, text.stderr)
    let count = try XCTUnwrap(try json(try run(slow + ["--json"]))["slow_points"] as? [Any]).count
    let line = try XCTUnwrap(text.stdout.split(separator: "\n").first { $0.hasPrefix("slow points: ") }, text.stdout)
    XCTAssert(
      count == 0 ? line.hasPrefix("slow points: none found with 0 < q <= 0.0001") : line.hasPrefix("slow points: \(count) found"),
      "\(count) slow point(s) in the JSON, and: \(line)")
  }

  /// Text reports print short numbers: the fixed point's readout with the
  /// table's six decimals and the training loss with six significant
  /// digits, while the JSON keeps every digit.
  func testNewcomerTextReportsPrintShortNumbers() throws {
    let r = try run(["analyze", Self.bundledModel("in")] + Self.analyzeSmall)
    XCTAssertEqual(r.status, 0, r.stderr)
    // No number with more than 12 digits after the point anywhere in the report.
    let long = try NSRegularExpression(pattern: "[0-9]\\.[0-9]{13,}")
    let range = NSRange(r.stdout.startIndex..., in: r.stdout)
    XCTAssertNil(long.firstMatch(in: r.stdout, range: range), r.stdout)
    let o = try analyzeJSON([Self.bundledModel("in")] + Self.analyzeSmall)
    let readout = try XCTUnwrap(((o["fixed_points"] as? [[String: Any]])?.first?["readout"] as? [Double])?.first)
    XCTAssert(r.stdout.contains(String(format: "%.6f", readout)), "readout \(readout) not printed as %.6f:\n\(r.stdout)")
    XCTAssertNotEqual(String(format: "%.6f", readout), "\(readout)", "the JSON has more digits than the table")

    // simulate's time column: k·dt as typed, 0.3 not 0.30000000000000004.
    let s = try run(["simulate", "--trajectories", "1", "--steps", "4"])
    XCTAssertEqual(s.status, 0, s.stderr)
    XCTAssertEqual(s.stdout.split(separator: "\n").dropFirst().map { $0.split(separator: ",")[0] }, ["0.0", "0.1", "0.2", "0.3", "0.4"])
  }

  /// `bench analyze`'s first row is the default run and carries the budget
  /// ratio; the three-scheme row does not, so it cannot read as over budget.
  func testNewcomerBenchAnalyzeTimesTheDefaultRunFirst() throws {
    let r = try run(["bench", "analyze", Self.analyzeModel("in"), "--repeats", "1", "--threads", "1"])
    XCTAssertEqual(r.status, 0, r.stderr)
    let rows = r.stdout.split(separator: "\n").filter { $0.hasPrefix("analyze") }
    XCTAssertEqual(rows.count, 2, r.stdout)
    XCTAssert(rows[0].hasPrefix("analyze (default: --schemes chain)"), r.stdout)
    XCTAssert(rows[1].hasPrefix("analyze --schemes chain,em,milstein"), r.stdout)
    XCTAssert(rows[1].hasSuffix("-"), "no budget ratio on the non-default row: \(rows[1])")
  }
}
