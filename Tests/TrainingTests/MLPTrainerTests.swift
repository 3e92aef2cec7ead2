import Feedforward
import GSL
import GaussianMoments
import XCTest

@testable import Training

final class MLPTrainerTests: XCTestCase {
  /// Backpropagation against central differences of the same loss with the
  /// same noise held fixed, for noise in and out and each activation the
  /// model offers. Tolerance: central differences err by O(h²f‴) ≈ 1e-10
  /// at h = 1e-5 for the smooth activations; for relu a pre-activation
  /// within h of its kink would make one difference wrong by O(1) (a loud
  /// failure, not a silent pass); with these draws none is.
  func testGradientMatchesFiniteDifferences() throws {
    for (f, noise) in [(Activation.tanh, NoisePlacement.inside), (.softplus, .outside), (.relu, .inside)] {
      let net = try MLP.random(sizes: [1, 4, 3, 1], activation: f, noise: noise, seed: 3)
      let p = MLPTrainer.flatten(net)
      let rng = try GSLRandom(seed: 4)
      let inputs = [-0.7, 0.2, 0.9]
      let noiseDraws = (0..<(inputs.count * 7)).map { _ in rng.gaussian() }
      let (_, g) = MLPTrainer.lossAndGradient(p, template: net, inputs: inputs, noise: noiseDraws, sigma: 0.3)
      let h = 1e-5
      for k in p.indices {
        var plus = p, minus = p
        plus[k] += h
        minus[k] -= h
        let lp = MLPTrainer.lossAndGradient(plus, template: net, inputs: inputs, noise: noiseDraws, sigma: 0.3).loss
        let lm = MLPTrainer.lossAndGradient(minus, template: net, inputs: inputs, noise: noiseDraws, sigma: 0.3).loss
        XCTAssertEqual(g[k], (lp - lm) / (2 * h), accuracy: 1e-7, "\(f) \(noise) parameter \(k)")
      }
    }
  }

  /// Training must fit sin(πu): the variance of sin(πu) over U[−1, 1] is
  /// 0.5, the loss of a constant output; a trained 1-16-16-1 tanh net at
  /// σ = 0 gets far below (0.02 is a loose bound; a failed or inactive
  /// trainer stays near 0.5). Same seed, same weights.
  func testTrainsFunctionAndIsReproducible() throws {
    var o = MLPTrainer.Options(sizes: [1, 16, 16, 1], activation: .tanh, noise: .inside, sigma: 0)
    o.iterations = 1500
    o.learningRate = 1e-2
    let a = try MLPTrainer.train(task: "function", options: o)
    XCTAssertLessThan(a.finalLoss, 0.02)
    XCTAssertEqual(try MLPTrainer.train(task: "function", options: o).net, a.net)
    XCTAssertEqual(a.net.task, "function")
    XCTAssertThrowsError(try MLPTrainer.train(task: "flipflop", options: o))
  }
}
