import Feedforward
import GSL
import GaussianMoments
import XCTest

@testable import Training

final class MLPParadoxTests: XCTestCase {
  /// The feedforward paradox's test loss against what it must be: at
  /// σ = 0 the noiseless mean squared error over the same inputs (exact, up
  /// to summation order: 1e-14) with SE 0; at σ > 0, for one hidden layer,
  /// the exact expected loss mean over u of (E z − y)² + Var z from the
  /// propagation (exact for one layer), within 4 SE of the repeats.
  func testTestLossMatchesNoiselessAndPropagatedLoss() throws {
    let net = try MLP.random(sizes: [1, 6, 1], activation: .relu, noise: .inside, seed: 8)
    let c = MLPParadox.config(
      activation: .relu, hidden: 6, hiddenLayers: 1, iterations: 1, batch: 1, learningRate: 1e-3, clip: 1, placements: [.inside],
      sigmaTrain: [0], seeds: [1], sigmaTest: [0, 0.6], evaluationTrials: 64, evaluationRepeats: 40)
    let (loss, se) = try MLPParadox.testLoss(net, config: c)
    let inputs = MLPTaskLoss.midpoints(64)
    let noiseless = try inputs.map { u in try pow(net.output([u])[0] - sin(Double.pi * u), 2) }.reduce(0, +) / 64
    XCTAssertEqual(loss[0], noiseless, accuracy: 1e-14)
    XCTAssertEqual(se[0], 0)
    let evaluator = try MomentEvaluator()
    var expected = 0.0
    for u in inputs {
      let r = try MeanFieldPropagation.propagate(net, input: [u], sigma: 0.6, covariance: .linearised, evaluator: evaluator)
      expected += (pow(r.outputMean[0] - sin(Double.pi * u), 2) + r.outputVariance[0]) / 64
    }
    XCTAssertGreaterThan(se[1], 0)
    XCTAssertLessThan(abs(loss[1] - expected) / se[1], 4, "\(loss[1]) ± \(se[1]) vs \(expected)")
  }

  /// The model tag carries the depth; a config without it is refused.
  func testHiddenLayersFromTheConfig() throws {
    let c = MLPParadox.config(
      activation: .tanh, hidden: 4, hiddenLayers: 3, iterations: 1, batch: 1, learningRate: 1e-3, clip: 1, placements: [.inside],
      sigmaTrain: [0], seeds: [1], sigmaTest: [0], evaluationTrials: 4, evaluationRepeats: 2)
    XCTAssertEqual(try MLPParadox.hiddenLayers(c), 3)
    var ctrnn = c
    ctrnn.model = nil
    XCTAssertThrowsError(try MLPParadox.hiddenLayers(ctrnn))
  }
}
