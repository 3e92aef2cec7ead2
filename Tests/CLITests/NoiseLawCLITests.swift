import Foundation
import XCTest

/// The `noise_law` / `noise_amplitude` checkpoint keys as a user meets
/// them: `checkpoint inspect` shows them (defaults for a file without
/// them), bad values are refused, and `analyze` on a non-Gaussian network
/// says the Gaussian closure does not apply and shows the mean field, the
/// law closure and the chain.
extension CLITests {
  func testInspectShowsNoiseLawAndAmplitudeWithDefaultsForOldFiles() throws {
    let dir = try checkpointDirectory()
    let old = try writeCheckpoint(Self.checkpointFile(), "old.ckpt", in: dir)
    let o = try json(run(["checkpoint", "inspect", "--json", old]))
    XCTAssertEqual(o["noise_law"] as? String, "gaussian")
    XCTAssertEqual(o["noise_amplitude"] as? String, "gamma")
    let new = try writeCheckpoint(
      Self.checkpointFile(metadata: ["noise_law": "half-normal", "noise_amplitude": "sqrt-2-gamma"]), "new.ckpt", in: dir)
    let n = try json(run(["checkpoint", "inspect", "--json", new]))
    XCTAssertEqual(n["noise_law"] as? String, "half-normal")
    XCTAssertEqual(n["noise_amplitude"] as? String, "sqrt-2-gamma")
    XCTAssertNil((n["extra_metadata"] as? [String: String])?["noise_law"], "a typed field, not extra metadata")
    let table = try run(["checkpoint", "inspect", new])
    XCTAssertTrue(table.stdout.contains("sqrt(2/gamma)"), table.stdout)
  }

  func testUnknownNoiseLawIsRefused() throws {
    let dir = try checkpointDirectory()
    let path = try writeCheckpoint(Self.checkpointFile(metadata: ["noise_law": "cauchy"]), "bad.ckpt", in: dir)
    try assertCheckpointRejected(["checkpoint", "inspect", path], naming: "noise_law")
    try assertCheckpointRejected(["analyze", path], naming: "noise_law")
  }

  func testAnalyzeOnALaplaceNetworkShowsMeanFieldLawClosureAndChain() throws {
    let dir = try checkpointDirectory()
    let path = try writeCheckpoint(Self.checkpointFile(metadata: ["noise_law": "laplace"]), "lap.ckpt", in: dir)
    let args = ["analyze", path, "--input", "0.5,-0.5", "--sigma-test", "0,0.3", "--trajectories", "8", "--steps", "300", "--burn-in", "100"]
    let r = try run(args + ["--json"])
    XCTAssertEqual(r.status, 0, r.stderr)
    let o = try json(r)
    XCTAssertTrue((o["note"] as? String)?.contains("assumes Gaussian noise") == true, "\(o)")
    XCTAssertEqual(o["noise_law"] as? String, "laplace")
    XCTAssertEqual((o["rows"] as? [Any])?.count, 2)
    XCTAssertNil(o["closure"], "no Gaussian closure section")
    XCTAssertNotNil((o["rows"] as? [[String: Any]])?.last?["closure"] as? Double, "the law closure's column")
    let text = try run(args)
    XCTAssertTrue(text.stdout.contains("note: the Gaussian closure assumes Gaussian noise"), text.stdout)
    try assertRejected(Array(args.prefix(2)) + ["--task-loss"], naming: "--task-loss")
    try assertRejected(args + ["--schemes", "em"], naming: "--schemes")
  }

  /// relu at μ = 0 under Laplace noise of SD σ: E f = σ/(2√2) (half the
  /// Laplace scale σ/√2), an independent closed form.
  func testMomentsUnderLaplaceNoise() throws {
    let r = try run(["moments", "--activation", "relu", "--mu", "0", "--sigma", "2", "--noise-law", "laplace", "--json"])
    XCTAssertEqual(r.status, 0, r.stderr)
    let o = try json(r)
    XCTAssertEqual(o["noise_law"] as? String, "laplace")
    XCTAssertEqual(try XCTUnwrap(o["mean"] as? Double), 2 / (2 * 2.0.squareRoot()), accuracy: 1e-10)
    try assertRejected(["moments", "--activation", "relu", "--mu", "0", "--sigma", "1", "--noise-law", "cauchy"], naming: "--noise-law")
    try assertRejected(
      ["moments", "--activation", "relu", "--mu", "0", "--sigma", "1", "--noise-law", "laplace", "--mc", "100"], naming: "--mc")
  }
}
