import Foundation
import GSL
import GaussianMoments
import SDE
import XCTest

@testable import CTRNN

/// Gated noise at the input of h (Gulcehre et al. 2016, Eq. 14 with Eq. 9's
/// scale): φ(x, ξ) = h(x + σ d(x) G(x) ξ). The unit's noise averages
/// (`NoiseGate.inputMoments`) against an independent quadrature, Monte
/// Carlo over ξ and a central difference; the network's chain against the
/// closure built on them; the site in the checkpoint metadata.
final class GatedInputNoiseTests: XCTestCase {
  /// p = 4 so the gate opens within a unit of the threshold (G ≈ 0.6 at
  /// Δ = 1) and the input noise crosses back into the linear regime.
  let gate = NoiseGate(p: 4, site: .input)

  func integrator() throws -> Integrator {
    let q = try Integrator(limit: 2000, absoluteTolerance: 1e-14, relativeTolerance: 1e-12)
    q.acceptsRoundoff = true
    return q
  }

  /// Normal ξ: the closed forms (hardtanh's and hard-sigmoid's Gaussian
  /// moments at (x, σ|dG|) and the tilt term of the slope) against the
  /// quadrature over ξ the half-normal law takes, run with the normal
  /// density. The quadrature is asked for 1e-12 relative; the closed forms
  /// carry ~1e-14; 1e-10 absolute (values are O(1)) leaves room for both.
  func testClosedFormsMatchTheQuadratureOverXi() throws {
    let q = try integrator()
    for (f, xs) in [(Activation.hardtanh, [-3.0, -1.4, 1.05, 1.6, 2.5]), (.hardsigmoid, [-4.5, -2.3, 2.1, 3.2, 5.0])] {
      for x in xs {
        for sigma in [0.3, 1.0, 2.0] {
          let closed = try gate.inputMoments(f, x, sigma: sigma, law: .gaussian, integrator: q)
          let quad = try gate.inputMoments(f, x, sigma: sigma, law: .gaussian, integrator: q, closedForm: false)
          let at = "\(f) x = \(x) σ = \(sigma)"
          XCTAssertEqual(closed.mean, quad.mean, accuracy: 1e-10, at)
          XCTAssertEqual(closed.secondMoment, quad.secondMoment, accuracy: 1e-10, at)
          XCTAssertEqual(closed.slope, quad.slope, accuracy: 1e-10, at)
        }
      }
    }
  }

  /// The slope is d/dx of the mean: central difference, step 1e-5
  /// (truncation ~1e-10 · μ‴, rounding ~1e-16/1e-5 = 1e-11): 1e-7 absolute.
  /// Both laws, both activations, in saturation on both sides.
  func testSlopeIsTheDerivativeOfTheMean() throws {
    let q = try integrator()
    for law in [NoiseLaw.gaussian, .halfNormal] {
      for (f, xs) in [(Activation.hardtanh, [-2.2, 1.3, 2.0]), (.hardsigmoid, [-3.1, 2.6])] {
        for x in xs {
          let h = 1e-5
          let up = try gate.inputMoments(f, x + h, sigma: 1, law: law, integrator: q).mean
          let down = try gate.inputMoments(f, x - h, sigma: 1, law: law, integrator: q).mean
          let slope = try gate.inputMoments(f, x, sigma: 1, law: law, integrator: q).slope
          XCTAssertEqual(slope, (up - down) / (2 * h), accuracy: 1e-7, "\(law) \(f) x = \(x)")
        }
      }
    }
  }

  /// 400 000 draws of ξ (normal and half-normal): the sample mean of φ and
  /// of φ² within 4 SE of `inputMoments`; in the linear regime (x = 0.4)
  /// every draw is h(x) and the moments are exact. The noise moves the
  /// unit where it saturates (mean ≠ h(x) by > 4 SE), so the comparison
  /// has something to compare.
  func testMomentsMatchMonteCarlo() throws {
    let q = try integrator()
    let n = 400_000, sigma = 1.0
    for law in [NoiseLaw.gaussian, .halfNormal] {
      var stream = GaussianStream(seed: 11, stream: 3)
      var xi = [Double](repeating: 0, count: n)
      xi.withUnsafeMutableBufferPointer { stream.fill($0, law: Network.variates(law)) }
      for x in [-1.8, 0.4, 1.3, 2.4] {
        let want = try gate.inputMoments(.hardtanh, x, sigma: sigma, law: law, integrator: q)
        let ys = xi.map { gate.value(.hardtanh, x, sigma: sigma, xi: $0) }
        for (k, values) in [(1, ys), (2, ys.map { $0 * $0 })] {
          let m = values.reduce(0, +) / Double(n)
          let se = (values.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(n - 1) / Double(n)).squareRoot()
          let target = k == 1 ? want.mean : want.secondMoment
          // + n ε |target|: the rounding of summing n terms (exact values in the linear regime).
          XCTAssertLessThanOrEqual(abs(m - target), 4 * se + Double(n) * 1.2e-16 * abs(target), "\(law) x = \(x) moment \(k)")
        }
        if abs(x) > 1 {
          let m = ys.reduce(0, +) / Double(n)
          XCTAssertGreaterThan(abs(m - Activation.hardtanh(x)), 1e-3, "\(law) x = \(x): the gate is on")
        } else {
          XCTAssertEqual(want.mean, Activation.hardtanh(x))
        }
      }
    }
  }

  func checkpoint(_ gate: NoiseGate, law: NoiseLaw) throws -> Checkpoint {
    try Checkpoint(
      activation: .hardtanh, noise: .outside, sigmaTrain: 1, dt: 0.1, tau: 1,
      recurrent: Matrix(rows: 3, columns: 3, elements: [0.4, -0.9, 0.3, 0.8, 0.2, -0.5, -0.6, 0.7, 0.1]),
      inputWeights: Matrix(rows: 3, columns: 1, elements: [3, -2.5, 0.3]), bias: [0.6, -0.4, 1.4],
      readoutWeights: Matrix(rows: 1, columns: 3, elements: [1, -0.7, 0.5]), readoutBias: [0], extraMetadata: gate.metadata,
      noiseLaw: law)
  }

  /// A hardtanh network driven into saturation, input-site gate, both laws:
  /// the chain's readout within 4 SE + 10 % of the bias of the closure (its
  /// approximation: a Gaussian state, uncorrelated residuals — the allowance
  /// of the other law closures), and the bias resolved (> 4 SE).
  func testChainAgreesWithTheClosure() throws {
    for law in [NoiseLaw.gaussian, .halfNormal] {
      let k = try checkpoint(gate, law: law)
      try assertLawClosureAgreesWithChain(try Network(checkpoint: k, input: [0.5]), sigma: 1.5, label: "\(law):")
    }
  }

  /// The site is recorded (`gate_site` = input) and read back; a file
  /// without the key is the output site (every gated file before it); an
  /// unknown site and α ≠ 1 at the input site are refused when read.
  func testSiteInTheCheckpointMetadata() throws {
    let k = try checkpoint(gate, law: .gaussian)
    XCTAssertEqual(k.extraMetadata["gate_site"], "input")
    let back = try Checkpoint(safetensors: k.safetensorsFile().encode())
    XCTAssertEqual(back.noiseGate, gate)
    XCTAssertEqual(back.noiseModel.label, "gated-input, gaussian")
    var old = gate.metadata
    old["gate_site"] = nil
    XCTAssertEqual(try NoiseGate.fromMetadata(old)?.site, .output)
    old["gate_site"] = "middle"
    XCTAssertThrowsError(try NoiseGate.fromMetadata(old))
    XCTAssertNil(NoiseGate(p: 2).metadata["gate_site"], "the output site's metadata is what it was")
    let mixed = NoiseGate(alpha: 1.1, p: 2, site: .input)
    XCTAssertNotNil(mixed.problem(activation: .hardtanh))
    let bad = try checkpoint(mixed, law: .gaussian)
    XCTAssertThrowsError(try Checkpoint(safetensors: bad.safetensorsFile().encode()))
  }
}
