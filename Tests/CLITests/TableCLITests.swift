import Foundation
import XCTest

/// `fixedpoints table` as a user runs it: on `analyze --json` of the two
/// bundled models (small ensembles, so each analyze takes about a second),
/// and on bad input. Filter with `--filter CLITests/testTable`.
extension CLITests {
  /// A scratch directory holding `analyze --json` of both bundled models,
  /// as in.json and out.json.
  func tableBundledJSON() throws -> URL {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("fixedpoints-table-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    for placement in ["in", "out"] {
      let r = try run(["analyze", Self.bundledModel(placement)] + Self.analyzeSmall + ["--json"])
      XCTAssertEqual(r.status, 0, r.stderr)
      try r.stdoutData.write(to: dir.appendingPathComponent("\(placement).json"))
    }
    return dir
  }

  /// Bad input: exit 2, one line on stderr saying `expected`, nothing on stdout.
  func tableRefuses(_ arguments: [String], _ expected: String, file: StaticString = #filePath, line: UInt = #line) throws {
    let r = try run(["table"] + arguments)
    XCTAssertEqual(r.status, 2, "\(arguments): \(r.stderr)", file: file, line: line)
    XCTAssertEqual(r.stderrLines.count, 1, r.stderr, file: file, line: line)
    XCTAssertTrue(r.stderr.contains(expected), "expected '\(expected)' in: \(r.stderr)", file: file, line: line)
    XCTAssertEqual(r.stdout, "", file: file, line: line)
  }

  func testTableLaTeXOfBothBundledModels() throws {
    let dir = try tableBundledJSON()
    defer { try? FileManager.default.removeItem(at: dir) }
    let r = try run([
      "table", dir.appendingPathComponent("in.json").path, dir.appendingPathComponent("out.json").path, "--format", "latex",
      "--caption", "Noise-in & noise-out: 100% of σ_train_1", "--label", "tab:bundled",
    ])
    XCTAssertEqual(r.status, 0, r.stderr)
    let tex = r.stdout
    XCTAssertTrue(tex.contains("\\begin{table}") && tex.contains("\\end{table}") && tex.contains("\\toprule"), tex)
    XCTAssertTrue(tex.contains("\\caption{Noise-in \\& noise-out: 100\\% of \\ensuremath{\\sigma}\\_train\\_1}"), tex)
    XCTAssertTrue(tex.contains("\\label{tab:bundled}"), tex)
    XCTAssertTrue(tex.contains("{$\\sigma_\\text{test}$}"), tex)
    // One row per model, each with a simulated bias written value(SE).
    let rows = tex.split(separator: "\n").filter { $0.hasPrefix("function-relu-noise-") }
    XCTAssertEqual(rows.map { $0.split(separator: " ").first.map(String.init) }, ["function-relu-noise-in", "function-relu-noise-out"])
    let valueWithSE = try NSRegularExpression(pattern: "-?[0-9]+\\.[0-9]+\\([0-9]{1,2}\\)")
    for row in rows {
      let s = String(row)
      XCTAssertEqual(valueWithSE.numberOfMatches(in: s, range: NSRange(s.startIndex..., in: s)), 1, s)
    }
  }

  func testTableFormatsAndOutputFile() throws {
    let dir = try tableBundledJSON()
    defer { try? FileManager.default.removeItem(at: dir) }
    // A directory is read recursively: both files, in name order.
    let csv = try run(["table", dir.path, "--rows", "sigma", "--columns", "sigma,bias", "--format", "csv"])
    XCTAssertEqual(csv.status, 0, csv.stderr)
    let header = csv.stdout.split(separator: "\n").first.map(String.init)
    XCTAssertEqual(
      header,
      "sigma_test,function-relu-noise-in.bias,function-relu-noise-in.bias_value,function-relu-noise-in.bias_se,"
        + "function-relu-noise-out.bias,function-relu-noise-out.bias_value,function-relu-noise-out.bias_se")
    let json = try run(["table", dir.path, "--format", "json"])
    XCTAssertEqual(json.status, 0, json.stderr)
    let o = try self.json(json)
    XCTAssertEqual((o["rows"] as? [Any])?.count, 2)
    // -o writes what stdout would have shown.
    let text = try run(["table", dir.path])
    let target = dir.appendingPathComponent("table.md").path
    let written = try run(["table", dir.path, "-o", target])
    XCTAssertEqual(written.status, 0, written.stderr)
    XCTAssertEqual(written.stdout, "")
    XCTAssertEqual(try String(contentsOfFile: target, encoding: .utf8), text.stdout)
  }

  func testTableBadInput() throws {
    let dir = try tableBundledJSON()
    defer { try? FileManager.default.removeItem(at: dir) }
    let inJSON = dir.appendingPathComponent("in.json").path
    let other = dir.appendingPathComponent("other")
    try FileManager.default.createDirectory(at: other, withIntermediateDirectories: true)
    let unknown = other.appendingPathComponent("x.json").path
    try Data(#"{"hello": 1}"#.utf8).write(to: URL(fileURLWithPath: unknown))
    let notJSON = other.appendingPathComponent("y.txt").path
    try Data("not json".utf8).write(to: URL(fileURLWithPath: notJSON))
    let empty = dir.appendingPathComponent("empty")
    try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)

    try tableRefuses([unknown], "is not a JSON output of analyze, paradox/merge, mechanism, moments or verify")
    try tableRefuses([notJSON], "is not JSON")
    try tableRefuses([inJSON, "--columns", "sigma,nonsense"], "no column 'nonsense' for analyze results")
    try tableRefuses([inJSON, "--columns", "sigma,nonsense"], "available: model,task,noise")
    try tableRefuses([], "at least one JSON file or directory")
    try tableRefuses([empty.path], "no .json files")
    try tableRefuses([dir.appendingPathComponent("missing.json").path], "no such file or directory")
    try tableRefuses([inJSON, "--label", "tab:{x}"], "--label")
    try tableRefuses([inJSON, "--sigma", "0.33"], "is not a noise level")
    try tableRefuses([inJSON, "--format", "html"], "html")
    // Nothing is left at an output path when the input is bad.
    let target = dir.appendingPathComponent("never.tex").path
    try tableRefuses([unknown, "-o", target], "is not a JSON output")
    XCTAssertFalse(FileManager.default.fileExists(atPath: target))
    try tableRefuses([inJSON, "-o", dir.path], "-o/--out")
  }
}
