import Foundation
import XCTest

/// `paradox --keep`, `merge` of kept shards, and `analyze --task-loss`, as a
/// user runs them (CLITests' subprocess runner; the tiny sweep of
/// TrainCLITests). Filter: `--filter 'CLITests/test(Keep|TaskLoss)'`.
extension CLITests {
  func testKeepWithShardsAndMergeKeepsEveryNetworkLinked() throws {
    let dir = try trainTemporaryDirectory()
    let results = dir.appendingPathComponent("results"), nets = results.appendingPathComponent("nets/deeper")
    try FileManager.default.createDirectory(at: results, withIntermediateDirectories: true)
    let a = results.appendingPathComponent("a.json").path, b = results.appendingPathComponent("b.json").path
    // nets/deeper does not exist yet: --keep creates it.
    _ = try paradoxRun(["--shard", "1/2", "--keep", nets.path, "--out", a, "--threads", "1"])
    _ = try paradoxRun(["--shard", "2/2", "--keep", nets.path, "--out", b, "--threads", "2"])
    let stems = ["in-s0.0-seed1", "in-s0.5-seed1", "out-s0.0-seed1", "out-s0.5-seed1"]
    XCTAssertEqual(trainContents(nets), stems.flatMap { [$0 + ".ckpt", $0 + ".json"] }.sorted(), "one checkpoint and one curve per job, no temporaries")
    // Each shard links only its own networks, relative to itself.
    let linksA = try paradoxOutcomes(try paradoxFile(a)).map { $0["checkpoint"] as? String }
    let linksB = try paradoxOutcomes(try paradoxFile(b)).map { $0["checkpoint"] as? String }
    XCTAssertEqual(linksA, ["nets/deeper/in-s0.0-seed1.ckpt", "nets/deeper/out-s0.0-seed1.ckpt"])
    XCTAssertEqual(linksB, ["nets/deeper/in-s0.5-seed1.ckpt", "nets/deeper/out-s0.5-seed1.ckpt"])
    // The curve next to a checkpoint is that job's measured curve (snake_case keys).
    let curve = try paradoxFile(nets.appendingPathComponent("in-s0.5-seed1.json").path)
    XCTAssertEqual(curve["checkpoint"] as? String, "in-s0.5-seed1.ckpt")
    XCTAssertEqual((curve["sigma_test"] as? [Any])?.count, 2)
    let twin = try XCTUnwrap(try paradoxOutcomes(try paradoxFile(b)).first { paradoxJobKey($0) == "in/0.5/1.0" })
    XCTAssert(NSArray(array: curve["test_loss"] as? [Any] ?? []).isEqual(to: twin["test_loss"] as? [Any] ?? [0]), "\(curve) vs \(twin)")
    // The checkpoint is the network of that job.
    let meta = try trainInspect(nets.appendingPathComponent("in-s0.5-seed1.ckpt").path)
    XCTAssertEqual(trainNumber(meta["sigma_train"]), 0.5, "\(meta)")

    // Merged one directory up: links re-expressed relative to the merged file, and they resolve.
    let merged = dir.appendingPathComponent("merged.json").path
    let m = try run(["merge", a, b, "-o", merged])
    XCTAssertEqual(m.status, 0, m.stderr)
    XCTAssertFalse(m.stderr.contains("not found"), m.stderr)
    let links = try paradoxOutcomes(try paradoxFile(merged)).map { $0["checkpoint"] as? String }
    XCTAssertEqual(links, stems.map { "results/nets/deeper/\($0).ckpt" })
    for case let link? in links {
      XCTAssert(FileManager.default.fileExists(atPath: dir.appendingPathComponent(link).path), link)
    }
  }

  func testKeepIntoAFileOrUnwritablePlaceExitsTwoBeforeTraining() throws {
    let dir = try trainTemporaryDirectory()
    let file = dir.appendingPathComponent("plain")
    try Data("x".utf8).write(to: file)
    let out = dir.appendingPathComponent("results.json").path
    try assertTrainRejected(Self.paradoxSmall + ["--keep", file.path, "--out", out], naming: ["--keep", "not a directory"])
    try assertTrainRejected(
      Self.paradoxSmall + ["--keep", file.appendingPathComponent("sub").path, "--out", out], naming: ["--keep", "cannot create"])
    XCTAssertEqual(trainContents(dir), ["plain"], "a refused sweep wrote something")
  }

  func testTaskLossPrintsPredictedAndSimulatedCurves() throws {
    let dir = try trainTemporaryDirectory()
    let model = dir.appendingPathComponent("m.ckpt").path
    try trainSmallModel(model, ["--noise", "in", "--sigma", "0.5"])
    let args = [
      "analyze", model, "--task-loss", "--task-inputs", "3", "--sigma-test", "0,0.5", "--trajectories", "8", "--steps", "200",
      "--burn-in", "50",
    ]
    let r = try run(args + ["--json"])
    XCTAssertEqual(r.status, 0, r.stderr)
    let o = try json(r)
    let rows = try XCTUnwrap(o["rows"] as? [[String: Any]], r.stdout)
    XCTAssertEqual(rows.compactMap { trainNumber($0["sigma_test"]) }, [0, 0.5])
    for row in rows {
      for key in ["predicted_loss", "simulated_loss", "simulated_standard_error", "closure_failures"] {
        XCTAssertNotNil(row[key], "row lacks \(key): \(row)")
      }
    }
    XCTAssertEqual((o["inputs"] as? [Any])?.count, 3)
    XCTAssertNotNil(o["simulated_optimum_sigma_test"])
    XCTAssertNotNil(o["predicted_optimum_sigma_test"])
    // Same seed, same bytes.
    XCTAssertEqual(try run(args + ["--json"]).stdoutData, r.stdoutData)
    let table = try run(args)
    XCTAssertEqual(table.status, 0, table.stderr)
    XCTAssert(table.stdout.contains("predicted loss") && table.stdout.contains("optimum sigma_test: predicted"), table.stdout)

    try assertRejected(args + ["--input", "0.5"], namingAll: ["--input", "--task-loss"])
    try assertRejected(args + ["--task-inputs", "0"], namingAll: ["--task-inputs"])
  }
}
