import CTRNN
import GSL
import GaussianMoments
import XCTest

@testable import Training

/// The float32 BPTT path computes the same loss and gradient as float64, up
/// to float rounding: the same noise (rounded to float), the same network.
/// Each product and state carries relative error ~ε₃₂ = 6e-8 per operation;
/// over 12 steps and 5-term sums that grows to ~1e-6 of the scale, so 1e-4
/// of each tensor's gradient norm leaves a margin of 100 while any wrong term
/// (an O(1) error) fails.
final class FloatTrainingTests: XCTestCase {
  func testFloatGradientMatchesDouble() throws {
    let task = FunctionTask(steps: 12)
    for f in [Activation.tanh, .relu, .softplus] {
      for noise in NoisePlacement.allCases {
        let rng = try GSLRandom(seed: 4)
        let batch = task.batch(trials: 3, rng: rng)
        let p = try Parameters.initial(hidden: 5, inputs: 1, outputs: 1, seed: 7)
        let d = Dynamics(activation: f, noise: noise, sigma: 0.5, dt: 0.2, tau: 1)
        let xi = Trainer.noise(count: 12 * 3 * 5, seed: 9, stream: 0).map { Double(Float($0)) }
        let l32 = assertFloatGradientMatchesDouble(p, batch, noise: xi, dynamics: d, label: "\(f) noise-\(noise.rawValue)")
        XCTAssertEqual(BPTT.lossFloat(p, batch, noise: xi.map { Float($0) }, dynamics: d), l32)
      }
    }
  }

  /// The float32 loop trains: loss falls on the function task as in float64,
  /// and two runs with one seed give the same bytes (prefetched noise included).
  func testFloatTrainingIsReproducibleAndLearns() throws {
    var o = TrainingOptions(dynamics: Dynamics(activation: .tanh, noise: .inside, sigma: 0.3))
    o.hidden = 8
    o.iterations = 60
    o.batchSize = 8
    o.precision = .f32
    let task = FunctionTask(steps: 20)
    let a = try Trainer.train(task: task, options: o)
    let b = try Trainer.train(task: task, options: o)
    XCTAssertEqual(a.history, b.history)
    XCTAssertEqual(a.parameters.flat, b.parameters.flat)
    let first = a.history.prefix(5).reduce(0, +) / 5, last = a.history.suffix(5).reduce(0, +) / 5
    XCTAssertLessThan(last, first)
  }

  /// From 16 trials the batch runs in two slices (two threads): the gradient
  /// must still be the loss's derivative. Central differences as in
  /// GradientCheckTests (h = 1e-5, agreement to ~1e-8 expected, 1e-6 asserted).
  func testSlicedBatchGradientMatchesFiniteDifferences() throws {
    let task = FunctionTask(steps: 10)
    let batch = task.batch(trials: 17, rng: try GSLRandom(seed: 5))
    let p = try Parameters.initial(hidden: 4, inputs: 1, outputs: 1, seed: 3)
    let xi = Trainer.noise(count: 10 * 17 * 4, seed: 9, stream: 1)
    // tanh and relu: relu with one output takes the C kernels in both
    // passes, the second slice at a row offset.
    for f in [Activation.tanh, .relu] {
      let d = Dynamics(activation: f, noise: .inside, sigma: 0.5, dt: 0.2, tau: 1)
      let (_, g) = BPTT.lossAndGradient(p, batch, noise: xi, dynamics: d)
      let x = p.flat, analytic = g.flat
      let (worst, scale) = FiniteDifference.compare(x, analytic) {
        BPTT.loss(Parameters(flat: $0, like: p), batch, noise: xi, dynamics: d)
      }
      XCTAssertLessThanOrEqual(worst, 1e-6 * scale, "\(f)")
    }
  }

  /// relu with several outputs (the flip-flop's three): the backward C kernel
  /// after a gemm for ∂L/∂z · W_out, in two slices; the same bound.
  func testReluSeveralOutputsGradientMatchesFiniteDifferences() throws {
    let task = FlipFlopTask(steps: 10)
    let batch = task.batch(trials: 17, rng: try GSLRandom(seed: 6))
    let p = try Parameters.initial(hidden: 4, inputs: task.inputSize, outputs: task.outputSize, seed: 8)
    XCTAssertGreaterThan(p.outputs, 1)
    let d = Dynamics(activation: .relu, noise: .inside, sigma: 0.5, dt: 0.2, tau: 1)
    let xi = Trainer.noise(count: 10 * 17 * 4, seed: 10, stream: 1)
    let (_, g) = BPTT.lossAndGradient(p, batch, noise: xi, dynamics: d)
    let (worst, scale) = FiniteDifference.compare(p.flat, g.flat) {
      BPTT.loss(Parameters(flat: $0, like: p), batch, noise: xi, dynamics: d)
    }
    XCTAssertLessThanOrEqual(worst, 1e-6 * scale)
  }
}
