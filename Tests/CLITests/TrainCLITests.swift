import Foundation
import XCTest

/// `fixedpoints train`, `paradox` and `merge` as a user runs them, with
/// CLITests' subprocess runner (`run`, `json`). Filter them with
/// `--filter 'CLITests/test(Train|Paradox|Merge)'`.
///
/// Every run is tiny (4 hidden units, 20 mini-batches of 4 trials of 20
/// steps; paradox: 2 placements x 2 sigma_train x 1 seed, 8 test trials x 2
/// noise samples): these tests check files, bytes, exit codes and the
/// bookkeeping of shards, not what training learns (TrainingTests do that).
extension CLITests {
  // MARK: - Helpers

  /// The network and optimiser of every run here.
  static let trainSmall = ["--hidden", "4", "--iterations", "20", "--batch", "4", "--trial-steps", "20"]

  /// A 4-job sweep: placements in,out x sigma_train 0,0.5 x seed 1.
  static let paradoxSmall =
    ["paradox"] + trainSmall + [
      "--sigma-train", "0,0.5", "--sigma-test", "0,0.5", "--seeds", "1", "--eval-trials", "8", "--eval-repeats", "2",
    ]

  /// A fresh directory, removed after the test.
  func trainTemporaryDirectory() throws -> URL {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("fixedpoints-train-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
    return dir
  }

  func trainContents(_ dir: URL) -> [String] {
    ((try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []).sorted()
  }

  /// Trains a small network into `path`; checks exit 0 and returns the run.
  @discardableResult
  func trainSmallModel(
    _ path: String, _ extra: [String] = [], file: StaticString = #filePath, line: UInt = #line
  ) throws -> Run {
    let r = try run(["train"] + Self.trainSmall + extra + ["-o", path], file: file, line: line)
    XCTAssertEqual(r.status, 0, "train \(extra): \(r.stderr)", file: file, line: line)
    XCTAssert(FileManager.default.fileExists(atPath: path), "train \(extra) wrote no \(path)", file: file, line: line)
    return r
  }

  /// `checkpoint inspect --json FILE`, parsed.
  func trainInspect(_ path: String, file: StaticString = #filePath, line: UInt = #line) throws -> [String: Any] {
    let r = try run(["checkpoint", "inspect", "--json", path], file: file, line: line)
    XCTAssertEqual(r.status, 0, "inspect \(path): \(r.stderr)", file: file, line: line)
    return try json(r, file: file, line: line)
  }

  func trainNumber(_ any: Any?) -> Double? {
    if let d = any as? Double { return d }
    if let i = any as? Int { return Double(i) }
    if let n = any as? NSNumber { return n.doubleValue }
    return nil
  }

  /// Exit 2, nothing on stdout, exactly one stderr line "fixedpoints: error: …"
  /// containing every fragment.
  func assertTrainRejected(
    _ arguments: [String], naming fragments: [String], file: StaticString = #filePath, line: UInt = #line
  ) throws {
    try assertRejected(arguments, namingAll: fragments, file: file, line: line)
  }

  /// Runs the 4-job sweep plus `extra`; checks exit 0.
  func paradoxRun(_ extra: [String], file: StaticString = #filePath, line: UInt = #line) throws -> Run {
    let r = try run(Self.paradoxSmall + extra, file: file, line: line)
    XCTAssertEqual(r.status, 0, "paradox \(extra): \(r.stderr)", file: file, line: line)
    return r
  }

  /// A results file written by `paradox --out` (or `merge --out`), parsed.
  func paradoxFile(_ path: String, file: StaticString = #filePath, line: UInt = #line) throws -> [String: Any] {
    let data = try Data(contentsOf: URL(fileURLWithPath: path))
    return try XCTUnwrap(
      try JSONSerialization.jsonObject(with: data) as? [String: Any], "\(path) is not one JSON object", file: file,
      line: line)
  }

  func paradoxOutcomes(_ results: [String: Any], file: StaticString = #filePath, line: UInt = #line) throws -> [[String: Any]] {
    try XCTUnwrap(results["outcomes"] as? [[String: Any]], "no outcomes array", file: file, line: line)
  }

  /// "in/0.5/1": a job's identity.
  func paradoxJobKey(_ outcome: [String: Any]) -> String {
    let job = outcome["job"] as? [String: Any] ?? [:]
    return "\(job["noise"] as? String ?? "?")/\(trainNumber(job["sigma_train"]) ?? .nan)/\(trainNumber(job["seed"]) ?? .nan)"
  }

  func paradoxEqual(_ a: [String: Any], _ b: [String: Any]) -> Bool { NSDictionary(dictionary: a).isEqual(to: b) }

  // MARK: - train

  func testTrainWritesACheckpointThatInspectDescribes() throws {
    let dir = try trainTemporaryDirectory()
    let path = dir.appendingPathComponent("model.ckpt").path
    let r = try trainSmallModel(
      path, ["--task", "function", "--activation", "tanh", "--noise", "out", "--sigma", "0.25", "--seed", "7"])
    XCTAssertEqual(trainContents(dir), ["model.ckpt"], "only the checkpoint, no temporary file left")

    let o = try trainInspect(path)
    XCTAssertEqual(o["hidden_size"] as? Int, 4)
    XCTAssertEqual(o["input_size"] as? Int, 1)
    XCTAssertEqual(o["output_size"] as? Int, 1)
    XCTAssertEqual(o["activation"] as? String, "tanh")
    XCTAssertEqual(o["noise"] as? String, "out")
    XCTAssertEqual(trainNumber(o["sigma_train"]), 0.25)
    XCTAssertEqual(trainNumber(o["dt"]), 0.1)
    XCTAssertEqual(trainNumber(o["tau"]), 1)
    XCTAssertEqual(o["task"] as? String, "function")
    XCTAssertEqual(o["seed"] as? String, "7")
    let loss = try XCTUnwrap(trainNumber(o["loss"]), "no loss: \(o)")
    XCTAssert(loss.isFinite && loss >= 0, "loss \(loss)")
    let extra = try XCTUnwrap(o["extra_metadata"] as? [String: String])
    XCTAssertEqual(extra["iterations"], "20")
    XCTAssertEqual(extra["batch"], "4")
    XCTAssertEqual(extra["trial_steps"], "20")

    // The loss printed is the loss recorded, to the last digit. Both are read
    // with Double(String): swift-corelibs-foundation's JSONSerialization can
    // be an ulp off (it reads 0.9796695980961869 as …868).
    let printed = try XCTUnwrap(r.stdout.components(separatedBy: "final loss ").last)
    let inspect = try run(["checkpoint", "inspect", "--json", path])
    let recorded = try XCTUnwrap(inspect.stdout.components(separatedBy: "\"loss\":").dropFirst().first?.prefix { $0 != "," && $0 != "}" })
    XCTAssertEqual(Double(printed.trimmingCharacters(in: .whitespacesAndNewlines)), Double(recorded), "\(r.stdout) vs \(inspect.stdout)")
    XCTAssertEqual(Double(recorded) ?? .nan, loss, accuracy: 1e-15 * loss)
  }

  func testTrainIsReproducibleBySeed() throws {
    let dir = try trainTemporaryDirectory()
    func bytes(_ name: String, seed: String) throws -> Data {
      let path = dir.appendingPathComponent(name).path
      try trainSmallModel(path, ["--seed", seed])
      return try Data(contentsOf: URL(fileURLWithPath: path))
    }
    let first = try bytes("a.ckpt", seed: "1"), again = try bytes("b.ckpt", seed: "1"), other = try bytes("c.ckpt", seed: "2")
    XCTAssertFalse(first.isEmpty)
    XCTAssertEqual(first, again, "same seed, different checkpoint bytes")
    XCTAssertNotEqual(first, other, "different seeds, same checkpoint bytes")
  }

  func testTrainProgressGoesToStderrAndStdoutIsOneLine() throws {
    let dir = try trainTemporaryDirectory()
    let path = dir.appendingPathComponent("model.ckpt").path
    let r = try trainSmallModel(path)
    let out = r.stdout.split(separator: "\n", omittingEmptySubsequences: false)
    XCTAssertEqual(out.count, 2, "one terminated line on stdout: \(r.stdout)")
    XCTAssert(r.stdout.hasPrefix("wrote \(path): function, 4 relu units, noise-in, sigma = 0.5, final loss "), r.stdout)
    XCTAssertFalse(r.stdout.contains("step "), "progress on stdout: \(r.stdout)")
    // stderr is not a terminal: plain progress lines, no carriage returns or
    // escape codes, the last one at the final step.
    let lines = r.stderrLines
    XCTAssertFalse(lines.isEmpty, "no progress on stderr")
    XCTAssert(lines.count <= 21, "about twenty lines at most: \(lines.count)")
    XCTAssert(lines.allSatisfy { $0.hasPrefix("[") && $0.contains("] train function noise-in sigma=0.5: ") }, r.stderr)
    XCTAssert(lines.last?.contains(": 20/20 ") ?? false, r.stderr)
    XCTAssertFalse(r.stderr.contains("\r") || r.stderr.contains("\u{1B}"), "terminal control codes in a log")
    XCTAssertFalse(r.stderr.contains("wrote"), r.stderr)
  }

  func testTrainEveryTaskTrainsForAFewSteps() throws {
    let dir = try trainTemporaryDirectory()
    let sizes = ["function": (1, 1), "regulator": (1, 1), "path-integration": (2, 2), "decision": (2, 1)]
    for task in ["function", "regulator", "path-integration", "decision"] {
      let path = dir.appendingPathComponent("\(task).ckpt").path
      let r = try trainSmallModel(path, ["--task", task])
      XCTAssert(r.stdout.hasPrefix("wrote \(path): \(task), "), "\(task): \(r.stdout)")
      let o = try trainInspect(path)
      XCTAssertEqual(o["task"] as? String, task)
      XCTAssertEqual(o["hidden_size"] as? Int, 4, task)
      XCTAssertEqual(o["input_size"] as? Int, sizes[task]?.0, task)
      XCTAssertEqual(o["output_size"] as? Int, sizes[task]?.1, task)
      XCTAssertEqual((o["extra_metadata"] as? [String: String])?["trial_steps"], "20", task)
      let loss = try XCTUnwrap(trainNumber(o["loss"]), "\(task): no loss")
      XCTAssert(loss.isFinite && loss >= 0, "\(task): loss \(loss)")
    }
  }

  func testTrainedFunctionCheckpointIsReadByAnalyze() throws {
    let dir = try trainTemporaryDirectory()
    let path = dir.appendingPathComponent("function.ckpt").path
    try trainSmallModel(path, ["--task", "function", "--seed", "3"])
    let r = try run([
      "analyze", path, "--sigma-test", "0,0.5", "--trajectories", "8", "--steps", "400", "--burn-in", "100",
      "--starts", "4", "--json",
    ])
    XCTAssertEqual(r.status, 0, r.stderr)
    XCTAssertEqual(r.stdout.split(separator: "\n").count, 1, "one JSON object on one line")
    let o = try json(r)
    let model = try XCTUnwrap(o["model"] as? [String: Any], "no model: \(r.stdout)")
    XCTAssertEqual(model["path"] as? String, path)
    let points = try XCTUnwrap(o["fixed_points"] as? [[String: Any]], "no fixed_points")
    for p in points { XCTAssertEqual((p["h"] as? [Any])?.count, 4, "a fixed point of the 4-unit network") }
    let levels = try XCTUnwrap(o["noise_levels"] as? [[String: Any]], "no noise_levels")
    XCTAssertEqual(levels.compactMap { trainNumber($0["sigma"]) }, [0, 0.5])
  }

  func testTrainBadInputExitsTwoAndWritesNothing() throws {
    let cases: [([String], [String])] = [
      (["--task", "nope"], ["--task", "nope"]),
      (["--noise", "sideways"], ["--noise", "sideways"]),
      (["--sigma", "-1"], ["--sigma"]),
      (["--hidden", "0"], ["--hidden"]),
      (["--iterations", "0"], ["--iterations"]),
      (["--trial-steps", "5", "--task", "decision"], ["--trial-steps"]),
      (["--tau", "0.01"], ["--tau"]),
    ]
    for (extra, fragments) in cases {
      let dir = try trainTemporaryDirectory()
      let path = dir.appendingPathComponent("model.ckpt").path
      try assertTrainRejected(["train"] + Self.trainSmall + extra + ["-o", path], naming: fragments)
      XCTAssertEqual(trainContents(dir), [], "\(extra) left a file behind")
    }
    // No -o at all.
    try assertTrainRejected(["train"] + Self.trainSmall, naming: ["--out"])
  }

  /// A checkpoint path whose directory does not exist is bad input like any
  /// other: refused at once (before training), one line, nothing created.
  func testTrainIntoAMissingDirectoryExitsTwoWithOneLine() throws {
    let dir = try trainTemporaryDirectory()
    let missing = dir.appendingPathComponent("no-such-dir")
    let path = missing.appendingPathComponent("model.ckpt").path
    try assertTrainRejected(["train"] + Self.trainSmall + ["-o", path], naming: ["no-such-dir"])
    XCTAssertFalse(FileManager.default.fileExists(atPath: missing.path), "the directory was created")
    XCTAssertEqual(trainContents(dir), [])
  }

  // MARK: - paradox

  func testParadoxJSONHasOneOutcomePerJobAndSummaryRows() throws {
    let r = try paradoxRun(["--threads", "1", "--json"])
    XCTAssertEqual(r.stdout.split(separator: "\n").count, 1, "one JSON object on one line")
    let o = try json(r)
    let results = try XCTUnwrap(o["results"] as? [String: Any], "no results: \(r.stdout)")
    XCTAssertEqual(results["shard"] as? String, "all")
    XCTAssertEqual(results["format"] as? String, "fixedpoints-paradox/1")
    let outcomes = try paradoxOutcomes(results)
    // Job order: placement-major, then sigma_train, then seed.
    XCTAssertEqual(outcomes.map(paradoxJobKey), ["in/0.0/1.0", "in/0.5/1.0", "out/0.0/1.0", "out/0.5/1.0"])
    for outcome in outcomes {
      let losses = (outcome["test_loss"] as? [Any])?.compactMap(trainNumber) ?? []
      let errors = (outcome["test_standard_error"] as? [Any])?.compactMap(trainNumber) ?? []
      XCTAssertEqual(losses.count, 2, "one test loss per sigma_test: \(outcome)")
      XCTAssertEqual(errors.count, 2, "one SE per sigma_test: \(outcome)")
      XCTAssert(losses.allSatisfy { $0.isFinite && $0 >= 0 }, "\(outcome)")
      XCTAssert(errors.allSatisfy { $0.isFinite && $0 >= 0 }, "\(outcome)")
      XCTAssertEqual(errors.first, 0, "no noise at sigma_test = 0, so no noise SE")
      XCTAssert(trainNumber(outcome["final_loss"])?.isFinite ?? false, "\(outcome)")
    }
    let summary = try XCTUnwrap(o["summary"] as? [[String: Any]], "no summary")
    XCTAssertEqual(summary.count, 4, "one row per placement and sigma_train")
    XCTAssertEqual(summary.map { $0["noise"] as? String }, ["in", "in", "out", "out"])
    XCTAssertEqual(summary.map { trainNumber($0["sigma_train"]) }, [0, 0.5, 0, 0.5])
    for row in summary {
      XCTAssertEqual(row["seeds"] as? Int, 1)
      XCTAssertEqual((row["mean_loss"] as? [Any])?.count, 2)
      XCTAssert([0, 0.5].contains(trainNumber(row["best_sigma_test"]) ?? .nan), "\(row)")
    }
    XCTAssertNotNil(o["verdict"] as? String)
    // Progress: one stderr line per job.
    XCTAssertEqual(r.stderrLines.count, 4, r.stderr)
    XCTAssert(r.stderrLines.allSatisfy { $0.contains("] paradox: ") && $0.contains(" done noise-") }, r.stderr)

    // Another grid: 1 placement x 3 sigma_train x 2 seeds = 6 jobs, 3 rows of 2 seeds.
    let other = try run(
      ["paradox"] + Self.trainSmall + [
        "--noise", "in", "--sigma-train", "0,0.25,0.5", "--sigma-test", "0,0.5", "--seeds", "2", "--eval-trials", "8",
        "--eval-repeats", "2", "--json",
      ])
    XCTAssertEqual(other.status, 0, other.stderr)
    let o2 = try json(other)
    let outcomes2 = try paradoxOutcomes(try XCTUnwrap(o2["results"] as? [String: Any]))
    XCTAssertEqual(
      outcomes2.map(paradoxJobKey),
      ["in/0.0/1.0", "in/0.0/2.0", "in/0.25/1.0", "in/0.25/2.0", "in/0.5/1.0", "in/0.5/2.0"])
    let summary2 = try XCTUnwrap(o2["summary"] as? [[String: Any]])
    XCTAssertEqual(summary2.map { trainNumber($0["sigma_train"]) }, [0, 0.25, 0.5])
    XCTAssert(summary2.allSatisfy { $0["seeds"] as? Int == 2 }, "\(summary2)")
  }

  func testParadoxShardsTogetherAreTheUnshardedRun() throws {
    let dir = try trainTemporaryDirectory()
    let a = dir.appendingPathComponent("a.json").path, b = dir.appendingPathComponent("b.json").path
    let full = try paradoxRun(["--threads", "1", "--json"])
    // Results do not depend on --threads: byte for byte.
    XCTAssertEqual(try paradoxRun(["--threads", "2", "--json"]).stdoutData, full.stdoutData, "--threads 2 differs from --threads 1")
    let fullResults = try XCTUnwrap(try json(full)["results"] as? [String: Any])
    let fullOutcomes = try paradoxOutcomes(fullResults)

    let first = try paradoxRun(["--shard", "1/2", "--out", a, "--threads", "1"])
    let second = try paradoxRun(["--shard", "2/2", "--out", b, "--threads", "2"])
    XCTAssertFalse(first.stdout.isEmpty, "the shard's table")
    XCTAssertFalse(second.stdout.isEmpty, "the shard's table")
    let shardA = try paradoxFile(a), shardB = try paradoxFile(b)
    XCTAssertEqual(shardA["shard"] as? String, "1/2")
    XCTAssertEqual(shardB["shard"] as? String, "2/2")
    for shard in [shardA, shardB] {
      XCTAssert(paradoxEqual(try XCTUnwrap(shard["config"] as? [String: Any]), try XCTUnwrap(fullResults["config"] as? [String: Any])),
        "a shard's configuration is the sweep's")
    }
    let outA = try paradoxOutcomes(shardA), outB = try paradoxOutcomes(shardB)
    // Job k of the sweep (0-based) is in shard k mod 2 + 1.
    XCTAssertEqual(outA.map(paradoxJobKey), ["in/0.0/1.0", "out/0.0/1.0"])
    XCTAssertEqual(outB.map(paradoxJobKey), ["in/0.5/1.0", "out/0.5/1.0"])
    XCTAssert(Set(outA.map(paradoxJobKey)).isDisjoint(with: outB.map(paradoxJobKey)), "a job in both shards")
    XCTAssertEqual(Set((outA + outB).map(paradoxJobKey)), Set(fullOutcomes.map(paradoxJobKey)))
    // The same numbers as the unsharded run, exactly.
    for outcome in outA + outB {
      let twin = try XCTUnwrap(fullOutcomes.first { paradoxJobKey($0) == paradoxJobKey(outcome) })
      XCTAssert(paradoxEqual(outcome, twin), "\(paradoxJobKey(outcome)): sharded \(outcome) vs unsharded \(twin)")
    }
  }

  func testParadoxBadInputExitsTwoAndWritesNothing() throws {
    let dir = try trainTemporaryDirectory()
    let out = dir.appendingPathComponent("results.json").path
    for shard in ["0/2", "3/2", "x", "1/0", "1/2/3"] {
      try assertTrainRejected(Self.paradoxSmall + ["--shard", shard, "--out", out], naming: ["--shard", shard])
    }
    try assertTrainRejected(Self.paradoxSmall + ["--noise", "up", "--out", out], naming: ["--noise", "up"])
    try assertTrainRejected(Self.paradoxSmall + ["--task", "nope", "--out", out], naming: ["--task", "nope"])
    try assertTrainRejected(Self.paradoxSmall + ["--seeds", "0", "--out", out], naming: ["--seeds"])
    try assertTrainRejected(Self.paradoxSmall + ["--sigma-test", "-0.5", "--out", out], naming: ["--sigma-test"])
    XCTAssertEqual(trainContents(dir), [], "a refused sweep left a file behind")
  }

  /// Like train's -o: a results file whose directory does not exist is
  /// refused before the sweep is trained.
  func testParadoxOutIntoAMissingDirectoryExitsTwoWithOneLine() throws {
    let dir = try trainTemporaryDirectory()
    let path = dir.appendingPathComponent("no-such-dir/results.json").path
    try assertTrainRejected(Self.paradoxSmall + ["--out", path], naming: ["no-such-dir"])
    XCTAssertEqual(trainContents(dir), [])
  }

  /// `--noise in,in` names one placement twice: either refused (exit 2) or
  /// the same sweep as `--noise in` — never the same job trained twice and
  /// counted as two seeds.
  func testParadoxRepeatedPlacementIsNotTwoSeeds() throws {
    let once = try paradoxRun(["--noise", "in", "--json"])
    let twice = try run(Self.paradoxSmall + ["--noise", "in,in", "--json"])
    if twice.status == 2 {
      XCTAssertEqual(twice.stdout, "")
      XCTAssertEqual(twice.stderrLines.count, 1, twice.stderr)
      return
    }
    XCTAssertEqual(twice.status, 0, twice.stderr)
    let o = try json(twice)
    let outcomes = try paradoxOutcomes(try XCTUnwrap(o["results"] as? [String: Any]))
    XCTAssertEqual(outcomes.map(paradoxJobKey), ["in/0.0/1.0", "in/0.5/1.0"], "each job once")
    let summary = try XCTUnwrap(o["summary"] as? [[String: Any]])
    XCTAssertEqual(summary.map { $0["seeds"] as? Int }, [1, 1], "one seed per row, as asked: \(summary)")
    XCTAssertEqual(summary.count, (try json(once)["summary"] as? [Any])?.count)
  }

  // MARK: - merge

  func testMergeOfTheShardsReproducesTheUnshardedRun() throws {
    let dir = try trainTemporaryDirectory()
    let a = dir.appendingPathComponent("a.json").path, b = dir.appendingPathComponent("b.json").path
    let fullFile = dir.appendingPathComponent("full.json").path, mergedFile = dir.appendingPathComponent("merged.json").path
    let full = try paradoxRun(["--threads", "1", "--json", "--out", fullFile])
    _ = try paradoxRun(["--shard", "1/2", "--out", a])
    _ = try paradoxRun(["--shard", "2/2", "--out", b])

    let merged = try run(["merge", a, b, "--json", "--out", mergedFile])
    XCTAssertEqual(merged.status, 0, merged.stderr)
    XCTAssertEqual(merged.stderr, "", "nothing missing, nothing to say")
    // Same results, same summary, same verdict: the same bytes.
    XCTAssertEqual(merged.stdout, full.stdout)
    let m = try json(merged), f = try json(full)
    let mergedSummary = try XCTUnwrap(m["summary"] as? [Any]), fullSummary = try XCTUnwrap(f["summary"] as? [Any])
    XCTAssert(NSArray(array: mergedSummary).isEqual(to: fullSummary), "summaries differ")
    XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: mergedFile)), try Data(contentsOf: URL(fileURLWithPath: fullFile)),
      "merge --out and paradox --out of the same sweep differ")
    // Order of the files does not matter; the same shard twice is kept once.
    let reversed = try run(["merge", b, a, "--json"])
    XCTAssertEqual(reversed.status, 0, reversed.stderr)
    XCTAssertEqual(reversed.stdout, full.stdout)
    let twice = try run(["merge", a, b, a, "--json"])
    XCTAssertEqual(twice.status, 0, twice.stderr)
    XCTAssertEqual(twice.stdout, full.stdout)
    // The table form too.
    let table = try run(["merge", a, b])
    XCTAssertEqual(table.status, 0, table.stderr)
    XCTAssert(table.stdout.contains("best sigma_test"), table.stdout)
  }

  func testMergeOfOneShardReportsTheMissingJobs() throws {
    let dir = try trainTemporaryDirectory()
    let a = dir.appendingPathComponent("a.json").path
    _ = try paradoxRun(["--shard", "1/2", "--out", a])
    let r = try run(["merge", a, "--json"])
    XCTAssertEqual(r.status, 0, r.stderr)
    XCTAssertEqual(r.stderrLines.count, 1, r.stderr)
    XCTAssert(r.stderr.contains("2 job(s) of 4 missing"), r.stderr)
    let o = try json(r)
    let results = try XCTUnwrap(o["results"] as? [String: Any])
    XCTAssertEqual(try paradoxOutcomes(results).map(paradoxJobKey), ["in/0.0/1.0", "out/0.0/1.0"])
    XCTAssertEqual((o["summary"] as? [Any])?.count, 2, "rows only for the jobs there are")
  }

  func testMergeBadInputExitsTwo() throws {
    let dir = try trainTemporaryDirectory()
    let a = dir.appendingPathComponent("a.json").path, other = dir.appendingPathComponent("other.json").path
    _ = try paradoxRun(["--shard", "1/2", "--out", a])
    // Another configuration (5 hidden units): a different sweep.
    _ = try paradoxRun(["--hidden", "5", "--shard", "2/2", "--out", other])
    try assertTrainRejected(["merge", a, other, "--json"], naming: ["different"])

    // The same job with two different results.
    var shard = try paradoxFile(a)
    var outcomes = try paradoxOutcomes(shard)
    var losses = try XCTUnwrap(outcomes[0]["test_loss"] as? [Any]).compactMap(trainNumber)
    losses[0] += 1
    outcomes[0]["test_loss"] = losses
    shard["outcomes"] = outcomes
    let conflicting = dir.appendingPathComponent("conflicting.json").path
    try JSONSerialization.data(withJSONObject: shard).write(to: URL(fileURLWithPath: conflicting))
    try assertTrainRejected(["merge", a, conflicting], naming: ["two different results"])

    // Not JSON, JSON of something else, no file at all.
    let text = dir.appendingPathComponent("notes.txt").path
    try "not json at all\n".write(toFile: text, atomically: true, encoding: .utf8)
    try assertTrainRejected(["merge", text], naming: [text])
    try assertTrainRejected(["merge", a, text, "--json"], naming: [text])
    let object = dir.appendingPathComponent("object.json").path
    try "{\"hello\": 1}\n".write(toFile: object, atomically: true, encoding: .utf8)
    try assertTrainRejected(["merge", object], naming: [object])
    try assertTrainRejected(["merge", dir.appendingPathComponent("absent.json").path], naming: ["absent.json"])
    try assertTrainRejected(["merge"], naming: ["<files>"])
    // A refused merge writes no --out.
    let out = dir.appendingPathComponent("merged.json").path
    try assertTrainRejected(["merge", a, other, "--out", out], naming: ["different"])
    XCTAssertFalse(FileManager.default.fileExists(atPath: out))
  }

  /// Results files written before the JSON keys became snake_case spell them
  /// camelCase (`testLoss`, `sigmaTrain`); merge reads them, and alongside
  /// new ones, to the same merged sweep.
  func testMergeReadsOldCamelCaseResultsFiles() throws {
    let dir = try trainTemporaryDirectory()
    let a = dir.appendingPathComponent("a.json").path, b = dir.appendingPathComponent("b.json").path
    _ = try paradoxRun(["--shard", "1/2", "--out", a])
    _ = try paradoxRun(["--shard", "2/2", "--out", b])
    func camel(_ any: Any) -> Any {
      if let d = any as? [String: Any] {
        var out: [String: Any] = [:]
        for (k, v) in d {
          let parts = k.split(separator: "_")
          out[parts.enumerated().map { $0.offset == 0 ? String($0.element) : $0.element.capitalized }.joined()] = camel(v)
        }
        return out
      }
      if let a = any as? [Any] { return a.map(camel) }
      return any
    }
    let oldA = dir.appendingPathComponent("old-a.json").path, oldB = dir.appendingPathComponent("old-b.json").path
    for (new, old) in [(a, oldA), (b, oldB)] {
      try JSONSerialization.data(withJSONObject: camel(try paradoxFile(new))).write(to: URL(fileURLWithPath: old))
    }
    let oldText = try String(contentsOfFile: oldA, encoding: .utf8)
    XCTAssert(oldText.contains("\"testLoss\"") && !oldText.contains("test_loss"), oldText)
    let expected = try run(["merge", a, b, "--json"])
    XCTAssertEqual(expected.status, 0, expected.stderr)
    for files in [[oldA, oldB], [oldA, b]] {
      let r = try run(["merge"] + files + ["--json"])
      XCTAssertEqual(r.status, 0, r.stderr)
      XCTAssertEqual(r.stdout, expected.stdout, "\(files)")
    }
  }

  // MARK: - renamed options

  /// Each concept has one spelling (--iterations, --trial-steps, -o/--out,
  /// --threads); the old spellings still work, give the same bytes, and are
  /// not shown in help. Both spellings at once are refused.
  func testOldOptionSpellingsStillWorkAndAreHidden() throws {
    let dir = try trainTemporaryDirectory()
    let new = dir.appendingPathComponent("new.ckpt").path, old = dir.appendingPathComponent("old.ckpt").path
    let small = ["--hidden", "4", "--batch", "4", "--trial-steps", "20"]
    let a = try run(["train"] + small + ["--iterations", "20", "--out", new])
    XCTAssertEqual(a.status, 0, a.stderr)
    let b = try run(["train"] + small + ["--steps", "20", "--output", old])
    XCTAssertEqual(b.status, 0, b.stderr)
    XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: new)), try Data(contentsOf: URL(fileURLWithPath: old)))
    try assertTrainRejected(["train"] + small + ["--iterations", "20", "--steps", "20", "-o", new], naming: ["--steps", "--iterations"])

    let threads = try paradoxRun(["--threads", "1", "--json"])
    let jobs = try paradoxRun(["--jobs", "1", "--json"])
    XCTAssertEqual(jobs.stdoutData, threads.stdoutData)

    let bench = try run(["bench", "train", "--steps-per-trial", "10", "--iterations", "2", "--repeats", "1", "--hidden", "4", "--batch", "2", "--json"])
    XCTAssertEqual(bench.status, 0, bench.stderr)
    XCTAssertEqual(try json(bench)["steps_per_trial"] as? Int, 10)

    for (command, hidden) in [(["train"], ["--steps ", "--output"]), (["paradox"], ["--jobs"]), (["bench", "train"], ["--steps-per-trial"])] {
      let help = try run(command + ["--help"])
      XCTAssertEqual(help.status, 0, help.stderr)
      for name in hidden { XCTAssertFalse(help.stdout.contains(name), "\(command) --help shows \(name): \(help.stdout)") }
    }
  }
}
