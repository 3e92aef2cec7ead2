import Foundation
import GSL
import GaussianMoments
import XCTest

@testable import CTRNN

final class NetworkMechanismTests: XCTestCase {
  static var simulation: NetworkSimulationOptions {
    var o = NetworkSimulationOptions()
    o.trajectories = 32
    o.steps = 1000
    o.burnIn = 200
    o.threads = 1
    return o
  }

  /// The per-unit contributions W_out,i × shift_i sum to the closure's
  /// readout bias (an identity: the readout is linear in the mean); the
  /// simulated bias agrees with the closure's within 4 SE + 2e-3 (the
  /// closure's own error on this network, see TaskAnalysisTests); the
  /// predicted loss at σ = 0 is the settled states' loss.
  func testContributionsSumToClosureBiasAndSimulationAgrees() throws {
    let k = try TaskAnalysisTests.eightUnits(.relu, .inside)
    let m = try NetworkMechanism(checkpoint: k, samples: TaskAnalysisTests.samples, sigmas: [0, 0.5, 1], simulation: Self.simulation)
    XCTAssertEqual(m.sigmas, [0, 0.5, 1])
    let closure = try XCTUnwrap(m.closureBias)
    XCTAssertEqual(m.units.reduce(0) { $0 + $1.readoutBiasContribution[0] }, closure[0], accuracy: 1e-12)
    XCTAssertEqual(m.simulatedBias[0], closure[0], accuracy: 4 * m.simulatedBiasStandardError[0] + 2e-3)
    XCTAssertGreaterThan(m.simulatedBiasStandardError[0], 0)
    var loss0 = 0.0
    for s in TaskAnalysisTests.samples {
      let net = try Network(checkpoint: k, input: s.input)
      loss0 += pow(net.readout(net.settle(from: [Double](repeating: 0, count: 8)))[0] - s.target[0], 2) / 3
    }
    XCTAssertEqual(try XCTUnwrap(m.predicted(at: 0)), loss0, accuracy: 1e-12)
    // near_fraction is the mean of the units' fractions, each a count over 3 inputs.
    let fractions = try m.units.map { try XCTUnwrap($0.nearFraction, "the closure converged") }
    XCTAssertEqual(try XCTUnwrap(m.nearFraction), fractions.reduce(0, +) / 8, accuracy: 1e-12)
    for (u, f) in zip(m.units, fractions) {
      XCTAssertEqual((f * 3).rounded(), f * 3, accuracy: 1e-9)
      XCTAssertGreaterThan(try XCTUnwrap(u.preactivationSD), 0.5 - 1e-12, "noise-in: s² = σ² + (W C Wᵀ)ᵢᵢ ≥ σ²")
      XCTAssertNotNil(u.distanceInSD, "relu has a kink and s ≥ σ > 0: a finite distance")
    }
  }

  /// Noise-out: the mean-field point does not move (E(f(u) + σξ) = f(u)).
  func testNoiseOutMeanFieldBiasIsZero() throws {
    let k = try TaskAnalysisTests.eightUnits(.softplus, .outside)
    let m = try NetworkMechanism(checkpoint: k, samples: TaskAnalysisTests.samples, sigmas: [0, 0.5], simulation: Self.simulation)
    XCTAssertEqual(m.meanFieldBias, [0])
  }

  func testNonlinearityPoints() {
    XCTAssertEqual(Activation.relu.nonlinearityPoints, [0])
    XCTAssertEqual(Activation.linear.nonlinearityPoints, [])
    // tanh‴ = 0 where |tanh″| peaks: tanh² = 1/3.
    for x in Activation.tanh.nonlinearityPoints { XCTAssertEqual(tanh(x) * tanh(x), 1 / 3, accuracy: 1e-14) }
    // sigmoid‴ = 0 where p(1 − p) = 1/6.
    for x in Activation.sigmoid.nonlinearityPoints {
      let p = Activation.sigmoid(x)
      XCTAssertEqual(p * (1 - p), 1 / 6, accuracy: 1e-14)
    }
  }
}
