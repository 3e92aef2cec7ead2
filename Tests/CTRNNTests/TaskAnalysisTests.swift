import Foundation
import GSL
import GaussianMoments
import XCTest
import _TestSupport

@testable import CTRNN

final class TaskAnalysisTests: XCTestCase {
  /// An 8-unit network with one input, its weights from a fixed
  /// deterministic sequence (no RNG to drift): W scaled so the noiseless map
  /// contracts comfortably, W_in and b of O(1) so units sit at different
  /// points of the activation, readout weights of both signs.
  static func eightUnits(_ f: Activation, _ noise: NoisePlacement) throws -> Checkpoint {
    let n = 8
    func v(_ k: Int) -> Double { sin(1.7 * Double(k) + 0.3) }
    let w = (0..<(n * n)).map { 0.6 * v($0) / Double(n).squareRoot() }
    return try Checkpoint(
      activation: f, noise: noise, sigmaTrain: 0.5, dt: 0.1, tau: 1,
      recurrent: Matrix(rows: n, columns: n, elements: w),
      inputWeights: Matrix(rows: n, columns: 1, elements: (0..<n).map { v(100 + $0) }), bias: (0..<n).map { 0.3 * v(200 + $0) },
      readoutWeights: Matrix(rows: 1, columns: n, elements: (0..<n).map { 0.8 * v(300 + $0) }), readoutBias: [0.1],
      task: "function")
  }

  static let samples = [-0.5, 0.0, 0.5].map { TaskSample(input: [$0], target: [sin(Double.pi * $0)]) }

  /// The closure's predicted loss against the simulated one on an 8-unit
  /// noise-in network (relu: the kink; softplus: smooth), three inputs, σ up
  /// to 2σ_train. Tolerance: 4 simulation SEs plus 1e-3 for the closure's own
  /// approximation error. That error was measured on this network with 256
  /// chains × 8000 steps (SE ≤ 6.7e-4): |predicted − simulated| ≤ 1.3e-4 at
  /// every σ for both activations, |z| < 0.8, so 1e-3 bounds it at more
  /// than 2 of that run's SEs. The noise moves the loss by 0.12–0.21 here
  /// (σ = 0 → 1), two orders above the tolerance, so a prediction that
  /// dropped Var z or used the wrong readout law would fail.
  func testPredictedLossAgreesWithSimulation() throws {
    for f in [Activation.relu, .softplus] {
      var o = TaskAnalysis.Options()
      o.sigmas = [0, 0.25, 0.5, 1.0]
      o.simulation.trajectories = 64
      o.simulation.steps = 2000
      o.simulation.burnIn = 400
      let a = try TaskAnalysis(checkpoint: try Self.eightUnits(f, .inside), samples: Self.samples, options: o)
      XCTAssertEqual(a.levels.map(\.sigma), [0, 0.25, 0.5, 1.0])
      for l in a.levels {
        let predicted = try XCTUnwrap(l.predictedLoss, "\(f) σ = \(l.sigma): closure failed: \(l.firstClosureFailure ?? "")")
        XCTAssertEqual(l.closureFailures, 0)
        let tolerance = 4 * l.simulatedStandardError + 1e-3
        XCTAssert(abs(l.simulatedLoss - predicted) <= tolerance, "\(f) σ = \(l.sigma): simulated \(l.simulatedLoss) ± \(l.simulatedStandardError) vs predicted \(predicted)")
        if l.sigma > 0 { XCTAssertGreaterThan(l.simulatedStandardError, 0) } else { XCTAssertEqual(l.simulatedStandardError, 0) }
      }
      // At σ = 0 both are the settled state's loss: the closure's mean is the fixed point.
      XCTAssertEqual(a.levels[0].predictedLoss!, a.levels[0].simulatedLoss, accuracy: 1e-9)
      // The noise matters at the level the tolerance resolves.
      XCTAssertGreaterThan(abs(a.levels[3].simulatedLoss - a.levels[0].simulatedLoss), 0.1)
    }
  }

  /// Linear f with noise-out: the closure is exact, so the prediction is the
  /// closed form. One unit, h ← (1−γ)h + γ(w h + c) + γσξ: mean c/(1−w),
  /// variance γ²σ²/(1 − a²) with a = 1 − γ + γw; readout z = r h + b_out.
  func testLinearNoiseOutPredictionIsTheClosedForm() throws {
    let w = 0.5, b = 0.2, win = 1.0, r = 1.5, bOut = -0.1, gamma = 0.1
    let k = try Checkpoint(
      activation: .linear, noise: .outside, sigmaTrain: 0, dt: gamma, tau: 1, recurrent: Matrix(rows: 1, columns: 1, elements: [w]),
      inputWeights: Matrix(rows: 1, columns: 1, elements: [win]), bias: [b], readoutWeights: Matrix(rows: 1, columns: 1, elements: [r]),
      readoutBias: [bOut])
    let samples = [TaskSample(input: [0.3], target: [0.4]), TaskSample(input: [-0.6], target: [-0.2])]
    var o = TaskAnalysis.Options()
    o.sigmas = [0, 0.5, 1]
    o.simulation.trajectories = 16
    o.simulation.steps = 400
    o.simulation.burnIn = 100
    let a = try TaskAnalysis(checkpoint: k, samples: samples, options: o)
    let aa = 1 - gamma + gamma * w
    for l in a.levels {
      let expected = samples.map { s -> Double in
        let m = (win * s.input[0] + b) / (1 - w)
        let v = gamma * gamma * l.sigma * l.sigma / (1 - aa * aa)
        let d = r * m + bOut - s.target[0]
        return d * d + r * r * v
      }.reduce(0, +) / 2
      // Solvers to 1e-12 relative (mean: hybridsj; covariance: Smith doubling).
      XCTAssertEqual(try XCTUnwrap(l.predictedLoss), expected, accuracy: 1e-10 * max(expected, 1), "σ = \(l.sigma)")
    }
    XCTAssertEqual(a.predictedOptimum?.sigma, 0, "noise only adds variance to a linear noise-out network")
  }

  func testGridIsTheMidpointsOfTheTaskRange() throws {
    let f = try XCTUnwrap(TaskTarget.named("function", inputs: 1, outputs: 1))
    let g = f.grid(4)
    XCTAssertEqual(g.map { $0.input[0] }, [-0.75, -0.25, 0.25, 0.75])
    for s in g { XCTAssertEqual(s.target[0], sin(Double.pi * s.input[0]), accuracy: 1e-15) }
    let reg = try XCTUnwrap(TaskTarget.named("regulator", inputs: 1, outputs: 1))
    // (0.2 + 1.5)/2 up to the rounding of 0.2 + 0.5·1.3.
    XCTAssertEqual(reg.grid(1)[0].input[0], 0.85, accuracy: 1e-15)
    XCTAssertEqual(reg.grid(1)[0].target, reg.grid(1)[0].input)
  }

  func testUnknownTaskAndEmptySamplesAreRefused() throws {
    var k = try Self.eightUnits(.relu, .inside)
    k.task = "decision"
    XCTAssertThrowsError(try TaskAnalysis(checkpoint: k, gridPoints: 4, options: .init()))
    XCTAssertThrowsError(try TaskAnalysis(checkpoint: k, samples: [], options: .init()))
    XCTAssertThrowsError(try TaskAnalysis(checkpoint: k, samples: [TaskSample(input: [0], target: [0, 1])], options: .init()))
  }
}
