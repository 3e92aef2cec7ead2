import GSL
import XCTest

@testable import Training

/// The flip-flop's batches recomputed from their inputs: pulses are ±1 runs
/// of `pulseSteps` steps, and each readout's target is the sign of the last
/// finished pulse on its channel, weighted 1 only outside pulses and after
/// the first one.
final class FlipFlopTaskTests: XCTestCase {
  func testTargetsHoldTheSignOfTheLastPulse() throws {
    let task = FlipFlopTask(steps: 200)
    let b = task.batch(trials: 20, rng: try GSLRandom(seed: 3))
    var pulses = 0, weighted = 0
    for trial in 0..<b.trials {
      for k in 0..<FlipFlopTask.bits {
        var run = 0, held = 0.0, runSign = 0.0
        for t in 0..<b.steps {
          let u = b.inputs[b.inputIndex(step: t, trial: trial, k)]
          XCTAssert([-1, 0, 1].contains(u), "inputs are 0 or a pulse of +-1")
          if u != 0 {
            // A pulse may follow another at once; a run of one sign of length
            // pulseSteps ends it.
            if run > 0, u != runSign { XCTFail("a pulse changed sign before it ended"); return }
            run += 1
            runSign = u
            if run == FlipFlopTask.pulseSteps {
              held = u
              run = 0
              pulses += 1
            }
          } else {
            XCTAssertEqual(run, 0, "pulses last \(FlipFlopTask.pulseSteps) steps")
          }
          let o = b.outputIndex(step: t, trial: trial, k)
          if run == 0, held != 0 {
            XCTAssertEqual(b.weights[o], 1)
            XCTAssertEqual(b.targets[o], held)
            weighted += 1
          } else {
            XCTAssertEqual(b.weights[o], 0, "no loss before the first pulse ends or during a pulse")
          }
        }
      }
    }
    // 60 channels x 200 steps at onset p = 0.03: ~6 pulses per channel; at
    // least one pulse overall and most steps weighted, or the task is empty.
    XCTAssertGreaterThan(pulses, 60)
    XCTAssertGreaterThan(weighted, b.trials * FlipFlopTask.bits * b.steps / 2)
  }

  func testSameSeedSameBatch() throws {
    let task = try XCTUnwrap(TaskCatalogue.task(named: "flipflop"))
    let a = task.batch(trials: 4, rng: try GSLRandom(seed: 9)), b = task.batch(trials: 4, rng: try GSLRandom(seed: 9))
    XCTAssertEqual(a.inputs, b.inputs)
    XCTAssertEqual(a.targets, b.targets)
    XCTAssertEqual([task.inputSize, task.outputSize, task.steps], [3, 3, FlipFlopTask.defaultSteps])
  }
}
