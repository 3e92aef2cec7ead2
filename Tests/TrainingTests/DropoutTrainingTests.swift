import CTRNN
import GSL
import GaussianMoments
import XCTest

@testable import Training

/// Training with Bernoulli dropout: the BPTT gradient with the masks held
/// fixed, against central differences (same bounds and reasons as
/// `GradientCheckTests`), the forward pass by hand, and the masks' law.
final class DropoutTrainingTests: XCTestCase {
  func check(_ f: Activation, _ noise: NoisePlacement, site: DropoutSite, sigma: Double, file: StaticString = #filePath, line: UInt = #line) throws {
    let task = FunctionTask(steps: 12)
    let rng = try GSLRandom(seed: 4)
    let batch = task.batch(trials: 3, rng: rng)
    let p = try Parameters.initial(hidden: 5, inputs: 1, outputs: 1, seed: 7)
    var d = Dynamics(activation: f, noise: noise, sigma: sigma, dt: 0.2, tau: 1)
    d.dropout = site
    d.dropoutRate = 0.3
    let xi = sigma > 0 ? Trainer.noise(count: 12 * 3 * 5, seed: 9, stream: 0) : nil
    let masks = DropoutMasks.make(count: 12 * 3 * 5, rate: 0.3, seed: 10, stream: 0)
    let (_, g) = BPTT.lossAndGradient(p, batch, noise: xi, masks: masks, dynamics: d)
    let x = p.flat, analytic = g.flat
    var offset = 0
    for (name, values) in p.tensors {
      var worst = 0.0, norm = 0.0
      for k in offset..<(offset + values.count) {
        let h = 1e-5 * max(1, abs(x[k]))
        var plus = x, minus = x
        plus[k] += h
        minus[k] -= h
        let numeric = (BPTT.loss(Parameters(flat: plus, like: p), batch, noise: xi, masks: masks, dynamics: d)
          - BPTT.loss(Parameters(flat: minus, like: p), batch, noise: xi, masks: masks, dynamics: d)) / (2 * h)
        worst = max(worst, abs(numeric - analytic[k]))
        norm = max(norm, abs(numeric))
      }
      XCTAssertLessThanOrEqual(
        worst, 1e-6 * max(norm, 1e-12), "\(f) noise-\(noise.rawValue) \(site) σ=\(sigma) \(name): worst |Δ| \(worst), scale \(norm)",
        file: file, line: line)
      offset += values.count
    }
  }

  func testGradientEverySiteAndPlacement() throws {
    for f in [Activation.tanh, .softplus] {
      for noise in NoisePlacement.allCases {
        for site in DropoutSite.allCases {
          for sigma in [0.0, 0.5] { try check(f, noise, site: site, sigma: sigma) }
        }
      }
    }
  }

  /// Two steps from h = 0 by hand, dropout on the state with unit 0 dropped
  /// at step 1: its state does not reach W_rec; unit 1's is scaled by 1/(1 − p).
  func testForwardPassByHand() throws {
    var p = Parameters(hidden: 2, inputs: 1, outputs: 1)
    p.input = [0.7, -0.4]
    p.bias = [0.1, 0.2]
    p.recurrent = [0.5, 0.3, -0.2, 0.4]
    p.readout = [1, 2]
    var batch = TrialBatch(steps: 2, trials: 1, inputSize: 1, outputSize: 1)
    batch.inputs = [0.5, 0.5]
    batch.targets = [0, 0.3]
    batch.weights = [0, 1]
    var d = Dynamics(activation: .tanh, noise: .inside, sigma: 0, dt: 0.1, tau: 1)
    d.dropout = .state
    d.dropoutRate = 0.5
    let masks = [2.0, 2.0, 0.0, 2.0]
    let h1 = [0.1 * tanh(0.35 + 0.1), 0.1 * tanh(-0.2 + 0.2)]
    let mh = [0.0, 2 * h1[1]]
    let h2 = [0.9 * h1[0] + 0.1 * tanh(0.5 * mh[0] + 0.3 * mh[1] + 0.45), 0.9 * h1[1] + 0.1 * tanh(-0.2 * mh[0] + 0.4 * mh[1] + 0)]
    let z = h2[0] + 2 * h2[1]
    XCTAssertEqual(BPTT.loss(p, batch, noise: nil, masks: masks, dynamics: d), (z - 0.3) * (z - 0.3), accuracy: 1e-15)
    // Dropout on f's input: the same masks double both pre-activations at
    // step 0 and zero unit 0's at step 1.
    d.dropout = .input
    let g1 = [0.1 * tanh(2 * 0.45), 0.1 * tanh(2 * 0)]
    let x2 = [0.5 * g1[0] + 0.3 * g1[1] + 0.45, -0.2 * g1[0] + 0.4 * g1[1]]
    let h2i = [0.9 * g1[0] + 0.1 * tanh(0), 0.9 * g1[1] + 0.1 * tanh(2 * x2[1])]
    let zi = h2i[0] + 2 * h2i[1]
    XCTAssertEqual(BPTT.loss(p, batch, noise: nil, masks: masks, dynamics: d), (zi - 0.3) * (zi - 0.3), accuracy: 1e-15)
  }

  /// The masks: fraction of zeros within 4 binomial SE of p over 10⁵
  /// draws, and the kept value exactly 1/(1 − p).
  func testMasksLaw() {
    let p = 0.2, count = 100_000
    let m = DropoutMasks.make(count: count, rate: p, seed: 3, stream: 1)
    XCTAssertTrue(m.allSatisfy { $0 == 0 || $0 == 1 / (1 - p) })
    let zeros = Double(m.filter { $0 == 0 }.count) / Double(count)
    XCTAssertEqual(zeros, p, accuracy: 4 * (p * (1 - p) / Double(count)).squareRoot())
  }

  /// A short dropout run writes a checkpoint that records the dropout.
  func testTrainingRecordsDropout() throws {
    var d = Dynamics(activation: .tanh, noise: .inside, sigma: 0, dt: 0.1, tau: 1)
    d.dropout = .input
    d.dropoutRate = 0.2
    var o = TrainingOptions(dynamics: d)
    o.hidden = 6
    o.iterations = 5
    o.batchSize = 4
    o.evaluationTrials = 8
    let task = FunctionTask(steps: 20)
    let r = try Trainer.train(task: task, options: o)
    XCTAssertTrue(r.finalLoss.isFinite)
    let k = try r.parameters.checkpoint(dynamics: d, task: task.name, seed: 1, loss: r.finalLoss)
    XCTAssertEqual(try Checkpoint(safetensors: k.safetensorsBytes()).dropout, .input)
    XCTAssertEqual(k.dropoutRate, 0.2)
    d.dropoutRate = 1.5
    XCTAssertThrowsError(try TrainingOptions(dynamics: d).validate())
  }
}
