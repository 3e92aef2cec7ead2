import Foundation
import XCTest

/// `debias RESULTS.json -o DIR`: every kept network of a sweep debiased,
/// the checkpoints written together, one cell per (placement, σ_train).
extension CLITests {
  func testDebiasOverAKeptSweep() throws {
    let dir = try trainTemporaryDirectory()
    let results = dir.appendingPathComponent("r.json").path, nets = dir.appendingPathComponent("nets").path
    _ = try paradoxRun(["--keep", nets, "--out", results, "--threads", "1"])
    let small = ["--trajectories", "8", "--steps", "400", "--burn-in", "100", "--task-inputs", "3"]
    let out = dir.appendingPathComponent("deb").path
    let r = try run(["debias", results, "-o", out, "--json"] + small)
    XCTAssertEqual(r.status, 0, r.stderr)
    let report = try json(r)
    let networks = try XCTUnwrap(report["networks"] as? [[String: Any]])
    XCTAssertEqual(networks.count, 4, "every kept network")
    let written = try FileManager.default.contentsOfDirectory(atPath: out).sorted()
    XCTAssertEqual(written, networks.compactMap { $0["output"] as? String }.sorted(), "one checkpoint per debiased network, nothing else")
    let cells = try XCTUnwrap(report["cells"] as? [[String: Any]])
    XCTAssertEqual(cells.map { "\($0["noise"]!)/\($0["sigma_train"]!)" }, ["in/0", "in/0.5", "out/0", "out/0.5"])
    // Each cell's mean is the mean of its networks' values.
    for c in cells {
      let members = networks.filter { "\($0["noise"]!)/\($0["sigma_train"]!)" == "\(c["noise"]!)/\(c["sigma_train"]!)" }
      let values = members.compactMap { $0["loss_at_zero_before"] as? Double }
      let mean = try XCTUnwrap((c["loss_at_zero_before"] as? [String: Any])?["mean"] as? Double)
      XCTAssertEqual(mean, values.reduce(0, +) / Double(values.count), accuracy: 1e-15)
    }
    // A debiased checkpoint is a readable network that records its debiasing.
    let meta = try trainInspect(out + "/" + (networks[1]["output"] as! String))
    XCTAssertEqual((meta["extra_metadata"] as? [String: Any])?["debiased_sigma"] as? String, "0.5", "\(meta)")

    // -o naming a file: refused before any work, the file untouched.
    let file = dir.appendingPathComponent("taken").path
    try Data("keep".utf8).write(to: URL(fileURLWithPath: file))
    let refused = try run(["debias", results, "-o", file] + small)
    XCTAssertEqual(refused.status, 2, refused.stderr)
    XCTAssert(refused.stderr.contains("give a directory"), refused.stderr)
    XCTAssertEqual(try String(contentsOfFile: file, encoding: .utf8), "keep")
  }
}
