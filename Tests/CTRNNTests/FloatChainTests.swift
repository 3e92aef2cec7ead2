import GSL
import GaussianMoments
import SDE
import XCTest

@testable import CTRNN

/// The float32 chain is the same model as the float64 one: its stationary
/// estimates agree within their Monte-Carlo standard errors. The two use
/// different normals (23-bit vs 52-bit ziggurat on the same streams), so the
/// samples are independent and the difference has SE √(SE₃₂² + SE₆₄²); float
/// rounding (~1e-7 per step of a contracting chain) is far below that.
/// 4.5 SE over 3 means + 6 covariances: a false alarm has probability < 1e-4.
final class FloatChainTests: XCTestCase {
  func testFloatAndDoubleStationaryEstimatesAgree() throws {
    for (f, noise) in [(Activation.tanh, NoisePlacement.inside), (.relu, .inside), (.sigmoid, .outside), (.softplus, .inside)] {
      let net = try TestNetworks.network(f, noise, w: TestNetworks.w3, b: TestNetworks.b3)
      let fp = try net.deterministicFixedPoints()[0]
      var options = NetworkSimulationOptions()
      options.trajectories = 64
      options.steps = 4000
      options.burnIn = 400
      let a = try net.stationaryEstimate(sigma: 0.5, scheme: .chain, start: fp.h, options: options, table: nil)
      options.precision = .f32
      let b = try net.stationaryEstimate(sigma: 0.5, scheme: .chain, start: fp.h, options: options, table: nil)
      for i in 0..<3 {
        let se = (a.meanStandardError[i] * a.meanStandardError[i] + b.meanStandardError[i] * b.meanStandardError[i]).squareRoot()
        XCTAssertEqual(a.mean[i], b.mean[i], accuracy: 4.5 * se, "\(f) mean[\(i)]")
        XCTAssertNotEqual(a.mean[i], b.mean[i], "independent samples cannot agree to the last bit")
        for j in i..<3 {
          let sa = try XCTUnwrap(a.covarianceStandardError)[i, j], sb = try XCTUnwrap(b.covarianceStandardError)[i, j]
          XCTAssertEqual(try XCTUnwrap(a.covariance)[i, j], try XCTUnwrap(b.covariance)[i, j], accuracy: 4.5 * (sa * sa + sb * sb).squareRoot(), "\(f) cov[\(i),\(j)]")
        }
      }
    }
  }

  /// The float chain's results do not depend on the thread count.
  func testFloatChainThreadIndependence() throws {
    let net = try TestNetworks.network(.tanh, .inside, w: TestNetworks.w3, b: TestNetworks.b3)
    var options = EnsembleOptions(trajectories: 40, seed: 2, threads: 1, chunkSize: 8, stationary: StationaryOptions(burnIn: 50))
    options.precision = .f32
    let chain = try net.chain(sigma: 0.5, initialState: [0, 0, 0], steps: 300)
    let one = try Ensemble.solve(chain, options: options)
    options.threads = 4
    let four = try Ensemble.solve(chain, options: options)
    XCTAssertEqual(one.finalStates.map(\.bitPattern), four.finalStates.map(\.bitPattern))
    XCTAssertEqual(one.statistics!.mean.map(\.bitPattern), four.statistics!.mean.map(\.bitPattern))
  }
}
