import Foundation
import XCTest

/// Gulcehre's gated noise at the input of h (`--gate-site input`), its
/// learned p (`--learn-gate`) and `--noise dropout`, as a user runs them:
/// the checkpoint records them and `analyze` reports the mean field, the
/// closure and the chain, the closure agreeing with the chain within
/// `lawClosureAgrees` (4 SE + 10 % of the simulated bias).
extension CLITests {
  func testTrainGatedInputSiteAndAnalyzeAgrees() throws {
    let dir = try trainTemporaryDirectory()
    for law in ["gaussian", "half-normal"] {
      let path = dir.appendingPathComponent("input-\(law).ckpt").path
      // p = 8: the gate opens close to the threshold, so the input noise reaches back into the linear regime.
      let t = try run([
        "train", "--task", "function", "--noise", "gated", "--gate-site", "input", "--gate-p", "8", "--activation", "hardtanh",
        "--noise-law", law, "--sigma", "1", "--hidden", "8", "--iterations", "150", "--seed", "2", "-o", path,
      ])
      XCTAssertEqual(t.status, 0, t.stderr)
      let extra = try trainInspect(path)["extra_metadata"] as? [String: String] ?? [:]
      XCTAssertEqual(extra["gate_site"], "input")
      XCTAssertEqual(extra["gate_p"], "8.0")
      let a = try run(["analyze", path, "--sigma-test", "0,1,2", "--trajectories", "64", "--steps", "2000", "--burn-in", "400", "--json"])
      XCTAssertEqual(a.status, 0, a.stderr)
      let o = try json(a)
      XCTAssertEqual(o["noise"] as? String, "gated-input")
      XCTAssertTrue((o["note"] as? String)?.contains("input of h") == true, "\(o)")
      let rows = try XCTUnwrap(o["rows"] as? [[String: Any]])
      XCTAssertEqual(rows.count, 3)
      for row in rows where (row["sigma"] as? Double ?? 0) > 0 {
        XCTAssertTrue(Self.lawClosureAgrees(row), "\(law): \(row)")
        XCTAssertGreaterThan(abs(row["bias"] as? Double ?? 0), 4 * (row["standard_error"] as? Double ?? 1), "\(law): \(row)")
      }
    }
    let out = dir.appendingPathComponent("x.ckpt").path
    try assertRejected(
      ["train", "--noise", "gated", "--gate-site", "input", "--gate-alpha", "1.1", "--activation", "hardtanh", "-o", out], naming: "alpha")
    try assertRejected(["train", "--noise", "in", "--gate-site", "input", "-o", out], naming: "--gate-site")
    try assertRejected(["train", "--noise", "in", "--learn-gate", "-o", out], naming: "--learn-gate")
    try assertRejected(
      ["train", "--noise", "gated", "--activation", "hardtanh", "--learn-gate", "--sigma", "0", "-o", out], naming: "--learn-gate")
    XCTAssertFalse(FileManager.default.fileExists(atPath: out))
  }

  /// --learn-gate: p moves from --gate-p, the checkpoint records the learned
  /// p (gate_p) and the start (gate_p_start), and analyze runs at the learned
  /// p (its note names it) with the columns agreeing.
  func testTrainWithLearnedGateAndAnalyzeUsesTheLearnedP() throws {
    let dir = try trainTemporaryDirectory()
    for site in ["input", "output"] {
      let path = dir.appendingPathComponent("learned-\(site).ckpt").path
      let t = try run([
        "train", "--task", "function", "--noise", "gated", "--gate-site", site, "--gate-p", "6", "--learn-gate", "--activation",
        "hardtanh", "--noise-law", "half-normal", "--sigma", "1", "--hidden", "8", "--iterations", "200", "--seed", "2", "-o", path,
      ])
      XCTAssertEqual(t.status, 0, t.stderr)
      XCTAssertTrue(t.stdout.contains("learned p"), t.stdout)
      let extra = try trainInspect(path)["extra_metadata"] as? [String: String] ?? [:]
      XCTAssertEqual(extra["gate_p_start"], "6.0")
      let learned = try XCTUnwrap(extra["gate_p"].flatMap(Double.init))
      XCTAssertNotEqual(learned, 6, "p is learned")
      let a = try run(["analyze", path, "--sigma-test", "0,1,2", "--trajectories", "64", "--steps", "2000", "--burn-in", "400", "--json"])
      XCTAssertEqual(a.status, 0, a.stderr)
      let o = try json(a)
      XCTAssertTrue((o["note"] as? String)?.contains("p = \(learned)") == true, "analyze uses the learned p: \(o["note"] ?? "")")
      for row in try XCTUnwrap(o["rows"] as? [[String: Any]]) where (row["sigma"] as? Double ?? 0) > 0 {
        XCTAssertTrue(Self.lawClosureAgrees(row), "\(site): \(row)")
      }
    }
  }

  /// --noise dropout --rate 0.2 is --dropout state --rate 0.2 --sigma 0:
  /// the same checkpoint bytes; analyze reports the dropout closure.
  func testNoiseDropoutIsDropoutOnTheState() throws {
    let dir = try trainTemporaryDirectory()
    let a = dir.appendingPathComponent("a.ckpt").path, b = dir.appendingPathComponent("b.ckpt").path
    let common = ["train", "--activation", "tanh", "--hidden", "6", "--iterations", "60", "--batch", "8", "--trial-steps", "40", "--seed", "2"]
    let r = try run(common + ["--noise", "dropout", "--rate", "0.2", "-o", a])
    XCTAssertEqual(r.status, 0, r.stderr)
    XCTAssertEqual(try run(common + ["--dropout", "state", "--rate", "0.2", "--sigma", "0", "-o", b]).status, 0)
    XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: a)), try Data(contentsOf: URL(fileURLWithPath: b)))
    let k = try trainInspect(a)
    XCTAssertEqual(k["dropout"] as? String, "state")
    let an = try run(["analyze", a, "--sigma-test", "0", "--rate-test", "0,0.2", "--trajectories", "32", "--steps", "3000", "--burn-in", "400", "--json"])
    XCTAssertEqual(an.status, 0, an.stderr)
    for row in try XCTUnwrap(try json(an)["rows"] as? [[String: Any]]) { XCTAssertEqual(row["agrees"] as? Bool, true, "\(row)") }
    let out = dir.appendingPathComponent("x.ckpt").path
    try assertRejected(common + ["--noise", "dropout", "-o", out], naming: "--rate")
    try assertRejected(common + ["--noise", "dropout", "--rate", "0.2", "--sigma", "0.3", "-o", out], naming: "--noise dropout")
    try assertRejected(common + ["--noise", "dropout", "--dropout", "input", "--rate", "0.2", "-o", out], naming: "--noise dropout")
    XCTAssertFalse(FileManager.default.fileExists(atPath: out))
  }
}

extension CLITests {
  /// paradox --noise gated-input --gate-p: the results record the gate with
  /// its site and p, `table` names the kind, and the gate's options are
  /// refused where they do not apply.
  func testParadoxWithTheGateAtTheInput() throws {
    let dir = try trainTemporaryDirectory()
    let small = ["--hidden", "4", "--iterations", "20", "--batch", "4", "--trial-steps", "20", "--sigma-train", "0.5",
      "--sigma-test", "0,0.5", "--seeds", "1", "--eval-trials", "8", "--eval-repeats", "2", "--activation", "hardtanh"]
    let path = dir.appendingPathComponent("gated-input.json").path
    let r = try run(["paradox"] + small + ["--noise", "gated-input", "--gate-p", "8", "-o", path])
    XCTAssertEqual(r.status, 0, r.stderr)
    XCTAssertTrue(r.stdout.contains("gated-input, gaussian"), r.stdout)
    let o = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any]
    let gate = try XCTUnwrap((o?["config"] as? [String: Any])?["gate"] as? [String: Any])
    XCTAssertEqual(gate["site"] as? String, "input")
    XCTAssertEqual(gate["p"] as? Double, 8)
    let t = try run(["table", path, "--columns", "task,noise,activation,sigma_train,optimum"])
    XCTAssertTrue(t.stdout.contains("gated-input, gaussian"), t.stdout)
    try assertRejected(["paradox"] + small + ["--noise", "gated-input,in"], naming: "gated-input")
    try assertRejected(["paradox"] + small + ["--noise", "in", "--gate-p", "2"], naming: "--gate-p")
    try assertRejected(["paradox"] + small + ["--noise", "gated-input", "--gate-p", "0"], naming: "p")
  }
}

extension CLITests {
  /// --precision f32 takes gated noise with its half-normal law (folded from
  /// the float normals); other non-Gaussian laws stay refused in f32. The
  /// f32 checkpoint records the law and analyze's closure agrees with the chain.
  func testFloatGatedHalfNormalTrainAndAnalyze() throws {
    let dir = try trainTemporaryDirectory()
    let path = dir.appendingPathComponent("f32.ckpt").path
    let t = try run([
      "train", "--task", "function", "--noise", "gated", "--activation", "hardtanh", "--noise-law", "half-normal", "--gate-alpha", "1.1",
      "--sigma", "0.5", "--precision", "f32", "--hidden", "8", "--iterations", "150", "--seed", "2", "-o", path,
    ])
    XCTAssertEqual(t.status, 0, t.stderr)
    XCTAssertEqual(try trainInspect(path)["noise_law"] as? String, "half-normal")
    let a = try run(["analyze", path, "--sigma-test", "0,0.5", "--trajectories", "64", "--steps", "2000", "--burn-in", "400", "--json"])
    XCTAssertEqual(a.status, 0, a.stderr)
    for row in try XCTUnwrap(try json(a)["rows"] as? [[String: Any]]) where (row["sigma"] as? Double ?? 0) > 0 {
      XCTAssertTrue(Self.lawClosureAgrees(row), "\(row)")
    }
    let out = dir.appendingPathComponent("x.ckpt").path
    try assertRejected(["train", "--noise", "in", "--noise-law", "half-normal", "--precision", "f32", "-o", out], naming: "--precision f32")
    try assertRejected(
      ["train", "--noise", "gated", "--activation", "hardtanh", "--noise-law", "laplace", "--precision", "f32", "-o", out], naming: "--noise-law")
  }
}
