import Foundation
import XCTest

/// Inputs a hostile but fair user gives: extreme option values, crafted
/// checkpoints and results files. Each must end in exit 2 with one line on
/// stderr naming the problem (or the option), never a trap, a hang or a
/// non-finite number printed with exit 0.
extension CLITests {
  /// A results file as `paradox --out` writes it, with the grids given.
  static func resultsFile(
    sigmaTest: String = "[0,0.5]", sigmaTrain: String = "[0]", seeds: String = "[1]", format: String = "fixedpoints-paradox\\/1"
  ) -> String {
    """
    {"config":{"activation":"relu","batch":2,"clip":1,"dt":0.1,"evaluation_repeats":2,"evaluation_trials":2,"hidden":2,\
    "iterations":2,"learning_rate":0.003,"placements":["in"],"seeds":\(seeds),"sigma_test":\(sigmaTest),\
    "sigma_train":\(sigmaTrain),"task":"function","tau":1,"trial_steps":5},"format":"\(format)","outcomes":[],"shard":"all"}
    """
  }

  func write(_ text: String, _ name: String, in dir: URL) throws -> String {
    let url = dir.appendingPathComponent(name)
    try Data(text.utf8).write(to: url)
    return url.path
  }

  // MARK: - Checkpoints

  /// 200/γ used to be converted to an Int (SIGILL below γ ≈ 2e-17) and a
  /// γ of 1e-10 ran for minutes; inspect accepted all of them.
  func testTinyTimeStepCheckpointsAreRefusedByInspectAndAnalyze() throws {
    let dir = try checkpointDirectory()
    for (key, value) in [("dt", "1e-17"), ("dt", "1e-300"), ("dt", "5e-324"), ("tau", "1e300"), ("dt", "1e-10")] {
      let path = try writeCheckpoint(Self.checkpointFile(metadata: [key: value]), "\(key)\(value).ckpt", in: dir)
      try assertCheckpointRejected(["checkpoint", "inspect", path], naming: "dt/tau")
      try assertCheckpointRejected(["analyze", path, "--input", "0.1,0.2", "--threads", "1"], naming: "dt/tau")
    }
  }

  func testTrainRefusesATimeStepItsCheckpointCouldNotBeAnalyzedWith() throws {
    let dir = try checkpointDirectory()
    let out = dir.appendingPathComponent("t.ckpt").path
    try assertRejected(["train", "--hidden", "4", "--iterations", "5", "--batch", "2", "--dt", "1e-17", "-o", out], naming: "--dt")
    XCTAssertFalse(FileManager.default.fileExists(atPath: out))
  }

  func testNonFiniteLossMetadataIsRefused() throws {
    let dir = try checkpointDirectory()
    let path = try writeCheckpoint(Self.checkpointFile(metadata: ["loss": "nan"]), "loss.ckpt", in: dir)
    try assertCheckpointRejected(["checkpoint", "inspect", path], naming: "loss")
  }

  /// Finite but huge W_out (1e308) makes the readout infinite: the analysis
  /// stops naming the quantity instead of printing inf and a "-nan" verdict.
  func testHugeReadoutWeightsGiveAnErrorNotInf() throws {
    let dir = try checkpointDirectory()
    var bytes = Self.checkpointFile()
    // W_out's three doubles follow W_in's six in the data section.
    let headerLength = Int(bytes[0..<8].enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) })
    let start = 8 + headerLength + 6 * 8
    let huge = (0..<3).flatMap { _ in (0..<8).map { UInt8(truncatingIfNeeded: (1e308).bitPattern >> (8 * UInt64($0))) } }
    bytes.replaceSubrange(start..<start + 24, with: huge)
    let path = try writeCheckpoint(bytes, "huge-out.ckpt", in: dir)
    let analyze = ["analyze", path, "--input", "0.1,0.2", "--trajectories", "4", "--steps", "200", "--burn-in", "20",
                   "--starts", "2", "--sigma-test", "0,0.1", "--threads", "1"]
    try assertRejected(analyze, namingAll: ["the analysis", "closure_readout_variance", "left the range of double precision"])
    try assertRejected(analyze + ["--json"], namingAll: ["the analysis", "left the range of double precision"])
  }

  /// A header claiming W_rec 11585×11585 in a 1 GiB sparse file: refused
  /// against the memory limit before it is read.
  func testHugeCheckpointIsCheckedAgainstTheMemoryLimit() throws {
    let dir = try checkpointDirectory()
    let n = 11585
    let header = Array(
      """
      {"W_rec":{"dtype":"F64","shape":[\(n),\(n)],"data_offsets":[0,\(n * n * 8)]},"__metadata__":{"activation":"relu"}}
      """.utf8)
    let length = UInt64(header.count)
    let url = dir.appendingPathComponent("huge.ckpt")
    try Data((0..<8).map { UInt8(truncatingIfNeeded: length >> (8 * UInt64($0))) } + header).write(to: url)
    let handle = try FileHandle(forWritingTo: url)
    try handle.truncate(atOffset: UInt64(8 + header.count + n * n * 8))
    try handle.close()
    for command in [["checkpoint", "inspect"], ["analyze"]] {
      try assertRejected(command + [url.path, "--max-memory", "1G"], namingAll: ["needs ~", "--max-memory", "FIXEDPOINTS_MAX_MEMORY"])
    }
  }

  /// Escape sequences in metadata reach neither stdout nor stderr raw.
  func testControlCharactersFromMetadataAreNeverPrinted() throws {
    let dir = try checkpointDirectory()
    let shown = try writeCheckpoint(Self.checkpointFile(metadata: ["task": "\\u001b[31mred", "note": "a\\nb"]), "esc.ckpt", in: dir)
    let r = try run(["checkpoint", "inspect", shown])
    XCTAssertEqual(r.status, 0, r.stderr)
    XCTAssertFalse(r.stdout.contains("\u{1B}"), r.stdout)
    XCTAssert(r.stdout.contains("\\u{1B}[31mred"), r.stdout)
    let bad = try writeCheckpoint(Self.checkpointFile(metadata: ["activation": "\\u001b[2Jrelu\\nx"]), "esc2.ckpt", in: dir)
    // The newline joins the message's lines (one line on stderr); the escape is shown.
    try assertCheckpointRejected(["checkpoint", "inspect", bad], naming: "'\\u{1B}[2Jrelu x'")
  }

  /// relu with W_rec = 20·I, noise inside, negative drive: h = 0 is a
  /// stable fixed point, but a noise kick past h ≈ 0.05 makes h grow ~2.9×
  /// per step. Em and milstein used to put the NaN into an Int in the moment
  /// table (SIGILL); the chain said "only 0 batch(es) left".
  func testDivergingEnsembleNamesTheStepAndTrajectory() throws {
    let dir = try checkpointDirectory()
    let path = try writeCheckpoint(
      Self.checkpointFile(metadata: ["activation": "relu", "noise": "in"], wRec: [20, 0, 0, 0, 20, 0, 0, 0, 20]),
      "diverge.ckpt", in: dir)
    for scheme in ["em", "milstein", "chain"] {
      try assertRejected(
        ["analyze", path, "--input=-1,-0.5", "--trajectories", "4", "--steps", "2000", "--burn-in", "200", "--starts", "2",
         "--sigma-test", "0,0.5", "--threads", "1", "--schemes", scheme],
        namingAll: ["--sigma-test 0.5", "the \(scheme) ensemble", "diverged", "at step"])
    }
  }

  // MARK: - Options

  func testSizeOptionsAreBoundedBeforeAllocation() throws {
    let stationary = ["stationary", "--trajectories", "4", "--steps", "100", "--burn-in", "10"]
    try assertRejected(stationary + ["--cells", "100000"], naming: "--cells")
    try assertRejected(stationary + ["--cells", "16", "--trajectories", "9223372036854775807"], naming: "--trajectories")
    try assertRejected(["stationary", "--cells", "16", "--trajectories", "4", "--steps", "1000000000", "--burn-in", "10"], naming: "--steps")
    try assertRejected(["simulate", "--steps", "1000000000"], naming: "--steps")
    try assertRejected(["simulate", "--trajectories", "9223372036854775807"], naming: "--trajectories")
    try assertRejected(["train", "--batch", "1000000000", "-o", "never.ckpt"], namingAll: ["--batch", "needs"])
    try assertRejected(["train", "--trial-steps", "1000000000000", "-o", "never.ckpt"], namingAll: ["--trial-steps", "needs"])
    try assertRejected(["train", "--trial-steps", "9223372036854775807", "-o", "never.ckpt"], naming: "--trial-steps")
    try assertRejected(["train", "--iterations", "1000000000", "-o", "never.ckpt"], naming: "--iterations")
    try assertRejected(["analyze", "--starts", "1000000000"], naming: "--starts")
    try assertRejected(["paradox", "--seeds", "100000"], naming: "--seeds")
    try assertRejected(["train", "--lr", "1e308", "-o", "never.ckpt"], naming: "--lr")
    try assertRejected(["train", "--sigma", "1e308", "-o", "never.ckpt"], naming: "--sigma")
    try assertRejected(["paradox", "--sigma-train", "1e308"], naming: "--sigma-train")
    try assertRejected(["analyze", "--trajectories", "4", "--steps", "1000000000"], naming: "--trajectories")
    try assertRejected(["moments", "--activation", "relu", "--mu", "0", "--sigma", "1", "--mc", "4294967296"], naming: "--mc")
    try assertRejected(["stationary", "--max-memory", "lots"], naming: "--max-memory")
    try assertRejected(["stationary", "--max-memory", "1K"], naming: "--max-memory")
  }

  /// The memory limit also comes from the environment.
  func testMemoryLimitFromTheEnvironment() throws {
    setenv("FIXEDPOINTS_MAX_MEMORY", "1K", 1)
    defer { unsetenv("FIXEDPOINTS_MAX_MEMORY") }
    try assertRejected(["stationary", "--trajectories", "4", "--steps", "100", "--burn-in", "10"], naming: "FIXEDPOINTS_MAX_MEMORY")
  }

  /// Huge biases used to fail a precondition in the moment table.
  func testHugeBiasIsAnError() throws {
    try assertRejected(["stationary", "--activation", "tanh", "--w", "0.5", "--b", "1e16"], naming: "pre-activation range")
  }

  func testMessagesNameTheOption() throws {
    try assertRejected(["paradox", "--shard", "-1/2"], naming: "--shard")
    try assertRejected(["analyze", "--sigma-test", "1e308"], naming: "--sigma-test")
  }

  // MARK: - merge

  func testMergeRefusesCraftedGrids() throws {
    let dir = try checkpointDirectory()
    let nan = try write(Self.resultsFile(sigmaTest: "[0,\"nan\",1]"), "nan.json", in: dir)
    try assertRejected(["merge", nan], namingAll: [nan, "sigma"])
    let unsorted = try write(Self.resultsFile(sigmaTest: "[1,0]"), "unsorted.json", in: dir)
    try assertRejected(["merge", unsorted], naming: "ascending")
    // 30,000 seeds × 30,000 σ_train: 9·10⁸ jobs from a small file.
    let seeds = "[" + (1...30_000).map(String.init).joined(separator: ",") + "]"
    let huge = try write(Self.resultsFile(sigmaTrain: seeds, seeds: seeds), "huge.json", in: dir)
    try assertRejected(["merge", huge, "--max-memory", "1G"], namingAll: ["needs", "--max-memory"])
  }

  /// A newline in a results file's value must not split the one-line message.
  func testMergeMessageStaysOneLine() throws {
    let dir = try checkpointDirectory()
    let path = try write(Self.resultsFile(format: "evil\\n\\u001b[2Jline"), "nl.json", in: dir)
    try assertRejected(["merge", path], naming: "'evil \\u{1B}[2Jline'")
  }
}
