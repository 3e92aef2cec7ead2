import Foundation
import GSL
import GaussianMoments
import XCTest
import _TestSupport

@testable import Feedforward

final class PropagationTests: XCTestCase {
  /// A linear network keeps everything Gaussian and E f′ = 1, so the
  /// linearised propagation must be exact. Reference: the output is
  /// A u + c + Σ_ℓ B_ℓ σξ_ℓ with B_ℓ the product of the weights after the
  /// noise enters; its covariance σ² Σ_ℓ B_ℓ B_ℓᵀ, computed here by plain
  /// matrix products, not by the propagation code.
  func testLinearNetworkIsExact() throws {
    let evaluator = try MomentEvaluator()
    for noise in NoisePlacement.allCases {
      let net = try MLP.random(sizes: [2, 4, 3, 2], activation: .linear, noise: noise, seed: 3)
      let u = [0.3, -0.7], sigma = 0.4
      let r = try MeanFieldPropagation.propagate(net, input: u, sigma: sigma, covariance: .linearised, evaluator: evaluator)
      // Noise in or out of a linear f enters at the same place, after W_ℓ h + b_ℓ.
      func product(from l: Int) -> Matrix {
        var b = Matrix.identity(net.layers[l].weights.rows)
        for k in (l + 1)..<net.layers.count { b = multiply(net.layers[k].weights, b) }
        return b
      }
      var reference = Matrix(rows: 2, columns: 2)
      for l in 0..<(net.layers.count - 1) {
        let b = product(from: l)
        for i in 0..<2 { for j in 0..<2 { for k in 0..<b.columns { reference[i, j] += sigma * sigma * b[i, k] * b[j, k] } } }
      }
      let z0 = try net.output(u)
      for i in 0..<2 {
        XCTAssertEqual(r.outputMean[i], z0[i], accuracy: 1e-13)
        for j in 0..<2 { XCTAssertEqual(r.outputCovariance[i, j], reference[i, j], accuracy: 1e-13, "\(noise) [\(i),\(j)]") }
      }
      // Dropping the off-diagonal terms must lose something here (W mixes
      // units), far beyond the 1e-13 above, or the test would not tell the
      // two modes apart.
      let d = try MeanFieldPropagation.propagate(net, input: u, sigma: sigma, covariance: .diagonal, evaluator: evaluator)
      XCTAssertGreaterThan(abs(d.outputCovariance[0, 0] - reference[0, 0]), 1e-8)
    }
  }

  func multiply(_ a: Matrix, _ b: Matrix) -> Matrix {
    var c = Matrix(rows: a.rows, columns: b.columns)
    for i in 0..<a.rows { for j in 0..<b.columns { for k in 0..<a.columns { c[i, j] += a[i, k] * b[k, j] } } }
    return c
  }

  /// Relu, noise inside: the first layer's pre-activation is exactly
  /// N(W₀u + b₀, σ²), so each unit's mean is Bricken 2023's Eq. 21 with
  /// ‖w‖σ = σ (the noise is added to the pre-activation, not the input).
  func testFirstReluLayerIsEq21() throws {
    let net = try MLP.random(sizes: [1, 12, 6, 1], activation: .relu, noise: .inside, seed: 11)
    let evaluator = try MomentEvaluator()
    for sigma in [0.1, 0.5, 1.0] {
      let r = try MeanFieldPropagation.propagate(net, input: [0.5], sigma: sigma, covariance: .linearised, evaluator: evaluator)
      let first = r.hidden[0]
      for i in 0..<12 {
        XCTAssertEqual(first.preactivationVariance[i], sigma * sigma, accuracy: 1e-15)
        let eq21 = Bricken2023.eq21Mean(zBar: first.preactivationMean[i], weightNorm: 1, sigma: sigma)
        // Eq. 21 as printed loses digits to erf(·) − 1 when |z̄|/s is large;
        // 1e-12 absolute covers that at |z̄|/s ≲ 10 (these units).
        XCTAssertEqual(first.mean[i], eq21, accuracy: 1e-12, "unit \(i), sigma \(sigma)")
      }
    }
  }

  /// With one hidden layer the propagation is exact (first layer exact,
  /// readout linear), so analytic and simulated output mean and variance
  /// differ by Monte-Carlo error only. Tolerance: 4 standard errors (a
  /// two-sided normal tail of 6e-5 per comparison; the seed is fixed, so
  /// the test is deterministic).
  func testOneHiddenLayerAgreesWithSimulation() throws {
    let evaluator = try MomentEvaluator()
    let cases: [(Activation, NoisePlacement)] = [(.relu, .inside), (.softplus, .inside), (.tanh, .inside), (.tanh, .outside)]
    for (f, noise) in cases {
      let net = try MLP.random(sizes: [1, 8, 2], activation: f, noise: noise, seed: 5)
      for sigma in [0.3, 1.0] {
        let r = try MeanFieldPropagation.propagate(net, input: [0.5], sigma: sigma, covariance: .linearised, evaluator: evaluator)
        let sim = try MLPSimulation.run(net, input: [0.5], sigma: sigma, samples: 200_000, seed: 1)
        for j in 0..<2 {
          let zMean = (sim.mean[j] - r.outputMean[j]) / sim.meanSE[j]
          let zVar = (sim.variance[j] - r.outputVariance[j]) / sim.varianceSE[j]
          XCTAssertLessThan(abs(zMean), 4, "\(f) \(noise) sigma \(sigma) output \(j): mean z = \(zMean)")
          XCTAssertLessThan(abs(zVar), 4, "\(f) \(noise) sigma \(sigma) output \(j): variance z = \(zVar)")
        }
      }
    }
  }

  /// The noise-induced bias of a relu noise-in network is first order in σ
  /// and positive per unit (E relu(a + σξ) ≥ relu(a)): with all readout
  /// weights positive the output bias must be positive and grow with σ,
  /// in the simulation as in the propagation.
  func testReluNoiseInBiasGrowsWithSigma() throws {
    var net = try MLP.random(sizes: [1, 8, 1], activation: .relu, noise: .inside, seed: 9)
    net.layers[1].weights.elements = net.layers[1].weights.elements.map(abs)
    let analysis = try MLPAnalysis.run(net, input: [0.5], sigmas: [0, 0.25, 0.5, 1.0], samples: 100_000, seed: 2)
    var previous = 0.0
    for level in analysis.levels.dropFirst() {
      let bias = level.closure.outputMean[0] - analysis.noiselessOutput[0]
      XCTAssertGreaterThan(bias, previous)
      previous = bias
      let sim = try XCTUnwrap(level.simulation)
      XCTAssertLessThan(abs(sim.mean[0] - level.closure.outputMean[0]) / sim.meanSE[0], 4)
    }
    XCTAssertEqual(analysis.levels[0].closure.outputMean[0], analysis.noiselessOutput[0], accuracy: 1e-14)
  }

  func testBadInputIsRejected() throws {
    let net = try MLP.random(sizes: [2, 3, 1], activation: .relu, noise: .inside, seed: 1)
    XCTAssertThrowsError(try net.output([1])) { error in
      XCTAssertEqual(error as? MLPError, .badParameter("input has 1 value(s); the network takes 2"))
    }
    XCTAssertThrowsError(try MLPSimulation.run(net, input: [1, 2], sigma: -1, samples: 10, seed: 1))
    XCTAssertThrowsError(try MLPAnalysis.run(net, input: [1, 2], sigmas: [.nan], samples: 10, seed: 1))
  }
}
