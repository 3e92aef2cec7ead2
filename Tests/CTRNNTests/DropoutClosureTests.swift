import Foundation
import GSL
import GaussianMoments
import SDE
import Safetensors
import XCTest
import _TestSupport

@testable import CTRNN

/// Bernoulli dropout: the checkpoint keys, the chain's masks, and the
/// moment-matched closure against the exact chain.
final class DropoutClosureTests: XCTestCase {
  static func network(
    _ f: Activation, _ noise: NoisePlacement, site: DropoutSite, rate: Double, w: [[Double]] = TestNetworks.w3,
    b: [Double] = TestNetworks.b3
  ) throws -> Network {
    var net = try TestNetworks.network(f, noise, w: w, b: b)
    net.dropout = site
    return try net.withDropoutRate(rate)
  }

  static func simulation(trajectories: Int = 64, steps: Int = 6000) -> NetworkSimulationOptions {
    var o = NetworkSimulationOptions()
    o.trajectories = trajectories
    o.steps = steps
    o.burnIn = 400
    o.seed = 11
    o.threads = 2
    return o
  }

  // MARK: Checkpoint

  func testCheckpointRoundTripsDropoutAndOldFilesHaveNone() throws {
    let plain = try NoiseLawTests.checkpoint()
    XCTAssertNil(plain.dropout)
    let file = try plain.safetensorsFile()
    XCTAssertNil(file.metadata["dropout"])
    XCTAssertNil(file.metadata["dropout_rate"])
    XCTAssertNil(try Checkpoint(safetensors: file.encode()).dropout)
    let k = try plain.withDropout(.state, rate: 0.2)
    let back = try Checkpoint(safetensors: k.safetensorsBytes())
    XCTAssertEqual(back, k)
    XCTAssertEqual(back.dropout, .state)
    XCTAssertEqual(back.dropoutRate, 0.2)
    XCTAssertFalse(back.noiseModel.isDefault)
    XCTAssertEqual(try Network(checkpoint: back, input: [0]).dropoutRates, [0.2, 0.2])
  }

  func testBadDropoutMetadataIsRefused() throws {
    var file = try NoiseLawTests.checkpoint().safetensorsFile()
    file.metadata["dropout"] = "state"
    file.metadata["dropout_rate"] = "1"
    XCTAssertThrowsError(try Checkpoint(safetensors: file.encode())) { e in
      XCTAssertTrue("\(e)".contains("dropout_rate must be a number in 0...0.95"), "\(e)")
    }
    file.metadata["dropout"] = "hidden"
    XCTAssertThrowsError(try Checkpoint(safetensors: file.encode())) { e in XCTAssertTrue("\(e)".contains("dropout 'hidden'"), "\(e)") }
    file.metadata["dropout"] = nil
    XCTAssertThrowsError(try Checkpoint(safetensors: file.encode())) { e in XCTAssertTrue("\(e)".contains("dropout (one of state, input) is missing"), "\(e)") }
    XCTAssertThrowsError(try NoiseLawTests.checkpoint(law: .laplace).withDropout(.input, rate: 0.1))
  }

  /// The closure analyses without dropout refuse a dropout checkpoint.
  func testPlainClosureAnalysesRefuseDropout() throws {
    let k = try NoiseLawTests.checkpoint().withDropout(.input, rate: 0.1)
    XCTAssertThrowsError(try k.requireClosureNoise()) { e in XCTAssertEqual((e as? NetworkError)?.parameter, .dropoutRate) }
  }

  // MARK: Chain

  /// One step from a fixed state with W = I, c = 0, σ = 0, dropout on the
  /// state: each unit's next value is (1−γ)h + γ relu(h/(1−p)) when kept and
  /// (1−γ)h when dropped. The fraction kept over 64 × 4000 draws is a
  /// Binomial proportion: 1 − p within 4 SE.
  func testStateMasksKeepTheRightFractionWithInvertedScaling() throws {
    let p = 0.3, g = 0.1
    var net = try TestNetworks.network(.linear, .outside, w: [[1, 0], [0, 1]], b: [0, 0])
    net.dropout = .state
    net = try net.withDropoutRate(p)
    let h0 = [1.0, 2.0]
    let problem = try net.chain(sigma: 0, initialState: h0, steps: 1)
    var kept = 0, total = 0
    var state = [Double](repeating: 0, count: 2), next = [Double](repeating: 0, count: 2)
    var stream = GaussianStream(seed: 5, stream: 0)
    var eta = [Double](repeating: 0, count: 4)
    for _ in 0..<100_000 {
      state = h0
      eta.withUnsafeMutableBufferPointer { stream.fillGaussian($0) }
      state.withUnsafeBufferPointer { x in
        eta.withUnsafeBufferPointer { e in next.withUnsafeMutableBufferPointer { problem.map(x, e, $0) } }
      }
      for i in 0..<2 {
        let dropped = (1 - g) * h0[i], kept1 = (1 - g) * h0[i] + g * h0[i] / (1 - p)
        if abs(next[i] - kept1) < 1e-12 { kept += 1 } else { XCTAssertEqual(next[i], dropped, accuracy: 1e-12) }
        total += 1
      }
    }
    let fraction = Double(kept) / Double(total)
    XCTAssertEqual(fraction, 1 - p, accuracy: 4 * (p * (1 - p) / Double(total)).squareRoot())
  }

  // MARK: Closure vs chain

  /// Linear f: the closure is exact (second moments of a linear chain with
  /// multiplicative noise close), so the chain's mean and covariance agree
  /// within Monte-Carlo error: 4 SE on 3 means and 9 covariance entries per
  /// case (a correct closure fails by chance with probability < 12 × 6e-5).
  func testLinearClosureIsExactOnBothSites() throws {
    for (site, noise) in [(DropoutSite.state, NoisePlacement.inside), (.input, .outside), (.state, .outside), (.input, .inside)] {
      let net = try Self.network(.linear, noise, site: site, rate: 0.3)
      let sigma = 0.2
      let start = try net.deterministicFixedPoints()[0].h
      let closure = try net.dropoutClosure(sigma: sigma, start: start)
      let sim = try net.stationaryEstimate(sigma: sigma, scheme: .chain, start: closure.mean, options: Self.simulation(), table: nil)
      let (simCovariance, simCovarianceSE) = try sim.stateCovariance()
      for i in 0..<3 {
        XCTAssertEqual(sim.mean[i], closure.mean[i], accuracy: 4 * sim.meanStandardError[i], "\(site) \(noise) mean \(i)")
        for j in 0..<3 {
          XCTAssertEqual(
            simCovariance[i, j], closure.covariance[i, j], accuracy: 4 * simCovarianceSE[i, j],
            "\(site) \(noise) C[\(i),\(j)]")
        }
      }
      // Dropout's own variance is there: the closure at p = 0.3 exceeds the one without.
      let plain = try net.withDropoutRate(0).dropoutClosure(sigma: sigma, start: start)
      XCTAssertGreaterThan(closure.covariance[0, 0], plain.covariance[0, 0] * 1.05, "\(site) \(noise)")
    }
  }

  /// At p = 0 the dropout closure is `GaussianClosure` (same equations,
  /// solved by the same kind of iteration to 1e-12): agreement to 1e-9.
  func testZeroRateIsTheGaussianClosure() throws {
    for site in DropoutSite.allCases {
      for noise in NoisePlacement.allCases {
        let net = try Self.network(.tanh, noise, site: site, rate: 0)
        var plain = net
        plain.dropout = nil
        let start = try plain.deterministicFixedPoints()[0].h
        let a = try net.dropoutClosure(sigma: 0.4, start: start)
        let b = try plain.gaussianClosure(sigma: 0.4, start: start)
        for i in 0..<3 {
          XCTAssertEqual(a.mean[i], b.mean[i], accuracy: 1e-9)
          for j in 0..<3 { XCTAssertEqual(try XCTUnwrap(a.covariance)[i, j], try XCTUnwrap(b.covariance)[i, j], accuracy: 1e-9) }
        }
      }
    }
  }

  /// Nonlinear f (tanh, relu) at p = 0.2 and σ = 0.3: the moment matching
  /// is an approximation. Its error on the mean's dropout-induced shift
  /// (closure mean − noiseless fixed point vs the chain's) is measured here
  /// and bounded by 15 % of the shift plus 4 SE — the modelling tolerance
  /// the README states; the measured errors are printed.
  func testNonlinearClosureTracksTheChain() throws {
    for f in [Activation.tanh, .relu] {
      for site in DropoutSite.allCases {
        let net = try Self.network(f, .inside, site: site, rate: 0.2)
        var plain = net
        plain.dropout = nil
        let fp = try plain.deterministicFixedPoints()[0].h
        let closure = try net.dropoutClosure(sigma: 0.3, start: fp)
        let sim = try net.stationaryEstimate(sigma: 0.3, scheme: .chain, start: closure.mean, options: Self.simulation(), table: nil)
        let (simCovariance, simCovarianceSE) = try sim.stateCovariance()
        var worst = 0.0
        for i in 0..<3 {
          let shiftSim = sim.mean[i] - fp[i], shiftClosure = closure.mean[i] - fp[i]
          let allowed = 0.15 * abs(shiftSim) + 4 * sim.meanStandardError[i]
          worst = max(worst, abs(shiftClosure - shiftSim) / max(abs(shiftSim), 1e-12))
          XCTAssertEqual(shiftClosure, shiftSim, accuracy: allowed, "\(f) \(site) unit \(i)")
          // The variance: 25 % (the state's non-Gaussianity is larger with masks).
          XCTAssertEqual(closure.covariance[i, i], simCovariance[i, i], accuracy: 0.25 * simCovariance[i, i] + 4 * simCovarianceSE[i, i])
        }
        print("dropout closure \(f) \(site): worst relative error of the mean shift \(worst)")
      }
    }
  }
}

/// Learned per-unit noise: the chain and the closure honour each unit's σᵢ
/// and pᵢ. Linear f keeps the closure exact, so agreement within 4 SE
/// (same counting as `testLinearClosureIsExactOnBothSites`).
final class LearnedNoiseClosureTests: XCTestCase {
  func testPerUnitSigmaAndRateLinearExact() throws {
    for site in DropoutSite.allCases {
      var net = try DropoutClosureTests.network(.linear, .inside, site: site, rate: 0)
      net.dropoutRates = [0.05, 0.3, 0.5]
      net.noiseProfile = [0.2, 1, 2.5]
      let start = try net.deterministicFixedPoints()[0].h
      let closure = try net.dropoutClosure(sigma: 0.2, start: start)
      let sim = try net.stationaryEstimate(
        sigma: 0.2, scheme: .chain, start: closure.mean, options: DropoutClosureTests.simulation(), table: nil)
      let (simCovariance, simCovarianceSE) = try sim.stateCovariance()
      for i in 0..<3 {
        XCTAssertEqual(sim.mean[i], closure.mean[i], accuracy: 4 * sim.meanStandardError[i], "\(site) mean \(i)")
        for j in 0..<3 {
          XCTAssertEqual(simCovariance[i, j], closure.covariance[i, j], accuracy: 4 * simCovarianceSE[i, j], "\(site) C[\(i),\(j)]")
        }
      }
      // The profile matters: uniform σ gives a covariance off by many SE.
      var uniform = net
      uniform.noiseProfile = [1, 1, 1]
      let other = try uniform.dropoutClosure(sigma: 0.2, start: start)
      XCTAssertGreaterThan(abs(other.covariance[2, 2] - simCovariance[2, 2]), 10 * simCovarianceSE[2, 2], "\(site)")
    }
  }

  func testLearnedNoiseMetadataRoundTripsAndIsChecked() throws {
    let k = try NoiseLawTests.checkpoint().withDropout(.state, rate: 0.2).withLearnedNoise(sigmas: [0.1, 0.4], rates: [0.1, 0.3])
    let back = try Checkpoint(safetensors: k.safetensorsBytes())
    XCTAssertEqual(back, k)
    XCTAssertEqual(back.dropoutRate, 0.2, accuracy: 1e-15)
    XCTAssertEqual(back.sigmaTrain, (0.17 / 2).squareRoot(), accuracy: 1e-15)
    let net = try Network(checkpoint: back, input: [0])
    XCTAssertEqual(net.dropoutRates, [0.1, 0.3])
    XCTAssertEqual(net.noiseProfile[1] * back.sigmaTrain, 0.4, accuracy: 1e-15)
    XCTAssertThrowsError(try NoiseLawTests.checkpoint().withLearnedNoise(sigmas: [0.1, 0.2], rates: [0.1, 0.1]))
    XCTAssertThrowsError(try k.withLearnedNoise(sigmas: [0.1], rates: [0.1, 0.1]))
    var file = try k.safetensorsFile()
    file.metadata["noise_sigmas"] = "0.1,x"
    XCTAssertThrowsError(try Checkpoint(safetensors: file.encode())) { e in XCTAssertTrue("\(e)".contains("noise_sigmas"), "\(e)") }
  }
}
