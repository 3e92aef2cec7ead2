import CTRNN
import GSL
import Training
import XCTest

/// CTRNN's description of each task's inputs (it cannot import the tasks)
/// against the tasks themselves: one entry per input, and every value a
/// bounded input takes in training inside the range `analyze` warns about.
final class TaskInputsTests: XCTestCase {
  func testEveryTaskHasOneDescriptionPerInput() throws {
    for name in TaskCatalogue.names {
      let task = try XCTUnwrap(TaskCatalogue.task(named: name))
      let inputs = try XCTUnwrap(TaskInputs.named(name, count: task.inputSize), name)
      XCTAssertEqual(inputs.inputs.count, task.inputSize, name)
      XCTAssertNil(TaskInputs.named(name, count: task.inputSize + 1), "\(name) with a wrong input count")
    }
  }

  /// The ranges are the training distributions' bounds: regulator and
  /// function exactly; the decision cue takes 0 and 1; the flip-flop's
  /// pulses ±1. The decision evidence range is the noiseless signal c·s
  /// (a constant input stands for it), so it is pinned to the coherences.
  func testRangesContainWhatTrainingDraws() throws {
    XCTAssertEqual(TaskInputs.named("regulator", count: 1)?.inputs[0].trainedRange, RegulatorTask.levels)
    XCTAssertEqual(TaskInputs.named("function", count: 1)?.inputs[0].trainedRange, -1...1)
    let evidence = try XCTUnwrap(TaskInputs.named("decision", count: 2)?.inputs[1].trainedRange)
    XCTAssertEqual(evidence, -DecisionTask.coherences.max()!...DecisionTask.coherences.max()!)
    XCTAssertNil(TaskInputs.named("path-integration", count: 2)?.inputs[0].trainedRange, "Gaussian: no bound")

    for name in ["decision", "flipflop"] {
      let task = try XCTUnwrap(TaskCatalogue.task(named: name))
      let description = try XCTUnwrap(TaskInputs.named(name, count: task.inputSize))
      let batch = task.batch(trials: 200, rng: try GSLRandom(seed: 3))
      for i in 0..<task.inputSize where !(name == "decision" && i == 1) {
        let range = try XCTUnwrap(description.inputs[i].trainedRange)
        var seen: [Double] = []
        for t in 0..<batch.steps { for b in 0..<batch.trials { seen.append(batch.inputs[batch.inputIndex(step: t, trial: b, i)]) } }
        XCTAssert(seen.allSatisfy(range.contains), "\(name) input \(i): \(seen.min()!)...\(seen.max()!) outside \(range)")
        // The range is not wider than what is drawn: both ends are reached.
        XCTAssertEqual(seen.min(), range.lowerBound, "\(name) input \(i)")
        XCTAssertEqual(seen.max(), range.upperBound, "\(name) input \(i)")
      }
    }
  }

  func testOutsideTrainedRangeNamesTheInput() throws {
    let decision = try XCTUnwrap(TaskInputs.named("decision", count: 2))
    XCTAssertEqual(decision.outsideTrainedRange([0, 0.2]), [])
    XCTAssertEqual(
      decision.outsideTrainedRange([2, 0.2]), ["fixation cue = 2 is outside the range seen in training, 0...1"])
    XCTAssertEqual(TaskInputs.named("path-integration", count: 2)?.outsideTrainedRange([5, -5]), [])
  }
}
