import Foundation
import GSL
import GaussianMoments
import SDE
import Safetensors
import XCTest
import _TestSupport

@testable import CTRNN

/// Noise laws beyond the Gaussian: the checkpoint keys, the quadrature of
/// E f(u + σξ) against independent closed forms and Monte Carlo, and the
/// exact chain drawing each law's variates.
final class NoiseLawTests: XCTestCase {
  /// N = 2, I = 1, O = 1, relu, W_rec = `w`, drive c = b (u = 0).
  static func checkpoint(
    noise: NoisePlacement = .inside, law: NoiseLaw = .gaussian, amplitude: NoiseAmplitude = .gammaSigma,
    w: [Double] = [0, 0, 0, 0], bias: [Double] = [0, 0.3]
  ) throws -> Checkpoint {
    try Checkpoint(
      activation: .relu, noise: noise, sigmaTrain: 0.5, dt: 0.1, tau: 1,
      recurrent: Matrix(rows: 2, columns: 2, elements: w), inputWeights: Matrix(rows: 2, columns: 1, elements: [0, 0]),
      bias: bias, readoutWeights: Matrix(rows: 1, columns: 2, elements: [1, 0]), readoutBias: [0],
      noiseLaw: law, noiseAmplitude: amplitude)
  }

  // MARK: Checkpoint metadata

  func testFileWithoutTheKeysReadsAsGaussianGammaSigmaAndWritesNoKeys() throws {
    let k = try Self.checkpoint()
    let file = try k.safetensorsFile()
    XCTAssertNil(file.metadata["noise_law"])
    XCTAssertNil(file.metadata["noise_amplitude"])
    let back = try Checkpoint(safetensors: file.encode())
    XCTAssertEqual(back.noiseLaw, .gaussian)
    XCTAssertEqual(back.noiseAmplitude, .gammaSigma)
    XCTAssertEqual(back.noiseModel, NoiseModel(placement: .inside))
    XCTAssertTrue(back.noiseModel.isDefault)
  }

  func testLawAndAmplitudeRoundTrip() throws {
    let k = try Self.checkpoint(noise: .outside, law: .halfNormal, amplitude: .sqrtTwoGammaSigma)
    let file = try k.safetensorsFile()
    XCTAssertEqual(file.metadata["noise_law"], "half-normal")
    XCTAssertEqual(file.metadata["noise_amplitude"], "sqrt-2-gamma")
    let back = try Checkpoint(safetensors: file.encode())
    XCTAssertEqual(back, k)
    XCTAssertEqual(back.noiseModel.label, "out, half-normal, √(2γ)σ")
  }

  func testUnknownLawIsRejectedNamingTheKey() throws {
    var file = try Self.checkpoint().safetensorsFile()
    file.metadata["noise_law"] = "cauchy"
    XCTAssertThrowsError(try Checkpoint(safetensors: file.encode())) { error in
      guard case CheckpointError.badMetadata(let m) = error else { return XCTFail("\(error)") }
      XCTAssertTrue(m.contains("noise_law 'cauchy'"), m)
    }
    file.metadata["noise_law"] = "laplace"
    file.metadata["noise_amplitude"] = "sqrt-gamma"
    XCTAssertThrowsError(try Checkpoint(safetensors: file.encode())) { error in
      guard case CheckpointError.badMetadata(let m) = error else { return XCTFail("\(error)") }
      XCTAssertTrue(m.contains("noise_amplitude"), m)
    }
  }

  // MARK: E f(u + σξ) under each law

  /// Independent references: E relu(u + X) for X Laplace with scale
  /// b = σ/√2 is max(u, 0) + (b/2) e^{−|u|/b} (integrate (x − c)⁺ against
  /// the exponential tail); for X = a|Z|, a = σ/√(1 − 2/π): u + a√(2/π)
  /// when u ≥ 0, else 2(a φ(c) − |u| Q(c)) with c = |u|/a. Quadrature is
  /// asked for 1e-12 relative; 1e-10 leaves room for the tail cut and
  /// GSL's error estimate being an estimate.
  func testReluAveragesMatchClosedForms() throws {
    let integrator = try Integrator(limit: 2000, absoluteTolerance: 1e-15, relativeTolerance: 1e-12)
    integrator.acceptsRoundoff = true
    for sigma in [0.1, 1.0, 3.0] {
      for u in [-2.0, -0.3, 0, 0.4, 2.5] {
        let b = sigma / 2.0.squareRoot()
        let laplace = max(u, 0) + b / 2 * exp(-abs(u) / b)
        let got = try Activation.relu.noiseAverage(at: u, sigma: sigma, law: .laplace, integrator: integrator).mean
        XCTAssertTrue(TestSupport.close(got, laplace, relative: 1e-10, absolute: 1e-14), "laplace σ=\(sigma) u=\(u): \(got) vs \(laplace)")

        let a = sigma / NoiseLaw.halfNormalSD
        let half: Double
        if u >= 0 {
          half = u + a * (2 / Double.pi).squareRoot()
        } else {
          let c = -u / a
          half = 2 * (a * exp(-0.5 * c * c) / (2 * Double.pi).squareRoot() - (-u) * 0.5 * erfc(c / 2.0.squareRoot()))
        }
        let gotHalf = try Activation.relu.noiseAverage(at: u, sigma: sigma, law: .halfNormal, integrator: integrator).mean
        XCTAssertTrue(TestSupport.close(gotHalf, half, relative: 1e-10, absolute: 1e-14), "half-normal σ=\(sigma) u=\(u): \(gotHalf) vs \(half)")

        let gauss = try MomentEvaluator().moments(.relu, mu: u, sigma: sigma).mean
        let gotGauss = try Activation.relu.noiseAverage(at: u, sigma: sigma, law: .gaussian, integrator: integrator).mean
        XCTAssertTrue(TestSupport.close(gotGauss, gauss, relative: 1e-10, absolute: 1e-14), "gaussian σ=\(sigma) u=\(u)")
      }
    }
  }

  /// The samplers and the quadrature against each other: 400 000 draws per
  /// law, E relu(u + σξ) and E tanh(u + σξ) within 4 standard errors of
  /// the quadrature, and the variates' mean and variance within 4 SE of
  /// the law's (mean SE 1/√n as the variance is 1).
  func testQuadratureMatchesMonteCarloOfTheSamplers() throws {
    let integrator = try Integrator(limit: 2000, absoluteTolerance: 1e-15, relativeTolerance: 1e-12)
    integrator.acceptsRoundoff = true
    let n = 400_000, sigma = 0.8, u = -0.2
    for law in [NoiseLaw.laplace, .halfNormal] {
      var stream = GaussianStream(seed: 7, stream: 3)
      var xs = [Double](repeating: 0, count: n)
      xs.withUnsafeMutableBufferPointer { stream.fill($0, law: law == .laplace ? .laplace : .halfNormal) }
      let mean = xs.reduce(0, +) / Double(n)
      let variance = xs.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(n - 1)
      XCTAssertLessThan(abs(mean - law.mean), 4 / Double(n).squareRoot(), "\(law) mean")
      // SE of the sample variance from the sample's own fourth central
      // moment: √((m₄ − s⁴)/n).
      let m4 = xs.reduce(0) { $0 + pow($1 - mean, 4) } / Double(n)
      XCTAssertLessThan(abs(variance - 1), 4 * ((m4 - variance * variance) / Double(n)).squareRoot(), "\(law) variance")
      for f in [Activation.relu, .tanh] {
        let ys = xs.map { f(u + sigma * $0) }
        let m = ys.reduce(0, +) / Double(n)
        let se = (ys.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(n - 1) / Double(n)).squareRoot()
        let q = try f.noiseAverage(at: u, sigma: sigma, law: law, integrator: integrator).mean
        XCTAssertLessThan(abs(m - q), 4 * se, "\(law) \(f): MC \(m) ± \(se) vs quadrature \(q)")
      }
    }
  }

  // MARK: The chain under each law

  static let simulation: NetworkSimulationOptions = {
    var o = NetworkSimulationOptions()
    o.trajectories = 256
    o.steps = 2_400
    o.burnIn = 400
    o.threads = 2
    return o
  }()

  /// With W = 0 the state is a linear filter of i.i.d. f(c + σξ), so its
  /// stationary mean is exactly E f(c + σξ): the mean field under the law is
  /// exact and the simulated mean must agree within 4 SE. relu noise-in at
  /// σ = 1: the Laplace and Gaussian shifts differ (at c = 0, σ/(2√2) vs
  /// σ/√(2π), 0.354 vs 0.399), which the simulation must resolve.
  func testReluNoiseInLaplaceShiftDiffersFromGaussianAndSimulationMatchesBoth() throws {
    var simulated: [NoiseLaw: NetworkStationaryEstimate] = [:]
    for law in [NoiseLaw.gaussian, .laplace, .halfNormal] {
      let net = try Network(checkpoint: Self.checkpoint(law: law), input: [0])
      let meanField = try net.lawMeanField(sigma: 1, start: [0, 0])
      let sim = try net.stationaryEstimate(sigma: 1, scheme: .chain, start: [0, 0], options: Self.simulation, table: nil)
      for i in 0..<2 {
        XCTAssertLessThan(
          abs(sim.mean[i] - meanField[i]), 4 * sim.meanStandardError[i],
          "\(law) neuron \(i): simulated \(sim.mean[i]) ± \(sim.meanStandardError[i]) vs mean field \(meanField[i])")
      }
      simulated[law] = sim
    }
    let g = simulated[.gaussian]!, l = simulated[.laplace]!
    let gap = g.mean[0] - l.mean[0]
    let se = (g.meanStandardError[0] * g.meanStandardError[0] + l.meanStandardError[0] * l.meanStandardError[0]).squareRoot()
    XCTAssertGreaterThan(gap, 8 * se, "Gaussian \(g.mean[0]) vs Laplace \(l.mean[0]) ± \(se)")
    XCTAssertEqual(gap, 1 / (2 * Double.pi).squareRoot() - 1 / (2 * 2.0.squareRoot()), accuracy: 4 * se)
  }

  /// Half-normal noise-out is uncentred: the stationary mean moves by
  /// σ E ξ = 1.3236 σ at first order (Gulcehre et al. 2016, Eq. 13), with
  /// coupling W ≠ 0 too, since noise-out's mean field is then exact for a
  /// relu network that stays in its linear region (c ≫ σ-fluctuations).
  func testHalfNormalNoiseOutShiftsTheMeanByItsMean() throws {
    let w = [0.2, -0.1, 0.05, 0.3]
    let k = try Self.checkpoint(noise: .outside, law: .halfNormal, w: w, bias: [2, 3])
    let net = try Network(checkpoint: k, input: [0])
    let sigma = 0.3
    let meanField = try net.lawMeanField(sigma: sigma, start: [2, 3])
    let noiseless = try net.lawMeanField(sigma: 0, start: [2, 3])
    let sim = try net.stationaryEstimate(sigma: sigma, scheme: .chain, start: meanField, options: Self.simulation, table: nil)
    for i in 0..<2 {
      XCTAssertGreaterThan(meanField[i] - noiseless[i], 0.1, "the shift is first order in σ")
      XCTAssertLessThan(abs(sim.mean[i] - meanField[i]), 4 * sim.meanStandardError[i], "neuron \(i)")
    }
  }

  /// A seed fixes the result on any number of threads, for every law.
  func testLawChainIsThreadCountIndependent() throws {
    let net = try Network(checkpoint: Self.checkpoint(law: .laplace), input: [0])
    var one = Self.simulation
    one.threads = 1
    one.trajectories = 40
    var three = one
    three.threads = 3
    let a = try net.stationaryEstimate(sigma: 0.7, scheme: .chain, start: [0, 0], options: one, table: nil)
    let b = try net.stationaryEstimate(sigma: 0.7, scheme: .chain, start: [0, 0], options: three, table: nil)
    XCTAssertEqual(a.mean, b.mean)
    XCTAssertEqual(try XCTUnwrap(a.covariance).elements, try XCTUnwrap(b.covariance).elements)
  }

  /// √(2γ)σ is the γσ chain at σ_c = √(2/γ)σ, bit for bit.
  func testSqrtTwoGammaAmplitudeIsTheGammaChainAtTheConvertedSigma() throws {
    var o = Self.simulation
    o.trajectories = 32
    for placement in [NoisePlacement.inside, .outside] {
      let a = try Network(checkpoint: Self.checkpoint(noise: placement, amplitude: .sqrtTwoGammaSigma), input: [0])
      let g = try Network(checkpoint: Self.checkpoint(noise: placement), input: [0])
      let sigma = 0.2
      let x = try a.stationaryEstimate(sigma: sigma, scheme: .chain, start: [0, 0], options: o, table: nil)
      let y = try g.stationaryEstimate(sigma: sigma * (2 / g.gamma).squareRoot(), scheme: .chain, start: [0, 0], options: o, table: nil)
      XCTAssertEqual(x.mean, y.mean, "\(placement)")
    }
  }

  /// The closure analyses refuse non-Gaussian laws (and the √(2γ)σ
  /// amplitude, which they do not convert yet) instead of answering as if
  /// the noise were Gaussian γσ.
  func testClosureAnalysesRefuseOtherLaws() throws {
    let laplace = try Self.checkpoint(law: .laplace)
    XCTAssertThrowsError(try NetworkAnalysis(checkpoint: laplace, input: [0], options: .init())) { error in
      XCTAssertEqual((error as? NetworkError)?.parameter, .noiseLaw, "\(error)")
      XCTAssertTrue("\(error)".contains("assumes Gaussian noise"), "\(error)")
    }
    let sqrt = try Self.checkpoint(amplitude: .sqrtTwoGammaSigma)
    XCTAssertThrowsError(try NetworkAnalysis(checkpoint: sqrt, input: [0], options: .init())) { error in
      XCTAssertEqual((error as? NetworkError)?.parameter, .noiseAmplitude, "\(error)")
    }
    let net = try Network(checkpoint: laplace, input: [0])
    XCTAssertThrowsError(try net.diffusionApproximation(sigma: 0.1, table: nil, initialState: [0, 0], steps: 10))
  }

  /// The study `analyze` shows for such checkpoints: with W = 0 its mean
  /// field is exact, so every simulated readout is within 4 SE of it, and
  /// at σ = 0 both are the noiseless readout.
  func testNoiseLawStudyMatchesSimulationWhereTheMeanFieldIsExact() throws {
    var o = Self.simulation
    o.trajectories = 128
    let study = try NoiseLawStudy(
      checkpoint: Self.checkpoint(law: .laplace), input: [0], sigmas: [0, 0.5, 1], simulation: o)
    XCTAssertEqual(study.levels.count, 3)
    XCTAssertEqual(study.levels[0].meanFieldReadout, study.noiselessReadout)
    for level in study.levels.dropFirst() {
      let se = level.simulatedStandardError[0]
      XCTAssertGreaterThan(se, 0)
      XCTAssertLessThan(abs(level.simulatedReadout[0] - level.meanFieldReadout[0]), 4 * se, "σ = \(level.sigma)")
    }
    // relu at c = 0 under Laplace: E relu(σξ) = σ/(2√2), the readout of neuron 0.
    XCTAssertEqual(study.levels[2].meanFieldReadout[0], 1 / (2 * 2.0.squareRoot()), accuracy: 1e-9)
  }

  /// relu under Laplace: E relu′ = P(u + X ≥ 0) = 1 − ½e^{−u/b} for u ≥ 0,
  /// ½e^{−|u|/b} below (b = σ/√2); the variance computed as E(f − f(μ))² −
  /// bias² agrees with E f² − (E f)² where that does not cancel (σ = 1).
  func testLawMomentsSlopeAndVariance() throws {
    let integrator = try Integrator(limit: 2000, absoluteTolerance: 1e-15, relativeTolerance: 1e-12)
    integrator.acceptsRoundoff = true
    let sigma = 1.0, b = sigma / 2.0.squareRoot()
    for u in [-1.5, -0.2, 0.3, 2.0] {
      let m = try Activation.relu.lawMoments(mu: u, sigma: sigma, law: .laplace, integrator: integrator)
      let slope = u >= 0 ? 1 - 0.5 * exp(-u / b) : 0.5 * exp(-abs(u) / b)
      XCTAssertTrue(TestSupport.close(m.meanSlope, slope, relative: 1e-10), "u=\(u): \(m.meanSlope) vs \(slope)")
      XCTAssertTrue(TestSupport.close(m.variance, m.secondMoment - m.mean * m.mean, relative: 1e-9), "u=\(u)")
      XCTAssertTrue(TestSupport.close(m.bias, m.mean - max(u, 0), relative: 1e-10, absolute: 1e-14), "u=\(u)")
    }
  }
}
