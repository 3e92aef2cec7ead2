import Foundation
import SDE
import XCTest
import _TestSupport

@testable import Neuron

final class FixedPointTests: XCTestCase {
  func testLinearFixedPointIsBOverOneMinusW() throws {
    let n = try SingleNeuron(activation: .linear, w: 0.5, b: 0.3, sigma: 0.1, noise: .outside, dt: 0.1, tau: 1)
    let p = try n.deterministicFixedPoints()
    XCTAssertEqual(p.count, 1)
    // Closed form b/(1 − w) = 0.6, computed in one division: 1 ulp.
    XCTAssertEqual(p[0].x, 0.6, accuracy: 1e-15)
    XCTAssertEqual(p[0].multiplier, 0.9 + 0.1 * 0.5, accuracy: 1e-15)
    XCTAssertTrue(p[0].stable)
  }

  func testTanhWithWBelowOneHasOneStableRoot() throws {
    let n = try SingleNeuron(activation: .tanh, w: 0.8, b: 0.2, sigma: 0.1, noise: .inside, dt: 0.1, tau: 1)
    let p = try n.deterministicFixedPoints()
    XCTAssertEqual(p.count, 1)  // f(wx+b) − x is strictly decreasing when w < 1
    // Brent to 4 ulp relative: the residual is at round-off level.
    XCTAssertEqual(tanh(0.8 * p[0].x + 0.2) - p[0].x, 0, accuracy: 1e-14)
    XCTAssertTrue(p[0].stable)
  }

  func testBistableTanhHasThreeRootsMiddleUnstable() throws {
    let n = try SingleNeuron(activation: .tanh, w: 2, b: 0, sigma: 0.1, noise: .outside, dt: 0.1, tau: 1)
    let p = try n.deterministicFixedPoints()
    XCTAssertEqual(p.count, 3)
    XCTAssertEqual(p[1].x, 0, accuracy: 1e-14)
    XCTAssertFalse(p[1].stable)
    XCTAssertTrue(p[0].stable && p[2].stable)
    // Symmetric: x* and −x* (both from Brent to ~4 ulp).
    XCTAssertEqual(p[0].x, -p[2].x, accuracy: 1e-13)
    XCTAssertEqual(p[2].x, 0.9575040240772687, accuracy: 1e-12)  // root of tanh(2x) = x
  }

  func testNoiseInShiftsReluFixedPointByTheGaussianMean() throws {
    let n = try SingleNeuron(activation: .relu, w: 0.5, b: 0.2, sigma: 0.5, noise: .inside, dt: 0.1, tau: 1)
    let q = try n.noiseAveragedFixedPoints()
    XCTAssertEqual(q.count, 1)
    let m = try n.activation.gaussianMoments(mu: 0.5 * q[0].x + 0.2, sigma: 0.5).mean
    XCTAssertEqual(m, q[0].x, accuracy: 1e-12)  // Brent on a closed-form mean
    XCTAssertGreaterThan(q[0].x, try n.deterministicFixedPoints()[0].x)  // convex f: shifted up
  }
}

final class StationaryTests: XCTestCase {
  /// Noise-out linear neuron = Gaussian AR(1): x' = a x + γ b + γσξ with
  /// a = 1 − γ + γw; stationary mean b/(1 − w), variance γ²σ²/(1 − a²).
  func testNoiseOutLinearChainIsExactAR1() throws {
    let g = 0.2, w = 0.5, b = 0.3, s = 0.4
    let n = try SingleNeuron(activation: .linear, w: w, b: b, sigma: s, noise: .outside, dt: g, tau: 1)
    let d = try n.transferOperator(cells: 800)
    let a = 1 - g + g * w
    let variance = g * g * s * s / (1 - a * a)
    // Ulam's method converges as h²; at 800 cells over ~±9 sd (and with
    // Richardson extrapolation) the remaining error is ~1e-8 of the variance.
    XCTAssertEqual(d.extrapolatedVariance, variance, accuracy: 1e-6 * variance)
    XCTAssertEqual(d.mean, b / (1 - w), accuracy: 1e-6)
    XCTAssertLessThan(d.leakRate, 1e-12)
  }

  /// The transfer operator and a simulated ensemble of the exact chain are
  /// two independent estimates of the same mean: they must agree within
  /// 4 SE (fails by chance with p ≈ 6e-5) plus the grid's own error bound.
  func testReluNoiseInChainMeanMatchesChainEnsemble() throws {
    let n = try SingleNeuron(activation: .relu, w: 0.5, b: 0.2, sigma: 0.5, noise: .inside, dt: 0.2, tau: 1)
    let d = try n.transferOperator()
    let options = EnsembleOptions(
      trajectories: 64, seed: 7, threads: 2, stationary: StationaryOptions(burnIn: 300))
    let s = try Ensemble.solve(n.chain(initialState: d.mean, steps: 4000), options: options)
    let st = try XCTUnwrap(s.statistics)
    let z = abs(st.mean[0] - d.mean) / st.meanStandardError[0]
    XCTAssertLessThan(abs(st.mean[0] - d.mean), 4 * st.meanStandardError[0] + 4 * d.meanDiscretisationError, "z = \(z)")
    // The relu atom must not break the law: variance agrees within 4 SE too.
    XCTAssertLessThan(abs(st.variance[0] - d.variance), 4 * st.varianceStandardError[0] + 4 * d.varianceDiscretisationError)
  }

  /// The diffusion approximation matches one step's mean and variance, so
  /// its stationary mean differs from the chain's by O(γ). At γ = 0.02 the
  /// measured gap is 1.5e-4 (0.3 % of the stationary sd 0.055); 2 % of
  /// the sd leaves room for the O(γ) term's constant on other platforms while
  /// still failing if drift or diffusion were off by a factor (≫ 2 %).
  func testFokkerPlanckMeanApproachesChainMeanForSmallGamma() throws {
    let n = try SingleNeuron(activation: .relu, w: 0.5, b: 0.2, sigma: 0.5, noise: .inside, dt: 0.02, tau: 1)
    let d = try n.transferOperator(cells: 800)
    let table = try n.momentTable(xRange: SingleNeuron.tableRange(around: d.domain))
    let fp = try n.diffusionApproximation(table: table).fokkerPlanck(center: d.mean, scale: 0.01)
    XCTAssertEqual(fp.mean, d.mean, accuracy: 0.02 * d.variance.squareRoot())
  }
}

final class ValidationTests: XCTestCase {
  func option(_ body: () throws -> Void) -> String? {
    do {
      try body()
      return nil
    } catch let e as NeuronError {
      return e.parameter.map { "--" + $0.rawValue.replacingOccurrences(of: "_", with: "-") } ?? "noStationaryLaw"
    } catch {
      return "other: \(error)"
    }
  }

  func testBadInputThrowsNamingTheOption() {
    func make(sigma: Double = 0.5, dt: Double = 0.1, tau: Double = 1, w: Double = 0.5) throws {
      _ = try SingleNeuron(activation: .tanh, w: w, b: 0, sigma: sigma, noise: .inside, dt: dt, tau: tau)
    }
    XCTAssertEqual(option { try make(sigma: -1) }, "--sigma")
    XCTAssertEqual(option { try make(sigma: .nan) }, "--sigma")
    XCTAssertEqual(option { try make(sigma: .infinity) }, "--sigma")
    XCTAssertEqual(option { try make(dt: 0) }, "--dt")
    XCTAssertEqual(option { try make(tau: 0) }, "--tau")
    XCTAssertEqual(option { try make(dt: 2, tau: 1) }, "--dt")
    XCTAssertEqual(option { try make(w: .nan) }, "--w")
    XCTAssertEqual(option {
      let n = try SingleNeuron(activation: .tanh, w: 0.5, b: 0, sigma: 0.5, noise: .inside, dt: 0.1, tau: 1)
      _ = try n.chain(initialState: 0, steps: 0)
    }, "--steps")
    XCTAssertEqual(option {
      var o = StationaryAnalysis.Options()
      o.steps = 0
      try o.validate()
    }, "--steps")
    XCTAssertEqual(option {
      let n = try SingleNeuron(activation: .relu, w: 1.5, b: 0, sigma: 0.5, noise: .inside, dt: 0.1, tau: 1)
      try n.checkStationary()
    }, "noStationaryLaw")
  }
}
