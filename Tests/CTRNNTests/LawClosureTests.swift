import Foundation
import GSL
import GaussianMoments
import SDE
import XCTest
import _TestSupport

@testable import CTRNN

/// The closure under a noise law (`Network.lawClosure`) and the moments it
/// rests on (`NoiseLaw.convolvedMoments`): the Gaussian law against the
/// Gaussian closure and the Gaussian moments, other laws against Monte
/// Carlo and the exact chain.
final class LawClosureTests: XCTestCase {
  /// N = 3 tanh, coupled strongly enough that the state's own fluctuations
  /// in W h move the mean (the mean field misses that; the closure not).
  static func checkpoint(noise: NoisePlacement, law: NoiseLaw, activation: Activation = .tanh) throws -> Checkpoint {
    try Checkpoint(
      activation: activation, noise: noise, sigmaTrain: 0.5, dt: 0.1, tau: 1,
      recurrent: Matrix(rows: 3, columns: 3, elements: [0.4, -0.9, 0.3, 0.8, 0.2, -0.5, -0.6, 0.7, 0.1]),
      inputWeights: Matrix(rows: 3, columns: 1, elements: [1, -0.5, 0.3]), bias: [0.2, -0.1, 0.4],
      readoutWeights: Matrix(rows: 1, columns: 3, elements: [1, -0.7, 0.5]), readoutBias: [0], noiseLaw: law)
  }

  /// σ = 0 is the Gaussian moments and s = 0 the law's expectation, exactly
  /// the functions they delegate to; for the Gaussian law, the sum of two
  /// independent Gaussians is N(μ, s² + σ²), so the convolution must equal
  /// the Gaussian moments at √(s² + σ²) — an independent reference for the
  /// quadrature over ξ (asked for 1e-10 relative; 1e-8 leaves room for the
  /// tail cut and the error estimate being an estimate).
  func testGaussianConvolutionIsTheGaussianMomentAtTheSummedVariance() throws {
    let evaluator = try MomentEvaluator()
    let integrator = try Integrator(limit: 2000, absoluteTolerance: 1e-13, relativeTolerance: 1e-10)
    integrator.acceptsRoundoff = true
    for f in [Activation.relu, .tanh, .hardtanh, .sigmoid] {
      for (mu, s, sigma) in [(0.3, 0.4, 0.5), (-1.2, 0.05, 1.0), (0.9, 1.5, 0.2)] {
        let got = try NoiseLaw.gaussian.convolvedMoments(f, mu: mu, gaussianSD: s, sigma: sigma, evaluator: evaluator, integrator: integrator)
        let want = try evaluator.moments(f, mu: mu, sigma: (s * s + sigma * sigma).squareRoot())
        for (a, b, what) in [(got.mean, want.mean, "mean"), (got.secondMoment, want.secondMoment, "E f²"), (got.meanSlope, want.meanSlope, "E f′")] {
          XCTAssertTrue(TestSupport.close(a, b, relative: 1e-8, absolute: 1e-12), "\(f) μ=\(mu) s=\(s) σ=\(sigma) \(what): \(a) vs \(b)")
        }
      }
    }
  }

  /// Laplace and half-normal: 400 000 draws of μ + sZ + σξ, the three
  /// moments within 4 standard errors of the quadrature.
  func testConvolvedMomentsMatchMonteCarlo() throws {
    let evaluator = try MomentEvaluator()
    let integrator = try Integrator(limit: 2000, absoluteTolerance: 1e-13, relativeTolerance: 1e-10)
    integrator.acceptsRoundoff = true
    let n = 400_000, mu = -0.2, s = 0.35, sigma = 0.7
    for law in [NoiseLaw.laplace, .halfNormal] {
      var stream = GaussianStream(seed: 11, stream: 5)
      var xi = [Double](repeating: 0, count: n), z = xi
      xi.withUnsafeMutableBufferPointer { stream.fill($0, law: Network.variates(law)) }
      z.withUnsafeMutableBufferPointer { stream.fillGaussian($0) }
      for f in [Activation.relu, .tanh] {
        let q = try law.convolvedMoments(f, mu: mu, gaussianSD: s, sigma: sigma, evaluator: evaluator, integrator: integrator)
        let x = (0..<n).map { mu + s * z[$0] + sigma * xi[$0] }
        for (values, want, what) in [
          (x.map { f($0) }, q.mean, "mean"), (x.map { f($0) * f($0) }, q.secondMoment, "E f²"), (x.map { f.derivative($0) }, q.meanSlope, "E f′"),
        ] {
          let m = values.reduce(0, +) / Double(n)
          let se = (values.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(n - 1) / Double(n)).squareRoot()
          XCTAssertLessThan(abs(m - want), 4 * se, "\(law) \(f) \(what): MC \(m) ± \(se) vs quadrature \(want)")
        }
      }
    }
  }

  /// For the Gaussian law the law closure is the Gaussian closure, solved
  /// another way (Newton steps with doubling vs hybridsj alternating with
  /// doubling): means and covariances agree to 1e-7 (both stop at ~1e-10
  /// relative changes; the quadrature over ξ carries 1e-10 relative).
  func testGaussianLawClosureIsTheGaussianClosure() throws {
    for placement in [NoisePlacement.inside, .outside] {
      let net = try Network(checkpoint: Self.checkpoint(noise: placement, law: .gaussian), input: [0.5])
      let start = try net.lawMeanField(sigma: 0.4, start: [0, 0, 0])
      let law = try net.lawClosure(sigma: 0.4, start: start)
      let gauss = try net.gaussianClosure(sigma: 0.4, start: start)
      for i in 0..<3 { XCTAssertEqual(law.mean[i], gauss.mean[i], accuracy: 1e-7, "\(placement) mean \(i)") }
      for (a, b) in zip(law.covariance.elements, gauss.covariance.elements) { XCTAssertEqual(a, b, accuracy: 1e-7, "\(placement) C") }
    }
  }

  /// Against the exact chain: the closure's readout within 4 SE + 10 % of
  /// the simulated bias (its approximations: a Gaussian state, uncorrelated
  /// residuals), for Laplace noise-in and half-normal noise-out.
  func testLawClosureAgreesWithTheChain() throws {
    var o = NetworkSimulationOptions()
    o.trajectories = 128
    o.steps = 3_000
    o.burnIn = 500
    o.threads = 2
    for (placement, law) in [(NoisePlacement.inside, NoiseLaw.laplace), (.outside, .halfNormal)] {
      let net = try Network(checkpoint: Self.checkpoint(noise: placement, law: law), input: [0.5])
      let noiseless = try net.lawMeanField(sigma: 0, start: [0, 0, 0])
      let sigma = 0.5
      let start = try net.lawMeanField(sigma: sigma, start: noiseless)
      let closure = try net.lawClosure(sigma: sigma, start: start)
      let sim = try net.stationaryEstimate(sigma: sigma, scheme: .chain, start: start, options: o, table: nil)
      let bias = sim.readoutMean[0] - net.readout(noiseless)[0]
      let gap = abs(sim.readoutMean[0] - closure.readoutMean[0])
      XCTAssertLessThan(
        gap, 4 * sim.readoutStandardError[0] + 0.1 * abs(bias),
        "\(placement) \(law): simulated \(sim.readoutMean[0]) ± \(sim.readoutStandardError[0]), closure \(closure.readoutMean[0]), bias \(bias)")
    }
  }
}

/// Salt-and-pepper noise: the sampler against its law, the exact atom sums
/// against hand-written references, and the chain against the mean field.
final class SaltAndPepperTests: XCTestCase {
  static let p = NoiseLaw.saltAndPepperRate

  /// Written out by hand, not through `atoms`: for relu at u, impulse size
  /// a = σ/√p, E relu(u + σξ) = (1−p) relu(u) + (p/2)(relu(u+a) + relu(u−a)),
  /// and the same for tanh; quadrature-free, so the sums must agree to
  /// rounding (1e-14 relative).
  func testMomentsAreTheThreeTermSums() throws {
    let integrator = try Integrator(limit: 100, absoluteTolerance: 1e-15, relativeTolerance: 1e-12)
    let p = Self.p
    for sigma in [0.1, 0.7, 2.0] {
      let a = sigma / p.squareRoot()
      for u in [-1.5, -0.2, 0.0, 0.3, 1.1] {
        let relu = { (x: Double) in max(x, 0) }
        let refRelu = (1 - p) * relu(u) + p / 2 * (relu(u + a) + relu(u - a))
        let refTanh = (1 - p) * tanh(u) + p / 2 * (tanh(u + a) + tanh(u - a))
        let refTanh2 = (1 - p) * pow(tanh(u), 2) + p / 2 * (pow(tanh(u + a), 2) + pow(tanh(u - a), 2))
        let r = try Activation.relu.lawMoments(mu: u, sigma: sigma, law: .saltAndPepper, integrator: integrator)
        let t = try Activation.tanh.lawMoments(mu: u, sigma: sigma, law: .saltAndPepper, integrator: integrator)
        XCTAssertEqual(r.mean, refRelu, accuracy: 1e-14 * max(1, abs(refRelu)))
        XCTAssertEqual(t.mean, refTanh, accuracy: 1e-14)
        XCTAssertEqual(t.secondMoment, refTanh2, accuracy: 1e-14)
        XCTAssertEqual(t.variance, refTanh2 - refTanh * refTanh, accuracy: 1e-13)
      }
    }
  }

  /// 1 000 000 draws: the impulse frequency within 4 SE of p, the sample
  /// mean within 4 SE of 0 and the variance within 4 SE of 1; E tanh(u + σξ)
  /// and E relu within 4 SE of the exact sums.
  func testSamplerMatchesTheLaw() throws {
    let n = 1_000_000, p = Self.p, sigma = 0.6, u = 0.2
    var stream = GaussianStream(seed: 3, stream: 9)
    var xs = [Double](repeating: 0, count: n)
    xs.withUnsafeMutableBufferPointer { stream.fill($0, law: Network.variates(.saltAndPepper)) }
    let hits = Double(xs.filter { $0 != 0 }.count) / Double(n)
    XCTAssertLessThan(abs(hits - p), 4 * (p * (1 - p) / Double(n)).squareRoot())
    let mean = xs.reduce(0, +) / Double(n)
    XCTAssertLessThan(abs(mean), 4 / Double(n).squareRoot())
    let m2 = xs.reduce(0) { $0 + $1 * $1 } / Double(n)
    // Var(ξ²) = E ξ⁴ − 1 = 1/p − 1.
    XCTAssertLessThan(abs(m2 - 1), 4 * ((1 / p - 1) / Double(n)).squareRoot())
    let integrator = try Integrator(limit: 100, absoluteTolerance: 1e-15, relativeTolerance: 1e-12)
    for f in [Activation.tanh, .relu] {
      let ys = xs.map { f(u + sigma * $0) }
      let m = ys.reduce(0, +) / Double(n)
      let se = (ys.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(n - 1) / Double(n)).squareRoot()
      let exact = try f.lawMoments(mu: u, sigma: sigma, law: .saltAndPepper, integrator: integrator).mean
      XCTAssertLessThan(abs(m - exact), 4 * se, "\(f): MC \(m) ± \(se) vs \(exact)")
    }
  }

  /// The chain with W = 0 is a linear filter of i.i.d. f(c + σξ): its
  /// stationary mean is E f(c + σξ) exactly, so the mean field must agree
  /// within 4 SE; on the coupled network the law closure within 4 SE + 10 %
  /// of the bias (as for the other laws).
  func testChainAgreesWithMeanFieldAndClosure() throws {
    var o = NetworkSimulationOptions()
    o.trajectories = 128
    o.steps = 3_000
    o.burnIn = 500
    o.threads = 2
    let free = try Network(checkpoint: NoiseLawTests.checkpoint(law: .saltAndPepper), input: [0])
    let mf = try free.lawMeanField(sigma: 1, start: [0, 0])
    let freeSim = try free.stationaryEstimate(sigma: 1, scheme: .chain, start: mf, options: o, table: nil)
    for i in 0..<2 { XCTAssertLessThan(abs(freeSim.mean[i] - mf[i]), 4 * freeSim.meanStandardError[i], "W = 0, unit \(i)") }
    let net = try Network(checkpoint: LawClosureTests.checkpoint(noise: .inside, law: .saltAndPepper), input: [0.5])
    let noiseless = try net.lawMeanField(sigma: 0, start: [0, 0, 0])
    let start = try net.lawMeanField(sigma: 0.5, start: noiseless)
    let closure = try net.lawClosure(sigma: 0.5, start: start)
    let sim = try net.stationaryEstimate(sigma: 0.5, scheme: .chain, start: start, options: o, table: nil)
    let bias = sim.readoutMean[0] - net.readout(noiseless)[0]
    XCTAssertLessThan(
      abs(sim.readoutMean[0] - closure.readoutMean[0]), 4 * sim.readoutStandardError[0] + 0.1 * abs(bias),
      "simulated \(sim.readoutMean[0]) ± \(sim.readoutStandardError[0]), closure \(closure.readoutMean[0]), bias \(bias)")
  }
}

/// Gulcehre's gated noisy unit: the gate against its definition, the
/// expectation unit against Monte Carlo over ξ, and the network's chain
/// against the expectation network's fixed point and the gated closure.
final class GatedNoiseTests: XCTestCase {
  let gate = NoiseGate(alpha: 1.1, p: 1.5)

  /// G = 0 where hardtanh is linear (no noise there: the point of the
  /// gate), > 0 beyond; d = −sgn(x) sgn(1 − α) (−sgn x for α < 1, +sgn x
  /// for α > 1, towards h); the
  /// slope equals a central difference (h = 1e-6: error ~1e-10).
  func testGateIsOffInTheLinearRegionAndItsSlopeIsTheDerivative() {
    for x in [-0.9, 0, 0.5, 0.99] { XCTAssertEqual(gate.gate(.hardtanh, x), 0) }
    // α = 1.1 > 1: α h + (1 − α) u undershoots h in saturation, so the noise points back towards h: d = +sgn x.
    XCTAssertGreaterThan(gate.gate(.hardtanh, 2), 0, "alpha > 1: d = +sgn(x)")
    XCTAssertLessThan(gate.gate(.hardtanh, -2), 0, "alpha > 1: d = +sgn(x)")
    let below = NoiseGate(alpha: 0.9, p: 1.5)
    XCTAssertLessThan(below.gate(.hardtanh, 2), 0, "alpha < 1: d = -sgn(x)")
    XCTAssertGreaterThan(below.gate(.hardtanh, -2), 0)
    for x in [-3.0, -1.5, 1.2, 2.5] {
      let h = 1e-6
      let numeric = (gate.gate(.hardtanh, x + h) - gate.gate(.hardtanh, x - h)) / (2 * h)
      XCTAssertEqual(gate.gateSlope(.hardtanh, x), numeric, accuracy: 1e-8, "x = \(x)")
    }
  }

  /// 400 000 half-normal draws: the mean of φ(x, ξ) within 4 SE of the
  /// expectation unit α h + (1−α) u + d σ G E ξ (Eq. 13); where the gate is
  /// off (x = 0.3) every draw gives u(x) exactly.
  func testExpectationUnitMatchesMonteCarlo() {
    var stream = GaussianStream(seed: 5, stream: 1)
    let n = 400_000, sigma = 0.8
    var xi = [Double](repeating: 0, count: n)
    xi.withUnsafeMutableBufferPointer { stream.fill($0, law: .halfNormal) }
    for x in [-2.5, 0.3, 1.7] {
      let ys = xi.map { gate.value(.hardtanh, x, sigma: sigma, xi: $0) }
      let m = ys.reduce(0, +) / Double(n)
      let se = (ys.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(n - 1) / Double(n)).squareRoot()
      let want = gate.expectation(.hardtanh, x, sigma: sigma, law: .halfNormal)
      // + n ε |want|: the rounding of summing n terms (at x = 0.3 the gate is off and every term is 0.3).
      XCTAssertLessThanOrEqual(abs(m - want), 4 * se + Double(n) * 1.2e-16 * abs(want), "x = \(x): MC \(m) ± \(se) vs \(want)")
    }
  }

  /// A gated hardtanh network driven into saturation: the chain's readout
  /// within 4 SE + 10 % of the bias of the gated closure (its approximation:
  /// a Gaussian state); the expectation network's fixed point is reported
  /// too and the bias must be resolved (> 4 SE).
  func testGatedChainAgreesWithTheClosure() throws {
    let metadata = NoiseGate(alpha: 1.1, p: 1.5).metadata
    let k = try Checkpoint(
      activation: .hardtanh, noise: .outside, sigmaTrain: 0.5, dt: 0.1, tau: 1,
      recurrent: Matrix(rows: 3, columns: 3, elements: [0.4, -0.9, 0.3, 0.8, 0.2, -0.5, -0.6, 0.7, 0.1]),
      inputWeights: Matrix(rows: 3, columns: 1, elements: [3, -2.5, 0.3]), bias: [0.6, -0.4, 1.4],
      readoutWeights: Matrix(rows: 1, columns: 3, elements: [1, -0.7, 0.5]), readoutBias: [0], extraMetadata: metadata,
      noiseLaw: .halfNormal)
    XCTAssertEqual(k.noiseGate, NoiseGate(alpha: 1.1, p: 1.5))
    let back = try Checkpoint(safetensors: k.safetensorsFile().encode())
    XCTAssertEqual(back.noiseGate, k.noiseGate)
    let net = try Network(checkpoint: k, input: [0.5])
    try assertLawClosureAgreesWithChain(net, sigma: 0.8, label: "gated output site:")
    XCTAssertThrowsError(try net.requireGaussianNoise(for: "x"))
    XCTAssertThrowsError(try k.requireClosureNoise())
  }
}
