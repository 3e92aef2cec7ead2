import CTRNN
import GSL
import GaussianMoments
import XCTest

@testable import Training

/// Finite-difference checks of the hand-written BPTT gradient, for every
/// parameter tensor, both noise placements, σ = 0 and σ > 0 (noise held
/// fixed), on smooth activations (tanh, softplus) and on relu.
///
/// Central differences with step h have truncation error O(h²·L‴) and
/// rounding error O(ε·L/h); h = 1e-5 puts both near 1e-10 relative, so a
/// correct gradient agrees to ~1e-8, and 1e-6 relative (of the tensor's
/// gradient norm) leaves room while catching any wrong term (those are O(1)).
/// For relu a perturbation may cross a kink, where L is not differentiable;
/// the network is small and σ > 0 keeps pre-activations away from 0 with
/// probability ≈ 1 − 2h·density, so crossings would show up as a failure to
/// investigate, not a reason to loosen the bound.
final class GradientCheckTests: XCTestCase {
  func check(_ f: Activation, _ noise: NoisePlacement, sigma: Double, file: StaticString = #filePath, line: UInt = #line) throws {
    let task = FunctionTask(steps: 12)
    let rng = try GSLRandom(seed: 4)
    let batch = task.batch(trials: 3, rng: rng)
    let p = try Parameters.initial(hidden: 5, inputs: 1, outputs: 1, seed: 7)
    let d = Dynamics(activation: f, noise: noise, sigma: sigma, dt: 0.2, tau: 1)
    let xi = sigma > 0 ? Trainer.noise(count: 12 * 3 * 5, seed: 9, stream: 0) : nil
    let (_, g) = BPTT.lossAndGradient(p, batch, noise: xi, dynamics: d)
    let x = p.flat, analytic = g.flat
    var offset = 0
    for (name, values) in p.tensors {
      let (worst, norm) = FiniteDifference.compare(x, analytic, indices: offset..<(offset + values.count)) {
        BPTT.loss(Parameters(flat: $0, like: p), batch, noise: xi, dynamics: d)
      }
      XCTAssertLessThanOrEqual(
        worst, 1e-6 * max(norm, 1e-12), "\(f) noise-\(noise.rawValue) σ=\(sigma) \(name): worst |Δ| \(worst), scale \(norm)",
        file: file, line: line)
      offset += values.count
    }
  }

  func testEveryTensorBothPlacementsWithAndWithoutNoise() throws {
    for f in [Activation.tanh, .softplus, .relu] {
      for noise in NoisePlacement.allCases {
        for sigma in [0.0, 0.5] { try check(f, noise, sigma: sigma) }
      }
    }
  }

  /// The forward pass is the model: one step from h = 0 with input u and
  /// noise ξ gives h₁ = γ f(W_in u + b + σξ) (noise-in) exactly.
  func testForwardPassOneStepByHand() throws {
    var p = Parameters(hidden: 2, inputs: 1, outputs: 1)
    p.input = [0.7, -0.4]
    p.bias = [0.1, 0.2]
    p.readout = [1, 2]
    var batch = TrialBatch(steps: 1, trials: 1, inputSize: 1, outputSize: 1)
    batch.inputs = [0.5]
    batch.targets = [0.3]
    batch.weights = [1]
    let d = Dynamics(activation: .tanh, noise: .inside, sigma: 0.3, dt: 0.1, tau: 1)
    let xi = [1.5, -0.5]
    let h = [0.1 * tanh(0.35 + 0.1 + 0.45), 0.1 * tanh(-0.2 + 0.2 - 0.15)]
    let z = h[0] + 2 * h[1]
    // One rounding per operation on numbers of size ~0.1: 1e-16 absolute.
    XCTAssertEqual(BPTT.loss(p, batch, noise: xi, dynamics: d), (z - 0.3) * (z - 0.3), accuracy: 1e-16)
  }
}

/// The gated noisy unit (Gulcehre et al. 2016) through BPTT: the gradient
/// through α h + (1 − α) u and through the gate's slope with ξ held, by the
/// same central differences and bound as the additive placements.
final class GatedGradientCheckTests: XCTestCase {
  func testGatedHardUnitsGradientMatchesCentralDifferences() throws {
    let task = FunctionTask(steps: 12)
    let batch = task.batch(trials: 3, rng: try GSLRandom(seed: 4))
    for (f, law) in [(Activation.hardtanh, NoiseLaw.halfNormal), (.hardtanh, .gaussian), (.hardsigmoid, .halfNormal)] {
    var p = try Parameters.initial(hidden: 5, inputs: 1, outputs: 1, seed: 7)
    // Large enough inputs and biases that some units saturate (hardtanh at ±1, hardsigmoid at ±2), so the gate is on.
    let scale = f == .hardsigmoid ? 2.0 : 1.0
    p.input = p.input.map { 3 * scale * $0 }
    p.bias = [1.4, -1.6, 0.3, 2.0, -0.8].map { scale * $0 }
      let d = Dynamics(activation: f, noise: .outside, sigma: 0.6, dt: 0.2, tau: 1, law: law, gate: NoiseGate(alpha: 1.15, p: 2))
      let xi = Trainer.noise(count: 12 * 3 * 5, seed: 9, stream: 0, law: law)
      let (_, g) = BPTT.lossAndGradient(p, batch, noise: xi, dynamics: d)
      let x = p.flat, analytic = g.flat
      let (worst, norm) = FiniteDifference.compare(x, analytic) {
        BPTT.loss(Parameters(flat: $0, like: p), batch, noise: xi, dynamics: d)
      }
      XCTAssertLessThanOrEqual(worst, 1e-6 * max(norm, 1e-12), "\(f) \(law): worst |Δ| \(worst), scale \(norm)")
      // The gate is on somewhere: the loss moves with σ at fixed ξ.
      var quiet = d
      quiet.sigma = 0
      XCTAssertNotEqual(BPTT.loss(p, batch, noise: xi, dynamics: d), BPTT.loss(p, batch, noise: xi, dynamics: quiet))
    }
  }

  /// Annealing: the factor is 1 at the first iteration, 0 at the last, and
  /// monotone between.
  func testSigmaScheduleEndpoints() {
    for s in [SigmaSchedule.linear, .cosine] {
      XCTAssertEqual(s.factor(iteration: 0, of: 11), 1)
      XCTAssertEqual(s.factor(iteration: 10, of: 11), 0, accuracy: 1e-15)
      XCTAssertEqual(s.factor(iteration: 5, of: 11), 0.5, accuracy: 1e-15)
      let values = (0..<11).map { s.factor(iteration: $0, of: 11) }
      XCTAssertEqual(values, values.sorted(by: >))
    }
    XCTAssertEqual(SigmaSchedule.constant.factor(iteration: 7, of: 11), 1)
  }
}
