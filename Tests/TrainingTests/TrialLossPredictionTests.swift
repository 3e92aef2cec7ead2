@testable import CTRNN
import Foundation
import GSL
import GaussianMoments
import XCTest

@testable import Training

/// The Gaussian closure run through trials in time (`closureTrajectory`,
/// `TrialBatch.predictedLoss`): exact where the closure is exact, the
/// stationary closure in the long run, and the measured loss's expectation.
final class TrialLossPredictionTests: XCTestCase {
  /// Six units, one input, weights from a fixed deterministic sequence;
  /// W scaled so the map contracts.
  static func network(_ f: Activation, _ noise: NoisePlacement, n: Int = 6) throws -> Checkpoint {
    func v(_ k: Int) -> Double { sin(1.3 * Double(k) + 0.7) }
    return try Checkpoint(
      activation: f, noise: noise, sigmaTrain: 0.5, dt: 0.1, tau: 1,
      recurrent: Matrix(rows: n, columns: n, elements: (0..<(n * n)).map { 0.7 * v($0) / Double(n).squareRoot() }),
      inputWeights: Matrix(rows: n, columns: 1, elements: (0..<n).map { v(50 + $0) }), bias: (0..<n).map { 0.4 * v(90 + $0) },
      readoutWeights: Matrix(rows: 1, columns: n, elements: (0..<n).map { 0.9 * v(130 + $0) }), readoutBias: [0.05],
      task: "function")
  }

  /// Linear f: every step of the closure is the exact Gaussian recursion
  ///   m' = (1−γ)m + γ(W m + c),  C' = A C Aᵀ + γ²σ² I,  A = (1−γ)I + γW
  /// (inside or outside a linear f the noise adds the same γσξ), written
  /// out here independently with naive loops. Agreement to 1e-12 (a
  /// few hundred roundings of O(1) numbers) checks the reuse of W C and the
  /// D-scaling in the fast step.
  func testLinearNetworkIsExactStepByStep() throws {
    for placement in [NoisePlacement.inside, .outside] {
      let k = try Self.network(.linear, placement)
      let n = k.hiddenSize, g = k.dt / k.tau, sigma = 0.7
      let inputs = (0..<40).map { [$0 < 20 ? 0.3 : -0.6] }
      let path = try k.closureTrajectory(inputs: inputs, sigma: sigma, evaluator: try MomentEvaluator())
      var m = [Double](repeating: 0, count: n)
      var c = [[Double]](repeating: [Double](repeating: 0, count: n), count: n)
      var a = [[Double]](repeating: [Double](repeating: 0, count: n), count: n)
      for i in 0..<n { for j in 0..<n { a[i][j] = g * k.recurrent[i, j] + (i == j ? 1 - g : 0) } }
      for (t, u) in inputs.enumerated() {
        let drive = (0..<n).map { k.bias[$0] + k.inputWeights[$0, 0] * u[0] }
        m = (0..<n).map { i in (1 - g) * m[i] + g * ((0..<n).reduce(drive[i]) { $0 + k.recurrent[i, $1] * m[$1] }) }
        var next = c
        for i in 0..<n {
          for j in 0..<n {
            var s = 0.0
            for p in 0..<n { for q in 0..<n { s += a[i][p] * c[p][q] * a[j][q] } }
            next[i][j] = s + (i == j ? g * g * sigma * sigma : 0)
          }
        }
        c = next
        let z = (0..<n).reduce(k.readoutBias[0]) { $0 + k.readoutWeights[0, $1] * m[$1] }
        var vz = 0.0
        for i in 0..<n { for j in 0..<n { vz += k.readoutWeights[0, i] * c[i][j] * k.readoutWeights[0, j] } }
        XCTAssertEqual(path.readoutMean[t][0], z, accuracy: 1e-12, "\(placement) step \(t)")
        XCTAssertEqual(path.readoutVariance[t][0], vz, accuracy: 1e-12, "\(placement) step \(t)")
      }
    }
  }

  /// Held long enough, a constant input takes the closure in time to the
  /// stationary closure: the step map's fixed point is the stationary
  /// closure's equations. 1500 steps at γ = 0.1 shrink the start's trace
  /// by ≤ ρ(A)^1500 (ρ ≤ 0.93 here: < 1e-40), so what is left is the
  /// stationary solve's own tolerance (1e-12 relative): 1e-9 absolute.
  func testConstantInputConvergesToStationaryClosure() throws {
    for f in [Activation.relu, .tanh] {
      for placement in [NoisePlacement.inside, .outside] {
        let k = try Self.network(f, placement)
        let sigma = 0.6
        let path = try k.closureTrajectory(
          inputs: [[Double]](repeating: [0.4], count: 1500), sigma: sigma, evaluator: try MomentEvaluator())
        let net = try Network(checkpoint: k, input: [0.4])
        let stationary = try net.gaussianClosure(sigma: sigma, start: net.settle(from: [Double](repeating: 0, count: k.hiddenSize)))
        for i in 0..<k.hiddenSize { XCTAssertEqual(path.finalMean[i], stationary.mean[i], accuracy: 1e-9, "\(f) \(placement) m[\(i)]") }
        XCTAssertEqual(path.readoutVariance.last![0], stationary.readoutVariance[0], accuracy: 1e-9, "\(f) \(placement)")
        XCTAssertGreaterThan(stationary.readoutVariance[0], 1e-3, "the covariance part is exercised")
      }
    }
  }

  /// The predicted loss of a batch of function-task trials against the
  /// measured one (`Trainer.evaluate`, BPTT's loss on the same trials,
  /// independent noise repeats). Linear f: the closure is exact, so the
  /// two differ only by Monte-Carlo error — 4 SE of the repeats. The SE is
  /// over 1000 noise repeats of the 32 trials; the noise's part of the loss
  /// (σ = 0 vs 1) is checked to be 10 SE or more, so a prediction that
  /// dropped Var z would fail.
  func testPredictedLossMatchesMeasuredLossOfTheSameTrials() throws {
    for placement in [NoisePlacement.inside, .outside] {
      let k = try Self.network(.linear, placement)
      let task = FunctionTask(steps: 40)
      let batch = task.batch(trials: 32, rng: try GSLRandom(seed: 7))
      let p = Parameters(checkpoint: k)
      for sigma in [0.0, 1.0] {
        let dynamics = Dynamics(activation: .linear, noise: placement, sigma: sigma, dt: k.dt, tau: k.tau)
        let measured = try Trainer.evaluate(p, task: task, dynamics: dynamics, trials: 32, seed: 7, repeats: 1000)
        let predicted = try batch.predictedLoss(k, sigma: sigma, threads: 2)
        if sigma == 0 {
          XCTAssertEqual(predicted, measured.loss, accuracy: 1e-12, "no noise: the same deterministic trials")
        } else {
          XCTAssertEqual(predicted, measured.loss, accuracy: 4 * measured.standardError, "\(placement)")
          let noiseless = try batch.predictedLoss(k, sigma: 0)
          XCTAssertGreaterThan(predicted - noiseless, 10 * measured.standardError, "the noise's share is resolved")
        }
      }
      // Threads change nothing.
      XCTAssertEqual(try batch.predictedLoss(k, sigma: 1.0, threads: 1), try batch.predictedLoss(k, sigma: 1.0, threads: 3))
    }
  }
}
