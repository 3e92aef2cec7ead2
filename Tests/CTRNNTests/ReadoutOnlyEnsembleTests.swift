import Foundation
import GSL
import GaussianMoments
import SDE
import XCTest

@testable import CTRNN

/// Ensembles that keep the readout's variance without the state's N×N
/// covariance (`NetworkSimulationOptions.stateCovariance = false`, what
/// `analyze` runs).
final class ReadoutOnlyEnsembleTests: XCTestCase {
  static func options(stateCovariance: Bool) -> NetworkSimulationOptions {
    var options = NetworkSimulationOptions()
    options.trajectories = 40
    options.steps = 400
    options.burnIn = 100
    options.stateCovariance = stateCovariance
    return options
  }

  /// Off, every reported number keeps its bits (the state's first and
  /// second sums do not depend on the covariance's) and the covariance is
  /// absent. The readout variance, estimated on the readout itself, is
  /// diag(W_out C W_outᵀ) of the covariance run to rounding: the two are
  /// one batch-means estimator, bilinear in the samples, so they differ by
  /// the rounding of N-term sums — 1e-12 relative is ~10⁴ ulps.
  func testReadoutVarianceWithoutTheCovariance() throws {
    for (f, noise) in [(Activation.tanh, NoisePlacement.inside), (.relu, .outside)] {
      let net = try ClosureOverlapTests.randomNetwork(37, noise: noise, seed: 4, activation: f)
      let h0 = net.settle(from: [Double](repeating: 0, count: net.size))
      let full = try net.stationaryEstimate(sigma: 0.4, scheme: .chain, start: h0, options: Self.options(stateCovariance: true), table: nil)
      let lean = try net.stationaryEstimate(sigma: 0.4, scheme: .chain, start: h0, options: Self.options(stateCovariance: false), table: nil)
      XCTAssertNil(lean.covariance)
      XCTAssertNil(lean.covarianceStandardError)
      XCTAssertThrowsError(try lean.stateCovariance())
      XCTAssertEqual(full.mean.map(\.bitPattern), lean.mean.map(\.bitPattern), "\(f)")
      XCTAssertEqual(full.meanStandardError.map(\.bitPattern), lean.meanStandardError.map(\.bitPattern), "\(f)")
      XCTAssertEqual(full.readoutMean.map(\.bitPattern), lean.readoutMean.map(\.bitPattern), "\(f)")
      XCTAssertEqual(full.readoutStandardError.map(\.bitPattern), lean.readoutStandardError.map(\.bitPattern), "\(f)")
      XCTAssertEqual(full.readoutVariance.map(\.bitPattern), lean.readoutVariance.map(\.bitPattern), "\(f)")
      let fromCovariance = net.readoutVariance(try full.stateCovariance().value)
      XCTAssertEqual(lean.readoutVariance.count, 2)
      for o in 0..<2 {
        XCTAssertGreaterThan(fromCovariance[o], 1e-4, "\(f): the noise reaches readout \(o)")
        XCTAssertEqual(lean.readoutVariance[o], fromCovariance[o], accuracy: 1e-12 * fromCovariance[o], "\(f) readout \(o)")
      }
    }
  }

  /// Without the covariance a chain's sums are small, so the analysis's
  /// ten σ > 0 run in one lockstep group; each must keep the bits it has
  /// alone. N = 256 is where the chunks are 32 rows, as at 512.
  func testTenSigmasInLockstepEqualEachAlone() throws {
    let net = try ClosureOverlapTests.randomNetwork(256, noise: .inside, seed: 3)
    var options = Self.options(stateCovariance: false)
    options.trajectories = 64
    options.steps = 60
    options.burnIn = 20
    options.thin = 2
    let h0 = net.settle(from: [Double](repeating: 0, count: net.size))
    let sigmas = (1...10).map { Double($0) / 10 }
    let per = Ensemble.statisticsBytes(dimension: net.size, options: net.ensembleOptions(options))
    XCTAssertLessThan(per * 10, Network.lockstepBytes, "all ten fit one group")
    let together = net.chainStationaryEstimates(sigmas.map { (sigma: $0, start: h0) }, options: options)
    for (sigma, result) in zip(sigmas, together) {
      let a = try result.get()
      let b = try net.stationaryEstimate(sigma: sigma, scheme: .chain, start: h0, options: options, table: nil)
      XCTAssertEqual(a.mean.map(\.bitPattern), b.mean.map(\.bitPattern), "σ = \(sigma)")
      XCTAssertEqual(a.readoutVariance.map(\.bitPattern), b.readoutVariance.map(\.bitPattern), "σ = \(sigma)")
      XCTAssertEqual(a.readoutStandardError.map(\.bitPattern), b.readoutStandardError.map(\.bitPattern), "σ = \(sigma)")
    }
  }
}
