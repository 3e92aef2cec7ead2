import CTRNN
import GSL
import GaussianMoments
import XCTest

@testable import Training

/// Gated noise in float32: the BPTT pass is generic, so its loss and
/// gradient match float64 to float rounding (the bound and its reason as in
/// `FloatTrainingTests`: ~1e-6 of the scale expected, 1e-4 allowed, a wrong
/// term is O(1)); the float32 loop's half-normal variates are its normals
/// folded; a float32 gated half-normal run is seeded and learns.
final class FloatGatedTrainingTests: XCTestCase {
  func testFloatGatedGradientMatchesDouble() throws {
    let batch = FunctionTask(steps: 12).batch(trials: 3, rng: try GSLRandom(seed: 4))
    var p = try Parameters.initial(hidden: 5, inputs: 1, outputs: 1, seed: 7)
    p.input = p.input.map { 3 * $0 }
    p.bias = [1.4, -1.6, 0.3, 2.0, -0.8]
    for law in [NoiseLaw.gaussian, .halfNormal] {
      for gate in [NoiseGate(alpha: 1.15, p: 2), NoiseGate(p: 3, site: .input)] {
        let d = Dynamics(activation: .hardtanh, noise: .outside, sigma: 0.8, dt: 0.2, tau: 1, law: law, gate: gate)
        let xi = Trainer.noise(count: 12 * 3 * 5, seed: 9, stream: 0, law: law).map { Double(Float($0)) }
        assertFloatGradientMatchesDouble(p, batch, noise: xi, dynamics: d, label: "\(law) \(gate.site)")
      }
    }
  }

  /// ξ = |z|/√(1 − 2/π): non-negative, and the fold of −z is the fold of z.
  func testHalfNormalFoldOfTheFloatNormals() {
    var v: [Float] = [-1.5, 0, 0.25, 2]
    TrainingLoop.foldHalfNormal(&v)
    let s = Float(1 / NoiseLaw.halfNormalSD)
    XCTAssertEqual(v, [1.5 * s, 0, 0.25 * s, 2 * s])
  }

  /// The float32 loop with gated half-normal noise: two runs with one seed
  /// give the same weights, and the loss falls (first 5 vs last 5
  /// mini-batches; the untrained network's loss on the function task is
  /// several times the trained one's).
  func testFloatGatedHalfNormalTrainingIsReproducibleAndLearns() throws {
    var o = TrainingOptions(
      dynamics: Dynamics(activation: .hardtanh, noise: .outside, sigma: 0.5, law: .halfNormal, gate: NoiseGate(alpha: 1.1, p: 2)))
    o.hidden = 8
    o.iterations = 150
    o.batchSize = 8
    o.precision = .f32
    let task = FunctionTask(steps: 40)
    let a = try Trainer.train(task: task, options: o)
    let b = try Trainer.train(task: task, options: o)
    XCTAssertEqual(a.parameters.flat, b.parameters.flat)
    let first = a.history.prefix(5).reduce(0, +), last = a.history.suffix(5).reduce(0, +)
    XCTAssertLessThan(last, first / 2, "\(a.history.prefix(5)) ... \(a.history.suffix(5))")
  }
}
