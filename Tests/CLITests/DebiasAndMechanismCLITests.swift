import Foundation
import XCTest

/// `debias` and `mechanism` as a user runs them, on the tiny networks of
/// TrainCLITests. Filter: `--filter 'CLITests/test(Debias|Mechanism)'`.
extension CLITests {
  static let smallEnsemble = ["--trajectories", "4", "--steps", "200", "--burn-in", "50", "--task-inputs", "3", "--threads", "1"]

  func testDebiasWritesCheckpointAndReportsLosses() throws {
    let dir = try trainTemporaryDirectory()
    let model = dir.appendingPathComponent("m.ckpt").path, out = dir.appendingPathComponent("d.ckpt").path
    try trainSmallModel(model, ["--noise", "in", "--sigma", "0.5"])
    let r = try run(["debias", model, "-o", out, "--json"] + Self.smallEnsemble)
    XCTAssertEqual(r.status, 0, r.stderr)
    let report = try json(r)
    XCTAssertEqual(trainNumber(report["sigma"]), 0.5)
    XCTAssertEqual((report["bias_change"] as? [Any])?.count, 4)
    XCTAssertEqual((report["before"] as? [[String: Any]])?.compactMap { trainNumber($0["sigma_test"]) }, [0, 0.5])
    XCTAssertEqual((report["after"] as? [[String: Any]])?.count, 2)
    // The written network is the debiased one: its metadata says so, its weights are the original's.
    let meta = try trainInspect(out)
    XCTAssertEqual(trainNumber(meta["sigma_train"]), 0.5, "\(meta)")
    XCTAssert("\(meta)".contains("debiased_sigma"), "\(meta)")
  }

  func testDebiasRefusesAMissingDirectoryBeforeWork() throws {
    let dir = try trainTemporaryDirectory()
    let model = dir.appendingPathComponent("m.ckpt").path
    try trainSmallModel(model, ["--noise", "in", "--sigma", "0.5"])
    try assertTrainRejected(
      ["debias", model, "-o", dir.appendingPathComponent("no/such/d.ckpt").path] + Self.smallEnsemble,
      naming: ["-o/--out", "does not exist"])
    try assertTrainRejected(["debias", model, "-o", dir.path] + Self.smallEnsemble, naming: ["-o/--out", "is a directory"])
    try assertTrainRejected(["debias", model, "-o", dir.appendingPathComponent("d.ckpt").path, "--sigma", "-1"], naming: ["--sigma"])
    XCTAssertEqual(trainContents(dir), ["m.ckpt"], "a refused debias wrote something")
  }

  func testMechanismOverAKeptSweep() throws {
    let dir = try trainTemporaryDirectory()
    let results = dir.appendingPathComponent("r.json").path
    _ = try paradoxRun(["--keep", dir.appendingPathComponent("nets").path, "--out", results, "--threads", "1"])
    let r = try run(["mechanism", results, "--json"] + Self.smallEnsemble)
    XCTAssertEqual(r.status, 0, r.stderr)
    let report = try json(r)
    let networks = try XCTUnwrap(report["networks"] as? [[String: Any]])
    XCTAssertEqual(networks.count, 4, "one entry per kept network")
    for n in networks {
      XCTAssertEqual((n["predicted_loss"] as? [Any])?.count, 2, "predicted at every sigma_test of the sweep")
      XCTAssertEqual((n["units"] as? [Any])?.count, 4)
    }
    let cells = try XCTUnwrap(report["cells"] as? [[String: Any]])
    XCTAssertEqual(cells.count, 4, "(in, out) x sigma_train (0, 0.5)")
    XCTAssertNotNil(report["verdict"] as? String)
    // A results file without kept networks is refused with a hint.
    let bare = dir.appendingPathComponent("bare.json").path
    _ = try paradoxRun(["--out", bare, "--threads", "1"])
    try assertTrainRejected(["mechanism", bare], naming: ["--keep"])
  }
}
