import Foundation
import XCTest

/// `train`, `paradox` and `analyze` on decision-fixation, maze and
/// multitask; tiny runs, as in TrainCLITests.
extension CLITests {
  func testTrainTheNewTasksForAFewSteps() throws {
    let dir = try trainTemporaryDirectory()
    let sizes = ["decision-fixation": (2, 2), "maze": (18, 2), "multitask": (22, 9)]
    for (task, size) in sizes {
      let path = dir.appendingPathComponent("\(task).ckpt").path
      let r = try trainSmallModel(path, ["--task", task])
      XCTAssert(r.stdout.hasPrefix("wrote \(path): \(task), "), "\(task): \(r.stdout)")
      let o = try trainInspect(path)
      XCTAssertEqual(o["task"] as? String, task)
      XCTAssertEqual(o["input_size"] as? Int, size.0, task)
      XCTAssertEqual(o["output_size"] as? Int, size.1, task)
      let extra = try XCTUnwrap(o["extra_metadata"] as? [String: String])
      if task == "multitask" {
        // The loss of each rule, on stdout and in the checkpoint.
        XCTAssert(r.stdout.contains("\nloss per rule: go "), r.stdout)
        let parts = try XCTUnwrap(extra["loss_per_part"]).split(separator: ",").map { $0.split(separator: "=") }
        XCTAssertEqual(parts.map { String($0[0]) }, ["go", "anti-go", "delay-match", "ctx-dm-1", "ctx-dm-2"])
        XCTAssert(parts.allSatisfy { Double($0[1]).map { $0.isFinite && $0 >= 0 } ?? false }, "\(parts)")
      } else {
        XCTAssertNil(extra["loss_per_part"], task)
        XCTAssertFalse(r.stdout.contains("loss per rule"), task)
      }
    }
  }

  /// The known-task list in the error names the new tasks.
  func testUnknownTaskListsTheNewTasks() throws {
    try assertTrainRejected(["train", "--task", "labyrinth", "-o", "/tmp/unused.ckpt"], naming: ["labyrinth", "decision-fixation", "maze", "multitask"])
  }

  /// paradox runs on maze and multitask (4 jobs each), and analyze takes a
  /// maze network at a one-hot position, asking for one when none is given.
  func testParadoxAndAnalyzeOnTheNewTasks() throws {
    for task in ["maze", "multitask"] {
      let r = try paradoxRun(["--task", task, "--json"])
      let results = try XCTUnwrap(try json(r)["results"] as? [String: Any])
      XCTAssertEqual((results["config"] as? [String: Any])?["task"] as? String, task)
    }
    let dir = try trainTemporaryDirectory()
    let path = dir.appendingPathComponent("maze.ckpt").path
    try trainSmallModel(path, ["--task", "maze"])
    try assertRejected(["analyze", path], namingAll: ["--input", "18 value", "cell (0,4)", "the goal"])
    let goal = (0..<18).map { $0 == 3 ? "1" : "0" }.joined(separator: ",")
    let a = try run(["analyze", path, "--input", goal, "--sigma-test", "0,0.1", "--trajectories", "8", "--steps", "400", "--burn-in", "100", "--starts", "4", "--json"])
    XCTAssertEqual(a.status, 0, a.stderr)
    let model = try XCTUnwrap(try json(a)["model"] as? [String: Any])
    XCTAssertEqual(model["input"] as? [Double], (0..<18).map { $0 == 3 ? 1 : 0 })
    XCTAssertEqual(model["task"] as? String, "maze")
  }
}
