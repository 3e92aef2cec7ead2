import Foundation
import XCTest

/// Dropout as a user meets it: `train --dropout … --rate …` writes a
/// checkpoint that records it, `checkpoint inspect` shows it, and `analyze`
/// reports the dropout closure next to the chain, agreeing within the
/// stated tolerance (`DropoutStudy.tolerance`: 15 % of the bias + 4 SE).
extension CLITests {
  func testTrainWithDropoutThenAnalyzeAgreesWithTheChain() throws {
    let dir = try trainTemporaryDirectory()
    for site in ["state", "input"] {
      let path = dir.appendingPathComponent("\(site).ckpt").path
      let r = try run(
        ["train", "--activation", "tanh", "--hidden", "6", "--iterations", "60", "--batch", "8", "--trial-steps", "40",
         "--sigma", "0.2", "--dropout", site, "--rate", "0.2", "--seed", "2", "-o", path])
      XCTAssertEqual(r.status, 0, r.stderr)
      XCTAssertTrue(r.stdout.contains("p = 0.2"), r.stdout)
      let k = try trainInspect(path)
      XCTAssertEqual(k["dropout"] as? String, site)
      XCTAssertEqual(trainNumber(k["dropout_rate"]), 0.2)
      let a = try run(
        ["analyze", path, "--sigma-test", "0,0.2", "--rate-test", "0,0.2,0.4", "--trajectories", "32", "--steps", "3000",
         "--burn-in", "400", "--json"])
      XCTAssertEqual(a.status, 0, a.stderr)
      let o = try json(a)
      let rows = try XCTUnwrap(o["rows"] as? [[String: Any]])
      XCTAssertEqual(rows.count, 6)
      for row in rows {
        XCTAssertEqual(row["agrees"] as? Bool, true, "\(site): \(row)")
      }
      // The dropout moves the readout: at p = 0.4, σ = 0 the bias is not 0.
      let p4 = try XCTUnwrap(rows.first { trainNumber($0["rate"]) == 0.4 && trainNumber($0["sigma"]) == 0 })
      XCTAssertGreaterThan(abs(try XCTUnwrap(trainNumber(p4["bias"]))), 4 * (try XCTUnwrap(trainNumber(p4["standard_error"]))))
      XCTAssertTrue((o["agreement"] as? String)?.hasPrefix("closure and chain agree") == true, "\(o)")
    }
  }

  func testDropoutOptionsAreChecked() throws {
    let dir = try trainTemporaryDirectory()
    let path = dir.appendingPathComponent("x.ckpt").path
    try assertRejected(["train"] + Self.trainSmall + ["--rate", "0.2", "-o", path], naming: "--rate needs --dropout")
    try assertRejected(["train"] + Self.trainSmall + ["--dropout", "state", "-o", path], naming: "--dropout needs --rate")
    try assertRejected(["train"] + Self.trainSmall + ["--dropout", "state", "--rate", "1", "-o", path], naming: "--rate")
    try assertRejected(["train"] + Self.trainSmall + ["--dropout", "hidden", "--rate", "0.1", "-o", path], naming: "--dropout")
    XCTAssertEqual(trainContents(dir), [])
    let plain = dir.appendingPathComponent("plain.ckpt").path
    try trainSmallModel(plain)
    XCTAssertNil(try trainInspect(plain)["dropout"], "no dropout key for a file without dropout")
    try assertRejected(["analyze", plain, "--rate-test", "0.1"], naming: "--rate-test")
    let drop = dir.appendingPathComponent("drop.ckpt").path
    try trainSmallModel(drop, ["--dropout", "input", "--rate", "0.1"])
    try assertRejected(["analyze", drop, "--rate-test", "0.99"], naming: "--rate-test")
    try assertRejected(["analyze", drop, "--schemes", "chain,em"], naming: "--schemes")
    try assertRejected(["analyze", drop, "--task-loss"], naming: "--task-loss")
    // The float32 kernels have no masks: refused, not run without them.
    try assertRejected(["train"] + Self.trainSmall + ["--precision", "f32", "--dropout", "state", "--rate", "0.2", "-o", path], naming: "--precision f32")
    try assertRejected(
      ["train"] + Self.trainSmall + ["--precision", "f32", "--dropout", "input", "--rate", "0.2", "--learn-noise", "-o", path], naming: "--precision f32")
    try assertRejected(["analyze", drop, "--precision", "f32"], naming: "--precision f32")
    try assertRejected(["train", "--model", "dae", "--iterations", "5", "--dropout", "state", "--rate", "0.2", "-o", path], naming: "--dropout")
    try assertRejected(
      ["paradox", "--model", "mlp", "--iterations", "5", "--dropout", "state", "--rate-train", "0.1", "--rate-test", "0.1"], naming: "--dropout")
    XCTAssertFalse(FileManager.default.fileExists(atPath: path))
  }
}

extension CLITests {
  /// `train --learn-noise` writes per-unit σᵢ and pᵢ; `analyze` at σ_test =
  /// σ_train (the RMS of the σᵢ) runs them in the chain and the closure and
  /// the two agree within the stated tolerance.
  func testLearnedNoiseTrainAndAnalyze() throws {
    let dir = try trainTemporaryDirectory()
    let path = dir.appendingPathComponent("learned.ckpt").path
    let r = try run(
      ["train", "--activation", "tanh", "--hidden", "6", "--iterations", "60", "--batch", "8", "--trial-steps", "40", "--sigma", "0.3",
       "--dropout", "input", "--rate", "0.2", "--learn-noise", "--noise-kl", "0.01", "--seed", "2", "-o", path])
    XCTAssertEqual(r.status, 0, r.stderr)
    let k = try trainInspect(path)
    let sigmas = try XCTUnwrap(k["noise_sigmas"] as? [Any]).compactMap(trainNumber)
    let rates = try XCTUnwrap(k["dropout_rates"] as? [Any]).compactMap(trainNumber)
    XCTAssertEqual(sigmas.count, 6)
    XCTAssertEqual(rates.count, 6)
    let sigmaTrain = try XCTUnwrap(trainNumber(k["sigma_train"]))
    let a = try run(
      ["analyze", path, "--sigma-test", "0,\(sigmaTrain)", "--trajectories", "32", "--steps", "3000", "--burn-in", "400", "--json"])
    XCTAssertEqual(a.status, 0, a.stderr)
    let o = try json(a)
    XCTAssertEqual((o["learned_sigmas"] as? [Any])?.count, 6)
    let rows = try XCTUnwrap(o["rows"] as? [[String: Any]])
    XCTAssertEqual(rows.count, 2)
    for row in rows { XCTAssertEqual(row["agrees"] as? Bool, true, "\(row)") }
    try assertRejected(["train"] + Self.trainSmall + ["--learn-noise", "-o", path + "2"], naming: "--learn-noise needs --dropout")
    try assertRejected(
      ["train"] + Self.trainSmall + ["--dropout", "state", "--rate", "0.1", "--sigma", "0", "--learn-noise", "-o", path + "2"], naming: "--sigma")
    try assertRejected(["train"] + Self.trainSmall + ["--noise-kl", "0.1", "-o", path + "2"], naming: "--noise-kl needs --learn-noise")
  }
}

extension CLITests {
  /// `paradox --dropout`: the sweep over rates writes `dropout` in its
  /// config, the summary speaks of rates, and `merge` keeps the key; the
  /// options are checked.
  func testParadoxOverDropoutRates() throws {
    let dir = try trainTemporaryDirectory()
    let base = ["paradox"] + Self.trainSmall + ["--seeds", "1", "--eval-trials", "8", "--eval-repeats", "2", "--dropout", "input"]
    let out = dir.appendingPathComponent("r.json").path
    let r = try run(base + ["--rate-train", "0,0.2", "--rate-test", "0,0.2,0.4", "--out", out, "--json"])
    XCTAssertEqual(r.status, 0, r.stderr)
    let o = try json(r)
    XCTAssertTrue((o["verdict"] as? String)?.hasPrefix("dropout-input: optimum at p_test > 0") == true, "\(o)")
    let config = try XCTUnwrap((o["results"] as? [String: Any])?["config"] as? [String: Any])
    XCTAssertEqual(config["dropout"] as? String, "input")
    XCTAssertEqual((config["sigma_test"] as? [Any])?.count, 3)
    let text = try run(base + ["--rate-train", "0,0.2", "--rate-test", "0,0.2,0.4"])
    XCTAssertTrue(text.stdout.contains("dropout-input"), text.stdout)
    XCTAssertTrue(text.stdout.contains("the sigma columns are dropout rates p"), text.stdout)
    let merged = try run(["merge", out, "--json"])
    XCTAssertEqual(merged.status, 0, merged.stderr)
    try assertRejected(base + ["--rate-train", "0,0.2"], naming: "--rate-test")
    try assertRejected(base + ["--rate-train", "0,1.2", "--rate-test", "0"], naming: "--rate-train")
    try assertRejected(base + ["--rate-train", "0", "--rate-test", "0", "--noise", "out"], naming: "--noise")
    try assertRejected(["paradox"] + Self.trainSmall + ["--rate-train", "0.1"], naming: "--dropout")
  }
}
