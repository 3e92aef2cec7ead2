import CTRNN
import GSL
import GaussianMoments
import XCTest

@testable import Training

/// Training with Bernoulli dropout: the BPTT gradient with the masks held
/// fixed, against central differences (same bounds and reasons as
/// `GradientCheckTests`), the forward pass by hand, and the masks' law.
final class DropoutTrainingTests: XCTestCase {
  func check(
    _ f: Activation, _ noise: NoisePlacement, site: DropoutSite, sigma: Double, trials: Int = 3, file: StaticString = #filePath, line: UInt = #line
  ) throws {
    let task = FunctionTask(steps: 12)
    let rng = try GSLRandom(seed: 4)
    let batch = task.batch(trials: trials, rng: rng)
    let p = try Parameters.initial(hidden: 5, inputs: 1, outputs: 1, seed: 7)
    var d = Dynamics(activation: f, noise: noise, sigma: sigma, dt: 0.2, tau: 1)
    d.dropout = site
    d.dropoutRate = 0.3
    let xi = sigma > 0 ? Trainer.noise(count: 12 * trials * 5, seed: 9, stream: 0) : nil
    let masks = DropoutMasks.make(count: 12 * trials * 5, rate: 0.3, seed: 10, stream: 0)
    let (_, g) = BPTT.lossAndGradient(p, batch, noise: xi, masks: masks, dynamics: d)
    let x = p.flat, analytic = g.flat
    var offset = 0
    for (name, values) in p.tensors {
      let (worst, norm) = FiniteDifference.compare(x, analytic, indices: offset..<(offset + values.count)) {
        BPTT.loss(Parameters(flat: $0, like: p), batch, noise: xi, masks: masks, dynamics: d)
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

  /// From 16 trials BPTT runs the batch in two slices of rows (two
  /// threads); 17 trials make them unequal. The masks must follow each
  /// slice's rows: the same finite-difference bound.
  func testGradientInSlicedBatch() throws {
    for site in DropoutSite.allCases {
      for noise in NoisePlacement.allCases { try check(.tanh, noise, site: site, sigma: 0.5, trials: 17) }
    }
  }

  /// The float32 kernels take no masks: options asking for both are
  /// refused before any training, naming --precision.
  func testFloat32RefusesDropout() {
    var d = Dynamics(activation: .relu, noise: .inside, sigma: 0, dt: 0.1, tau: 1)
    d.dropout = .state
    d.dropoutRate = 0.2
    var o = TrainingOptions(dynamics: d)
    XCTAssertNoThrow(try o.validate())
    o.precision = .f32
    XCTAssertThrowsError(try o.validate()) { e in
      guard case .invalidOption(let option, _) = e as? TrainingError else { return XCTFail("\(e)") }
      XCTAssertEqual(option, "--precision")
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

/// Learned per-unit noise and dropout (`AdaptiveNoise`): the objective's
/// gradient in the weights and in (ρ, α) against central differences with
/// ξ and u held fixed. The relaxed mask is smooth in p, so the same bound
/// as `GradientCheckTests` applies (1e-6 of the tensor's gradient scale):
/// at temperature 0.1 the mask's p-derivative is up to ~10× larger, so h
/// is 1e-6 here to keep the truncation error O(h²·L‴) below the bound.
final class AdaptiveNoiseTests: XCTestCase {
  func testGradientInWeightsAndNoiseParameters() throws {
    for site in DropoutSite.allCases {
      // 3 trials: one slice; 17: two slices of rows (see BPTT.forEachSlice).
      for (noisePlacement, trials) in [(NoisePlacement.inside, 3), (.outside, 3), (.inside, 17), (.outside, 17)] {
        let task = FunctionTask(steps: 10)
        let batch = task.batch(trials: trials, rng: try GSLRandom(seed: 4))
        let p = try Parameters.initial(hidden: 4, inputs: 1, outputs: 1, seed: 7)
        var d = Dynamics(activation: .tanh, noise: noisePlacement, sigma: 0.3, dt: 0.2, tau: 1)
        d.dropout = site
        d.dropoutRate = 0.2
        let o = AdaptiveNoise.Options(priorSigma: 0.3, priorRate: 0.2, klWeight: 0.05)
        var noise = AdaptiveNoise(units: 4, options: o)
        // Units away from the prior, so the KL gradient is not 0.
        noise.logSigma = noise.logSigma.enumerated().map { $1 + 0.2 * Double($0) - 0.3 }
        noise.rateLogit = noise.rateLogit.enumerated().map { $1 - 0.3 * Double($0) + 0.2 }
        let xi = Trainer.noise(count: 10 * trials * 4, seed: 9, stream: 0)
        let u = AdaptiveNoise.uniforms(count: 10 * trials * 4, seed: 10, stream: 0)
        let r = AdaptiveNoise.objective(p, noise, batch, xi: xi, u: u, dynamics: d, options: o)
        func loss(_ q: Parameters, _ m: AdaptiveNoise) -> Double {
          AdaptiveNoise.objective(q, m, batch, xi: xi, u: u, dynamics: d, options: o).loss
        }
        // Noise parameters.
        let v = noise.flat
        var worst = 0.0, scale = 0.0
        for k in v.indices {
          let h = 1e-6
          var plus = v, minus = v
          plus[k] += h
          minus[k] -= h
          let numeric = (loss(p, AdaptiveNoise(flat: plus)) - loss(p, AdaptiveNoise(flat: minus))) / (2 * h)
          worst = max(worst, abs(numeric - r.noiseGradient[k]))
          scale = max(scale, abs(numeric))
        }
        XCTAssertGreaterThan(scale, 1e-6, "\(site) \(noisePlacement) \(trials) trials: the noise parameters must matter")
        XCTAssertLessThanOrEqual(worst, 1e-6 * scale, "\(site) \(noisePlacement) \(trials) trials (rho, alpha): worst \(worst), scale \(scale)")
        // A few weights (W_rec's first row and the readout), same bound.
        let x = p.flat, analytic = r.gradient.flat
        var worstW = 0.0, scaleW = 0.0
        for k in Array(0..<4) + Array((x.count - 5)..<x.count) {
          let h = 1e-6 * max(1, abs(x[k]))
          var plus = x, minus = x
          plus[k] += h
          minus[k] -= h
          let numeric = (loss(Parameters(flat: plus, like: p), noise) - loss(Parameters(flat: minus, like: p), noise)) / (2 * h)
          worstW = max(worstW, abs(numeric - analytic[k]))
          scaleW = max(scaleW, abs(numeric))
        }
        XCTAssertLessThanOrEqual(worstW, 1e-6 * scaleW, "\(site) \(noisePlacement) \(trials) trials weights: worst \(worstW), scale \(scaleW)")
      }
    }
  }

  /// A short run moves σᵢ and pᵢ away from the prior (each unit its own)
  /// and writes them to the checkpoint, which reads back with them.
  func testLearnedNoiseRunRecordsPerUnitValues() throws {
    var d = Dynamics(activation: .tanh, noise: .inside, sigma: 0.3, dt: 0.1, tau: 1)
    d.dropout = .state
    d.dropoutRate = 0.2
    var o = TrainingOptions(dynamics: d)
    o.hidden = 5
    o.iterations = 30
    o.batchSize = 4
    o.evaluationTrials = 8
    o.learningRate = 0.02
    let a = AdaptiveNoise.Options(priorSigma: 0.3, priorRate: 0.2, klWeight: 0.01)
    let task = FunctionTask(steps: 20)
    let r = try AdaptiveNoiseTrainer.train(task: task, options: o, adaptive: a)
    XCTAssertTrue(r.finalLoss.isFinite)
    XCTAssertGreaterThan(Set(r.noise.sigmas).count, 1, "per-unit sigmas should differ after training")
    XCTAssertTrue(r.noise.sigmas.contains { abs($0 - 0.3) > 1e-3 })
    let k = try r.parameters.checkpoint(dynamics: d, task: task.name, seed: 1, loss: r.finalLoss)
      .withLearnedNoise(sigmas: r.noise.sigmas, rates: r.noise.rates)
    let back = try Checkpoint(safetensors: k.safetensorsBytes())
    XCTAssertEqual(back.unitSigmas, r.noise.sigmas)
    XCTAssertEqual(back.unitDropoutRates, r.noise.rates)
    XCTAssertEqual(back.sigmaTrain, (r.noise.sigmas.reduce(0) { $0 + $1 * $1 } / 5).squareRoot(), accuracy: 1e-15)
    let net = try Network(checkpoint: back, input: [0.5])
    for i in 0..<5 { XCTAssertEqual(net.noiseProfile[i] * back.sigmaTrain, r.noise.sigmas[i], accuracy: 1e-14) }
    XCTAssertEqual(net.dropoutRates, r.noise.rates)
  }
}
