import Foundation
import XCTest

#if canImport(Glibc)
import Glibc
#endif

/// What the tool does to the files around its outputs: it never replaces a
/// directory, FIFO or symbolic link, checks every output path before any
/// work, and leaves no temporary file or directory behind. Everything is
/// made in a fresh temporary directory; FIFOs come from mkfifo, never a
/// real device node.
extension CLITests {
  func outputSafetyDirectory() throws -> String {
    let dir = FileManager.default.temporaryDirectory.path + "/fixedpoints-outputs-" + UUID().uuidString
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: false)
    addTeardownBlock { try? FileManager.default.removeItem(atPath: dir) }
    return dir
  }

  func entries(_ dir: String) -> [String] {
    ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).sorted()
  }

  /// The file type bits of what is at `path`, without following a link.
  func fileType(_ path: String) -> mode_t? {
    var st = stat()
    return lstat(path, &st) == 0 ? st.st_mode & S_IFMT : nil
  }

  /// Exit 2, one line on stderr containing every fragment, nothing on stdout.
  func assertRefused(
    _ arguments: [String], naming fragments: [String], file: StaticString = #filePath, line: UInt = #line
  ) throws {
    let r = try run(arguments, file: file, line: line)
    XCTAssertEqual(r.status, 2, "\(arguments): \(r.stderr)", file: file, line: line)
    XCTAssertEqual(r.stderrLines.count, 1, "one line on stderr: \(r.stderr)", file: file, line: line)
    XCTAssertEqual(r.stdout, "", "nothing on stdout before the refusal", file: file, line: line)
    for f in fragments {
      XCTAssert(r.stderr.contains(f), "stderr lacks \"\(f)\": \(r.stderr)", file: file, line: line)
    }
  }

  // MARK: - Single files

  /// `simulate --out d` with d a directory used to replace d, contents and all.
  func testSimulateOutDirectoryIsRefusedAndKept() throws {
    let dir = try outputSafetyDirectory()
    let d = dir + "/d"
    try FileManager.default.createDirectory(atPath: d + "/sub", withIntermediateDirectories: true)
    try "x".write(toFile: d + "/sub/f", atomically: false, encoding: .utf8)
    try assertRefused(["simulate", "--steps", "3", "--out", d], naming: [d, "directory"])
    try assertRefused(["simulate", "--steps", "3", "--out", d + "/"], naming: ["directory"])
    XCTAssertEqual(try String(contentsOfFile: d + "/sub/f", encoding: .utf8), "x")
    XCTAssertEqual(entries(dir), ["d"], "no temporary file beside it")
    XCTAssertEqual(entries(d), ["sub"])
  }

  func testStationaryDensityDirectoryIsRefusedAndKept() throws {
    let dir = try outputSafetyDirectory()
    let d = dir + "/density"
    try FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: false)
    try "keep".write(toFile: d + "/f", atomically: false, encoding: .utf8)
    try assertRefused(["stationary", "--density", d], naming: ["--density", d, "directory"])
    XCTAssertEqual(entries(d), ["f"])
    XCTAssertEqual(entries(dir), ["density"])
  }

  /// A FIFO is refused without being opened (opening it would block).
  func testFIFOIsRefusedAndStays() throws {
    let dir = try outputSafetyDirectory()
    let fifo = dir + "/pipe"
    XCTAssertEqual(mkfifo(fifo, 0o644), 0)
    try assertRefused(["simulate", "--steps", "3", "--out", fifo], naming: [fifo, "FIFO"])
    try assertRefused(["stationary", "--density", fifo], naming: ["FIFO"])
    try assertRefused(["merge", dir + "/results.json", "--out", fifo], naming: ["FIFO"])
    let model = Self.bundledModel("in")
    try assertRefused(["checkpoint", "convert", model, fifo], naming: ["FIFO"])
    XCTAssertEqual(fileType(fifo), S_IFIFO, "still a FIFO")
    XCTAssertEqual(entries(dir), ["pipe"])
  }

  /// A symbolic link at the output is refused, not followed or replaced:
  /// whoever controls the link cannot choose the file we overwrite.
  func testSymlinkIsRefusedAndItsTargetUntouched() throws {
    let dir = try outputSafetyDirectory()
    let victim = dir + "/victim", link = dir + "/out.csv"
    try "precious".write(toFile: victim, atomically: false, encoding: .utf8)
    XCTAssertEqual(symlink(victim, link), 0)
    try assertRefused(["simulate", "--steps", "3", "--out", link], naming: [link, "symbolic link"])
    let model = Self.bundledModel("in")
    try assertRefused(["checkpoint", "convert", model, link], naming: ["symbolic link"])
    XCTAssertEqual(try String(contentsOfFile: victim, encoding: .utf8), "precious")
    XCTAssertEqual(fileType(link), S_IFLNK, "still a link")
    XCTAssertEqual(entries(dir), ["out.csv", "victim"])
  }

  /// A regular file is replaced whole; `-` is stdout, the same bytes.
  func testRegularFileIsReplacedAndDashIsStdout() throws {
    let dir = try outputSafetyDirectory()
    let out = dir + "/paths.csv"
    try "old contents that are longer than nothing".write(toFile: out, atomically: false, encoding: .utf8)
    let arguments = ["simulate", "--steps", "3", "--trajectories", "2"]
    let toFile = try run(arguments + ["--out", out])
    XCTAssertEqual(toFile.status, 0, toFile.stderr)
    XCTAssertEqual(toFile.stdout, "")
    let toStdout = try run(arguments + ["--out", "-"])
    XCTAssertEqual(toStdout.status, 0, toStdout.stderr)
    XCTAssert(toStdout.stdout.hasPrefix("t,x0,x1\n"), toStdout.stdout)
    XCTAssertEqual(try String(contentsOfFile: out, encoding: .utf8), toStdout.stdout)
    XCTAssertEqual(entries(dir), ["paths.csv"], "no temporary file left")
  }

  /// `checkpoint convert IN -` writes the checkpoint to stdout and nothing else.
  func testCheckpointConvertToStdout() throws {
    let model = Self.bundledModel("in")
    let r = try run(["checkpoint", "convert", model, "-"])
    XCTAssertEqual(r.status, 0, r.stderr)
    // The bundled model is canonical, so its conversion is itself.
    XCTAssertEqual(r.stdoutData, try Data(contentsOf: URL(fileURLWithPath: model)))
  }

  /// `merge --out -`: stdout is the merged results file alone, byte for
  /// byte what `--out FILE` writes (no summary table after it).
  func testMergeToStdoutIsTheResultsFileAlone() throws {
    let dir = try outputSafetyDirectory()
    let shard = dir + "/a.json", merged = dir + "/merged.json"
    _ = try paradoxRun(["--shard", "1/2", "--out", shard])
    let toFile = try run(["merge", shard, "--out", merged])
    XCTAssertEqual(toFile.status, 0, toFile.stderr)
    let toStdout = try run(["merge", shard, "--out", "-"])
    XCTAssertEqual(toStdout.status, 0, toStdout.stderr)
    XCTAssertEqual(toStdout.stdoutData, try Data(contentsOf: URL(fileURLWithPath: merged)))
    XCTAssertEqual(entries(dir), ["a.json", "merged.json"])
  }

  // MARK: - Checked before any work

  /// A missing directory or an empty path fails in validation: exit 2 at
  /// once, no training progress, nothing written.
  func testTrainOutputProblemsFailBeforeTraining() throws {
    let dir = try outputSafetyDirectory()
    let small = ["train", "--hidden", "4", "--iterations", "20", "--batch", "4", "--trial-steps", "20"]
    try assertRefused(small + ["-o", dir + "/missingdir/m.ckpt"], naming: ["-o/--out", "missingdir", "does not exist"])
    try assertRefused(small + ["-o", ""], naming: ["-o/--out", "empty"])
    try FileManager.default.createDirectory(atPath: dir + "/m.ckpt", withIntermediateDirectories: false)
    try assertRefused(small + ["-o", dir + "/m.ckpt"], naming: ["-o/--out", "directory"])
    XCTAssertEqual(entries(dir), ["m.ckpt"])
    XCTAssertEqual(entries(dir + "/m.ckpt"), [])
  }

  /// A read-only directory is refused up front, by access(2). Root may
  /// write into it anyway, so as root the check rightly passes and this
  /// test has nothing to show.
  func testTrainIntoReadOnlyDirectoryFailsBeforeTraining() throws {
    if geteuid() == 0 { throw XCTSkip("running as root: permission bits do not stop root's writes") }
    let dir = try outputSafetyDirectory()
    let ro = dir + "/ro"
    try FileManager.default.createDirectory(atPath: ro, withIntermediateDirectories: false)
    XCTAssertEqual(chmod(ro, 0o555), 0)
    defer { chmod(ro, 0o755) }
    try assertRefused(
      ["train", "--hidden", "4", "--iterations", "20", "--batch", "4", "--trial-steps", "20", "-o", ro + "/m.ckpt"],
      naming: ["not writable"])
    XCTAssertEqual(entries(ro), [])
  }

  // MARK: - Output directories

  /// `analyze --out R` with R/report.json a directory: refused before the
  /// analysis, R exactly as it was, no temporary directory anywhere.
  func testAnalyzeOutWithADirectoryInTheWayWritesNothing() throws {
    let dir = try outputSafetyDirectory()
    let r = dir + "/R"
    try FileManager.default.createDirectory(atPath: r + "/report.json", withIntermediateDirectories: true)
    try "keep".write(toFile: r + "/notes.txt", atomically: false, encoding: .utf8)
    try assertRefused(["analyze", "--out", r], naming: ["report.json", "directory", "nothing was written"])
    XCTAssertEqual(entries(r), ["notes.txt", "report.json"])
    XCTAssertEqual(entries(r + "/report.json"), [])
    XCTAssertEqual(entries(dir), ["R"])
    // A file where the directory should be, and a missing parent.
    try "plain".write(toFile: dir + "/file", atomically: false, encoding: .utf8)
    try assertRefused(["analyze", "--out", dir + "/file"], naming: ["-o/--out", "regular file"])
    try assertRefused(["analyze", "--out", dir + "/no/R"], naming: ["-o/--out", "does not exist"])
    XCTAssertEqual(entries(dir), ["R", "file"])
  }

  /// Into an existing directory: the six files appear, other files stay,
  /// no temporary directory is left.
  func testAnalyzeOutIntoAnExistingDirectoryKeepsOtherFiles() throws {
    let dir = try outputSafetyDirectory()
    try "keep".write(toFile: dir + "/notes.txt", atomically: false, encoding: .utf8)
    try "stale".write(toFile: dir + "/report.md", atomically: false, encoding: .utf8)
    let r = try run(["analyze", Self.analyzeModel("in")] + Self.analyzeSmall + ["--out", dir, "--json"])
    XCTAssertEqual(r.status, 0, r.stderr)
    XCTAssertEqual(
      entries(dir),
      ["branch.csv", "fixed_points.csv", "noise_levels.csv", "notes.txt", "report.json", "report.md", "report.tex"])
    XCTAssertEqual(try String(contentsOfFile: dir + "/notes.txt", encoding: .utf8), "keep")
    XCTAssertNotEqual(try String(contentsOfFile: dir + "/report.md", encoding: .utf8), "stale")
  }

}
