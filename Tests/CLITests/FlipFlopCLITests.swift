import Foundation
import XCTest

/// `train --task flipflop` for both noise placements, and `analyze` on the
/// result at its default (zero) input; tiny runs, as in TrainCLITests.
extension CLITests {
  func testTrainFlipFlopBothPlacementsAndAnalyzeAtZeroInput() throws {
    let dir = try trainTemporaryDirectory()
    for noise in ["in", "out"] {
      let path = dir.appendingPathComponent("flipflop-\(noise).ckpt").path
      try trainSmallModel(path, ["--task", "flipflop", "--activation", "tanh", "--noise", noise, "--sigma", "0.1"])
      let o = try trainInspect(path)
      XCTAssertEqual(o["task"] as? String, "flipflop")
      XCTAssertEqual(o["input_size"] as? Int, 3)
      XCTAssertEqual(o["output_size"] as? Int, 3)
      let r = try run([
        "analyze", path, "--sigma-test", "0,0.1", "--trajectories", "8", "--steps", "400", "--burn-in", "100",
        "--starts", "4", "--json",
      ])
      XCTAssertEqual(r.status, 0, r.stderr)
      let model = try XCTUnwrap(try json(r)["model"] as? [String: Any])
      XCTAssertEqual(model["input"] as? [Double], [0, 0, 0], "the flip-flop is analysed between pulses")
      XCTAssertNil(model["target"], "no constant-input target")
    }
  }
}
