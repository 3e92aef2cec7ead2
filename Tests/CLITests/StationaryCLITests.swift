import Foundation
import XCTest

/// `stationary` as a user runs it, with CLITests' runner.
extension CLITests {
  /// Small ensembles: the debug build is slow, and these tests check the
  /// report's shape and bad-input handling, not the statistics (CTRNNTests
  /// and `verify` do that).
  var stationaryBase: [String] { [
    "stationary", "--activation", "tanh", "--w", "1.2", "--b", "0.1", "--sigma", "0.5", "--noise", "in",
    "--dt", "0.1", "--tau", "1", "--trajectories", "16", "--steps", "400", "--burn-in", "100", "--seed", "3",
  ] }

  func testStationaryJSONHasTheDocumentedKeysAndIsReproducible() throws {
    let r = try run(stationaryBase + ["--json"])
    XCTAssertEqual(r.status, 0, r.stderr)
    let object = try json(r)
    for key in [
      "deterministic_fixed_points", "noise_averaged_fixed_point", "chain_mean", "chain_variance",
      "fokker_planck_mean", "fokker_planck_variance", "em_mean", "em_mean_se", "milstein_mean",
      "milstein_mean_se", "bias",
    ] {
      XCTAssertNotNil(object[key], "missing \(key)")
    }
    // Noise inside tanh at a positive fixed point pulls the mean down
    // (tanh is concave there): the bias is negative.
    XCTAssertLessThan(try XCTUnwrap(object["bias"] as? Double), 0)
    XCTAssertEqual(try run(stationaryBase + ["--json"]).stdoutData, r.stdoutData, "same seed, same bytes")
  }

  func testStationaryDensityFileIsWrittenWhole() throws {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("density-\(UUID().uuidString).csv").path
    defer { try? FileManager.default.removeItem(atPath: path) }
    let r = try run(stationaryBase + ["--density", path])
    XCTAssertEqual(r.status, 0, r.stderr)
    let text = try String(contentsOfFile: path, encoding: .utf8)
    XCTAssert(text.hasPrefix("method,x,density"), String(text.prefix(80)))
    XCTAssert(text.contains("\nchain,") && text.contains("\nfokker_planck,"))
  }

  func testStationaryBadInputExitsTwo() throws {
    func replacing(_ option: String, with value: String) -> [String] {
      var args = stationaryBase
      if let i = args.firstIndex(of: option) { args[i + 1] = value }
      return args
    }
    try assertRejected(replacing("--sigma", with: "-1"), naming: "--sigma")
    try assertRejected(replacing("--dt", with: "0"), naming: "--dt")
    try assertRejected(replacing("--tau", with: "-1"), naming: "--tau")
    try assertRejected(replacing("--dt", with: "2"), naming: "--dt")
    try assertRejected(replacing("--activation", with: "foo"), naming: "--activation")
    try assertRejected(replacing("--steps", with: "0"), naming: "--steps")
    // A refused --density leaves no file behind.
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("never-\(UUID().uuidString).csv").path
    try assertRejected(replacing("--sigma", with: "-1") + ["--density", path], naming: "--sigma")
    XCTAssertFalse(FileManager.default.fileExists(atPath: path))
  }
}
