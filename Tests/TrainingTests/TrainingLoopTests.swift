import CTRNN
import Foundation
import GSL
import GaussianMoments
import XCTest

@testable import Training

/// `TrainingLoop` is the trainer's loop written once: set up in `init`,
/// one iteration per `step()`. Its seeding and update are pinned here
/// against the loop written out by hand (the way the trainer read before the
/// loop had its own type), bit for bit, so checkpoints of a given seed stay
/// the same; and the noise buffer it reuses must not leak one step's draw
/// into the next.
final class TrainingLoopTests: XCTestCase {
  func options(sigma: Double) -> TrainingOptions {
    var o = TrainingOptions(dynamics: Dynamics(activation: .tanh, noise: .inside, sigma: sigma))
    o.hidden = 6
    o.iterations = 12
    o.batchSize = 5
    o.seed = 7
    return o
  }

  /// The reference: fresh noise array per iteration, the cosine schedule inline.
  func handWritten(_ task: any TrainingTask, _ o: TrainingOptions) throws -> (losses: [Double], weights: [Double]) {
    var p = try Parameters.initial(hidden: o.hidden, inputs: task.inputSize, outputs: task.outputSize, seed: o.seed)
    var x = p.flat
    var adam = Adam(count: x.count, learningRate: o.learningRate)
    let data = try GSLRandom(seed: UInt(truncatingIfNeeded: o.seed &+ 1))
    var losses: [Double] = []
    for k in 0..<o.iterations {
      let batch = task.batch(trials: o.batchSize, rng: data)
      let noise = o.dynamics.sigma > 0
        ? Trainer.noise(count: batch.steps * batch.trials * o.hidden, seed: o.seed &+ 2, stream: UInt64(k)) : nil
      let (loss, gradient) = BPTT.lossAndGradient(p, batch, noise: noise, dynamics: o.dynamics)
      var g = gradient.flat
      clipGradientNorm(&g, maxNorm: o.clipNorm)
      let fraction = Double(k) / Double(max(1, o.iterations - 1))
      let schedule = o.finalLearningRateFraction + (1 - o.finalLearningRateFraction) * 0.5 * (1 + cos(Double.pi * fraction))
      adam.step(&x, gradient: g, learningRate: o.learningRate * schedule)
      p = Parameters(flat: x, like: p)
      losses.append(loss)
    }
    return (losses, p.flat)
  }

  func testStepsMatchTheHandWrittenLoopBitForBit() throws {
    let task = FunctionTask(steps: 20)
    for sigma in [0.0, 0.4] {
      let o = options(sigma: sigma)
      var loop = try TrainingLoop(task: task, options: o)
      var losses: [Double] = []
      while loop.iteration < o.iterations { losses.append(try loop.step()) }
      let reference = try handWritten(task, o)
      XCTAssertEqual(losses, reference.losses, "sigma \(sigma)")
      XCTAssertEqual(loop.parameters.flat, reference.weights, "sigma \(sigma)")
      // Trainer.train is this loop plus the final evaluation.
      let trained = try Trainer.train(task: task, options: o)
      XCTAssertEqual(trained.history, losses, "sigma \(sigma)")
      XCTAssertEqual(trained.parameters.flat, reference.weights, "sigma \(sigma)")
    }
  }

  func testInitRefusesBadOptionsAndStepReportsDivergence() throws {
    var bad = options(sigma: 0.1)
    bad.hidden = 0
    XCTAssertThrowsError(try TrainingLoop(task: FunctionTask(steps: 20), options: bad))
    // A learning rate of 1e300 sends the weights to infinity in one Adam
    // step, so the second forward pass has a non-finite loss.
    var wild = options(sigma: 0.1)
    wild.learningRate = 1e300
    var loop = try TrainingLoop(task: FunctionTask(steps: 20), options: wild)
    XCTAssertNoThrow(try loop.step())
    XCTAssertThrowsError(try loop.step()) { error in
      guard case TrainingError.diverged = error else { return XCTFail("\(error)") }
    }
    XCTAssertEqual(loop.iteration, 1, "a diverged step does not count")
  }
}
