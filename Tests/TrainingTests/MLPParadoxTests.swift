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

  /// Two-moons: the logistic loss's gradient against central differences
  /// (tolerance as for the function task), and training separates the
  /// classes (the evaluation batch's loss falls below a tenth of log 2,
  /// the loss of a logit of 0).
  func testMoonsGradientAndTraining() throws {
    let net = try MLP.random(sizes: [2, 5, 1], activation: .tanh, noise: .inside, seed: 2)
    let p = MLPTrainer.flatten(net)
    let rng = try GSLRandom(seed: 6)
    let batch = TwoMoons.sample(4, rng: rng)
    let noise = (0..<20).map { _ in rng.gaussian() }
    let (_, g) = MLPTrainer.lossAndGradient(p, template: net, batch: batch, task: .moons, noise: noise, sigma: 0.3)
    let h = 1e-5
    for k in p.indices {
      var plus = p, minus = p
      plus[k] += h
      minus[k] -= h
      let lp = MLPTrainer.lossAndGradient(plus, template: net, batch: batch, task: .moons, noise: noise, sigma: 0.3).loss
      let lm = MLPTrainer.lossAndGradient(minus, template: net, batch: batch, task: .moons, noise: noise, sigma: 0.3).loss
      XCTAssertEqual(g[k], (lp - lm) / (2 * h), accuracy: 1e-7, "parameter \(k)")
    }
    var o = MLPTrainer.Options(sizes: [2, 16, 16, 1], activation: .relu, noise: .inside, sigma: 0.2)
    o.iterations = 800
    o.learningRate = 0.01
    let trained = try MLPTrainer.train(task: "moons", options: o)
    XCTAssertLessThan(trained.finalLoss, 0.1 * log(2.0))
    XCTAssertEqual(MLPTask.logisticLoss(800, 0), 800, accuracy: 1e-12)
    XCTAssertEqual(MLPTask.logisticLoss(-800, 0), 0, accuracy: 1e-300)
  }
}
