import CTRNN
import GSL
import GaussianMoments
import XCTest

@testable import Training

/// BPTT through Gulcehre's gate at h's input (φ = h(x + σ d G ξ)), and the
/// gradient in the gate's p (`BPTT.lossAndGateGradient`) at both sites, by
/// the same central differences and bound as `GradientCheckTests`
/// (`FiniteDifference.compare`: step 1e-5, error ~1e-10 relative; a wrong
/// term is O(1)). The network is driven into saturation so the gate is on.
final class GateParameterGradientTests: XCTestCase {
  func setUp(_ f: Activation) throws -> (Parameters, TrialBatch) {
    let batch = FunctionTask(steps: 12).batch(trials: 3, rng: try GSLRandom(seed: 4))
    var p = try Parameters.initial(hidden: 5, inputs: 1, outputs: 1, seed: 7)
    let scale = f == .hardsigmoid ? 2.0 : 1.0
    p.input = p.input.map { 3 * scale * $0 }
    p.bias = [1.4, -1.6, 0.3, 2.0, -0.8].map { scale * $0 }
    return (p, batch)
  }

  static let cases: [(Activation, NoiseLaw, NoiseGate)] = [
    (.hardtanh, .gaussian, NoiseGate(p: 3, site: .input)),
    (.hardtanh, .halfNormal, NoiseGate(p: 3, site: .input)),
    // Hard-sigmoid's Δ = h − (x/4 + ½) grows a quarter as fast: p = 12 opens its gate as p = 3 does hardtanh's.
    (.hardsigmoid, .gaussian, NoiseGate(p: 12, site: .input)),
    (.hardtanh, .halfNormal, NoiseGate(alpha: 1.15, p: 2)),
    (.hardsigmoid, .halfNormal, NoiseGate(alpha: 0.9, p: 2)),
  ]

  /// Every weight, input site, both laws: ∂φ/∂x = h′(x + σ d G ξ)(1 + σ ξ (dG)′).
  func testInputSiteWeightGradientMatchesCentralDifferences() throws {
    for (f, law, gate) in Self.cases where gate.site == .input {
      let (p, batch) = try setUp(f)
      let d = Dynamics(activation: f, noise: .outside, sigma: 0.8, dt: 0.2, tau: 1, law: law, gate: gate)
      let xi = Trainer.noise(count: 12 * 3 * 5, seed: 9, stream: 0, law: law)
      let (_, g) = BPTT.lossAndGradient(p, batch, noise: xi, dynamics: d)
      let (worst, norm) = FiniteDifference.compare(p.flat, g.flat) {
        BPTT.loss(Parameters(flat: $0, like: p), batch, noise: xi, dynamics: d)
      }
      XCTAssertLessThanOrEqual(worst, 1e-6 * max(norm, 1e-12), "\(f) \(law): worst |Δ| \(worst), scale \(norm)")
      var quiet = d
      quiet.sigma = 0
      XCTAssertNotEqual(BPTT.loss(p, batch, noise: xi, dynamics: d), BPTT.loss(p, batch, noise: xi, dynamics: quiet), "the gate is on")
    }
  }

  /// ∂L/∂p against a central difference in p (ξ held), both sites; the
  /// weight gradient it returns is `lossAndGradient`'s.
  func testGateParameterGradientMatchesCentralDifferences() throws {
    for (f, law, gate) in Self.cases {
      let (p, batch) = try setUp(f)
      let d = Dynamics(activation: f, noise: .outside, sigma: 0.8, dt: 0.2, tau: 1, law: law, gate: gate)
      let xi = Trainer.noise(count: 12 * 3 * 5, seed: 9, stream: 0, law: law)
      let r = BPTT.lossAndGateGradient(p, batch, noise: xi, dynamics: d)
      XCTAssertEqual(r.gradient.flat, BPTT.lossAndGradient(p, batch, noise: xi, dynamics: d).gradient.flat)
      let (worst, scale) = FiniteDifference.compare([gate.p], [r.gateP]) { q in
        var e = d
        e.gate?.p = q[0]
        return BPTT.loss(p, batch, noise: xi, dynamics: e)
      }
      XCTAssertGreaterThan(scale, 1e-8, "\(f) \(law) \(gate.site): p moves the loss")
      XCTAssertLessThanOrEqual(worst, 1e-6 * scale, "\(f) \(law) \(gate.site): ∂L/∂p \(r.gateP), worst |Δ| \(worst)")
    }
  }

  /// A short `GateTrainer` run: p moves from its start, the checkpoint's
  /// gate is the learned one, and the same seed gives the same p.
  func testGateTrainerLearnsPAndIsSeeded() throws {
    var o = TrainingOptions(
      dynamics: Dynamics(activation: .hardtanh, noise: .outside, sigma: 1, dt: 0.1, tau: 1, gate: NoiseGate(p: 2, site: .input)))
    o.hidden = 6
    o.iterations = 30
    o.batchSize = 8
    o.seed = 3
    let task = FunctionTask(steps: 40)
    let a = try GateTrainer.train(task: task, options: o)
    let b = try GateTrainer.train(task: task, options: o)
    XCTAssertEqual(a.gate, b.gate)
    XCTAssertEqual(a.parameters.flat, b.parameters.flat)
    XCTAssertNotEqual(a.gate.p, 2, "p is learned")
    XCTAssertEqual(a.gate.site, .input)
    XCTAssertTrue(a.finalLoss.isFinite)
  }
}
