import Foundation
import XCTest

/// Training with a non-Gaussian noise law as a user runs it: the law is
/// recorded in the checkpoint, and `analyze` on the result shows the mean
/// field, the law closure and the exact chain, the closure agreeing with
/// the chain.
extension CLITests {
  /// Agreement of the law closure with the chain: within 4 Monte-Carlo SE
  /// plus 10 % of the simulated noise-induced bias. The 4 SE is the chain's
  /// own error; the 10 % is the closure's approximation (a Gaussian state,
  /// uncorrelated residuals) — the same allowance the mechanism section
  /// states for the Gaussian closure on trained networks.
  static func lawClosureAgrees(_ row: [String: Any]) -> Bool {
    guard let closure = row["closure"] as? Double, let sim = row["simulated"] as? Double,
      let se = row["standard_error"] as? Double, let bias = row["bias"] as? Double
    else { return false }
    return abs(sim - closure) <= 4 * se + 0.1 * abs(bias)
  }

  func testTrainWithLaplaceAndHalfNormalNoiseRecordsTheLawAndAnalyzeAgrees() throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("fixedpoints-laws-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    for (placement, law, sigma) in [("in", "laplace", "0.5"), ("out", "half-normal", "0.3")] {
      let path = dir.appendingPathComponent("\(placement)-\(law).ckpt").path
      let t = try run([
        "train", "--task", "function", "--noise", placement, "--noise-law", law, "--sigma", sigma, "--hidden", "8",
        "--iterations", "150", "--seed", "2", "-o", path,
      ])
      XCTAssertEqual(t.status, 0, t.stderr)
      XCTAssertTrue(t.stdout.contains("(\(law))"), t.stdout)
      let inspect = try json(run(["checkpoint", "inspect", "--json", path]))
      XCTAssertEqual(inspect["noise_law"] as? String, law)
      XCTAssertEqual(inspect["noise"] as? String, placement)
      let a = try run([
        "analyze", path, "--sigma-test", "0,\(sigma),1", "--trajectories", "64", "--steps", "2000", "--burn-in", "400", "--json",
      ])
      XCTAssertEqual(a.status, 0, a.stderr)
      let o = try json(a)
      XCTAssertEqual(o["noise_law"] as? String, law)
      let rows = try XCTUnwrap(o["rows"] as? [[String: Any]])
      XCTAssertEqual(rows.count, 3)
      for row in rows where (row["sigma"] as? Double ?? 0) > 0 {
        XCTAssertTrue(Self.lawClosureAgrees(row), "\(placement) \(law): \(row)")
        // The noise moves the readout: a check that the columns compare a shift, not two noiseless values.
        XCTAssertGreaterThan(abs(row["bias"] as? Double ?? 0), 4 * (row["standard_error"] as? Double ?? 1), "\(row)")
      }
    }
    // The law applies to the CTRNN only.
    try assertRejected(
      ["train", "--model", "mlp", "--noise-law", "laplace", "-o", dir.appendingPathComponent("m.ckpt").path], naming: "--noise-law")
    try assertRejected(["train", "--noise-law", "cauchy", "-o", dir.appendingPathComponent("c.ckpt").path], naming: "--noise-law")
  }
}

extension CLITests {
  /// moments --noise-law salt-and-pepper: relu at μ = 0.3, σ = 1 is the
  /// three-term sum (1 − p)·0.3 + (p/2)(0.3 + √10), p = 0.1, written out here.
  func testMomentsUnderSaltAndPepperNoise() throws {
    let r = try run(["moments", "--activation", "relu", "--mu", "0.3", "--sigma", "1", "--noise-law", "salt-and-pepper", "--json"])
    XCTAssertEqual(r.status, 0, r.stderr)
    let o = try json(r)
    XCTAssertEqual(o["noise_law"] as? String, "salt-and-pepper")
    let want = 0.9 * 0.3 + 0.05 * (0.3 + 10.0.squareRoot())
    XCTAssertEqual(try XCTUnwrap(o["mean"] as? Double), want, accuracy: 1e-14)
    XCTAssertTrue((o["method"] as? String)?.hasPrefix("exact") == true, "\(o)")
  }
}

extension CLITests {
  /// train --noise gated --activation hardtanh: the gate recorded, analyze's
  /// gated closure agreeing with the chain (same tolerance as the laws);
  /// --sigma-schedule recorded; the gate refused where it does not apply.
  func testTrainGatedHardTanhWithAnnealingAndAnalyze() throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("fixedpoints-gated-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    let path = dir.appendingPathComponent("gated.ckpt").path
    let t = try run([
      "train", "--task", "function", "--noise", "gated", "--activation", "hardtanh", "--noise-law", "half-normal",
      "--gate-alpha", "1.1", "--sigma", "0.5", "--sigma-schedule", "linear", "--hidden", "8", "--iterations", "150", "--seed", "2",
      "-o", path,
    ])
    XCTAssertEqual(t.status, 0, t.stderr)
    let inspect = try json(run(["checkpoint", "inspect", "--json", path]))
    let extra = inspect["extra_metadata"] as? [String: String] ?? [:]
    XCTAssertEqual(extra["noise_gate"], "gulcehre", "\(inspect)")
    XCTAssertEqual(extra["gate_alpha"], "1.1")
    XCTAssertEqual(extra["sigma_schedule"], "linear")
    let a = try run(["analyze", path, "--sigma-test", "0,0.5,1", "--trajectories", "64", "--steps", "2000", "--burn-in", "400", "--json"])
    XCTAssertEqual(a.status, 0, a.stderr)
    let o = try json(a)
    XCTAssertEqual(o["noise"] as? String, "gated")
    XCTAssertTrue((o["note"] as? String)?.contains("expectation network") == true, "\(o)")
    for row in try XCTUnwrap(o["rows"] as? [[String: Any]]) where (row["sigma"] as? Double ?? 0) > 0 {
      XCTAssertTrue(Self.lawClosureAgrees(row), "\(row)")
    }
    let out = dir.appendingPathComponent("x.ckpt").path
    try assertRejected(["train", "--noise", "gated", "--activation", "relu", "-o", out], naming: "hardtanh")
    try assertRejected(["train", "--noise", "gated", "--activation", "hardtanh", "--noise-law", "laplace", "-o", out], naming: "--noise-law")
    try assertRejected(["train", "--noise", "in", "--gate-alpha", "1.2", "-o", out], naming: "--gate-alpha")
    try assertRejected(["analyze", path, "--task-loss"], naming: "--task-loss")
  }
}

extension CLITests {
  /// paradox with a noise law and with gated noise: the results record the
  /// law and the gate, and the summary and `table` name the noise kind.
  func testParadoxWithNoiseLawsAndGatedNoise() throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("fixedpoints-paradox-laws-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    let small = ["--hidden", "4", "--iterations", "20", "--batch", "4", "--trial-steps", "20", "--sigma-train", "0.5",
      "--sigma-test", "0,0.5", "--seeds", "1", "--eval-trials", "8", "--eval-repeats", "2"]
    let laplace = dir.appendingPathComponent("laplace.json").path
    let r = try run(["paradox"] + small + ["--noise", "in,out", "--noise-law", "laplace", "-o", laplace])
    XCTAssertEqual(r.status, 0, r.stderr)
    XCTAssertTrue(r.stdout.contains("in, laplace"), r.stdout)
    let gated = dir.appendingPathComponent("gated.json").path
    let g = try run(["paradox"] + small + ["--noise", "gated", "--activation", "hardtanh", "--noise-law", "half-normal", "-o", gated])
    XCTAssertEqual(g.status, 0, g.stderr)
    let o = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: gated))) as? [String: Any]
    let config = try XCTUnwrap(o?["config"] as? [String: Any])
    XCTAssertEqual(config["noise_law"] as? String, "half-normal")
    XCTAssertNotNil(config["gate"], "\(config)")
    let t = try run(["table", laplace, gated, "--columns", "task,noise,activation,sigma_train,optimum"])
    XCTAssertEqual(t.status, 0, t.stderr)
    for kind in ["in, laplace", "out, laplace", "gated, half-normal"] { XCTAssertTrue(t.stdout.contains(kind), t.stdout) }
    try assertRejected(["paradox"] + small + ["--noise", "gated,in", "--activation", "hardtanh"], naming: "gated")
    try assertRejected(["paradox"] + small + ["--noise", "gated"], naming: "hardtanh")
  }
}
