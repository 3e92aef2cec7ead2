import CTRNN
import Foundation
import GSL
import GaussianMoments
import XCTest

@testable import Training

/// One short training run per catalogue task, each judged against a trivial
/// baseline computed here on the very batch `TrainingResult.finalLoss` is
/// evaluated on (`Trainer.evaluate`: `evaluationTrials` trials from MT19937
/// at seed + 3), so baseline and result are paired:
///
/// - the best constant readout, b_out = the weighted mean target and
///   W_out = 0 — its loss is the weighted variance of the targets;
/// - where it means more, a task-specific one (the leaky trace a network
///   without recurrence would hold; the Bayes-optimal decision).
///
/// Runs: hidden 32, batch 32, 300 iterations, the Trainer's default
/// learning rate 3e-3 and clipping, σ = 0.1 noise-in, seed 1; ≈ 1.5–3 s each
/// in release on one core. Each threshold is ≥ 3× the worst of the losses
/// measured at seeds 1, 5, 9 and 13 (stated per test; the decision task's is
/// set against its Bayes floor instead), so that a different BLAS or compiler
/// changing the rounding, and so the trajectory, does not fail it, while a
/// trainer that stopped learning the task would (each sits far below its
/// baseline).
final class TrainingRunTests: XCTestCase {
  func options(_ f: Activation, _ noise: NoisePlacement = .inside, hidden: Int = 32, iterations: Int = 300, seed: UInt64 = 1)
    -> TrainingOptions
  {
    var o = TrainingOptions(dynamics: Dynamics(activation: f, noise: noise, sigma: 0.1))
    o.hidden = hidden
    o.iterations = iterations
    o.batchSize = 32
    o.seed = seed
    return o
  }

  /// The batch `Trainer.evaluate` scores `finalLoss` on.
  func evaluationBatch(_ task: any TrainingTask, _ o: TrainingOptions) throws -> TrialBatch {
    task.batch(trials: o.evaluationTrials, rng: try GSLRandom(seed: UInt(truncatingIfNeeded: o.seed &+ 3)))
  }

  /// Loss of the best constant readout, through `BPTT.loss` itself (W_out = 0,
  /// b_out = Σ w y / Σ w per output) so it is the same loss definition.
  func constantLoss(_ b: TrialBatch, _ d: Dynamics) -> Double {
    var p = Parameters(hidden: 1, inputs: b.inputSize, outputs: b.outputSize)
    for q in 0..<b.outputSize {
      var s = 0.0, w = 0.0
      for k in stride(from: q, to: b.targets.count, by: b.outputSize) {
        s += b.weights[k] * b.targets[k]
        w += b.weights[k]
      }
      p.readoutBias[q] = s / w
    }
    return BPTT.loss(p, b, noise: nil, dynamics: d)
  }

  /// Trains, checks finalLoss < fraction × constant loss, returns both.
  @discardableResult
  func run(
    _ name: String, _ o: TrainingOptions, below fraction: Double, file: StaticString = #filePath, line: UInt = #line
  ) throws -> (result: TrainingResult, constant: Double, batch: TrialBatch) {
    let task = try XCTUnwrap(TaskCatalogue.task(named: name), file: file, line: line)
    let start = Date()
    let r = try Trainer.train(task: task, options: o)
    let seconds = Date().timeIntervalSince(start)
    let b = try evaluationBatch(task, o)
    let constant = constantLoss(b, o.dynamics)
    print(
      "\(name) \(o.dynamics.activation) noise-\(o.dynamics.noise.rawValue): final loss \(r.finalLoss), constant \(constant), "
        + "ratio \(r.finalLoss / constant), \(o.iterations) iterations in \(String(format: "%.2f", seconds)) s")
    XCTAssertTrue(r.finalLoss.isFinite, file: file, line: line)
    XCTAssertLessThan(r.finalLoss, fraction * constant, "\(name): final loss vs constant prediction", file: file, line: line)
    return (r, constant, b)
  }

  /// Every task in the catalogue has a run below (a new task needs one).
  func testEveryCatalogueTaskHasARun() {
    XCTAssertEqual(
      Set(TaskCatalogue.names),
      ["function", "regulator", "path-integration", "decision", "flipflop", "decision-fixation", "maze", "multitask"])
  }

  /// Regulator, relu: the constant loss is Var u = 1.3²/12 ≈ 0.14 (0.153 on
  /// the batch); measured final loss 3.1e-4 (0.20 %; seeds 5/9/13: 0.19, 0.10,
  /// 0.25 %). Threshold 1 %: an RMS error ≤ 0.04 on levels 0.2–1.5, i.e.
  /// every level held to a few percent.
  func testRegulatorRun() throws {
    try run("regulator", options(.relu), below: 0.01)
  }

  /// Function, relu: constant loss ≈ Var sin(πu) = ½ (0.472 on the batch);
  /// measured 2.6e-3 (0.54 %; seeds 5/9/13: 0.89, 0.59, 0.81 %). Threshold 3 %.
  func testFunctionRun() throws {
    try run("function", options(.relu), below: 0.03)
  }

  /// Path integration, relu: the constant (zero) readout's loss is the mean
  /// squared position over the loss window (0.607 on the batch); measured
  /// 8.0e-3 (1.3 %; seeds 5/9/13: 0.82, 0.87, 0.99 %). Threshold 5 %. A readout of the leaky trace
  /// ℓ_t = (1−γ)ℓ_{t−1} + γ v_t — what a network without recurrence holds,
  /// forgetting over τ/dt = 10 steps — with the best gain per coordinate
  /// still loses ≈ 60 % of the constant loss (0.365 here), so the test also
  /// asks for loss < 10 % of that leaky baseline (measured 2.2 %): the
  /// network must integrate, not just low-pass, the velocity.
  func testPathIntegrationRun() throws {
    let o = options(.relu)
    let (r, _, b) = try run("path-integration", o, below: 0.05)
    let gamma = o.dynamics.gamma
    var leaky = 0.0
    for c in 0..<2 {
      var trace = [Double](repeating: 0, count: b.trials), ly = 0.0, ll = 0.0, yy = 0.0
      for t in 0..<b.steps {
        for r in 0..<b.trials {
          trace[r] = (1 - gamma) * trace[r] + gamma * b.inputs[b.inputIndex(step: t, trial: r, c)]
          let k = b.outputIndex(step: t, trial: r, c), w = b.weights[k], y = b.targets[k]
          ly += w * trace[r] * y
          ll += w * trace[r] * trace[r]
          yy += w * y * y
        }
      }
      leaky += yy - ly * ly / ll  // Σ w (a ℓ − y)² at the best gain a = Σwℓy / Σwℓ²
    }
    leaky /= b.totalWeight
    print("path-integration: leaky-trace baseline \(leaky)")
    XCTAssertLessThan(r.finalLoss, 0.1 * leaky)
  }

  /// Decision, tanh (symmetric, like the ±1 answer): the constant (zero)
  /// readout loses 150/170 ≈ 0.88. No readout can beat the Bayes posterior
  /// mean E[s | evidence] on the decision period (the evidence sum is
  /// sufficient for s at each coherence; the posterior mixes the four
  /// coherences), computed here on the same batch: 0.146, 16.6 % of the
  /// constant loss. That floor varies between 256-trial batches (SE ≈ 0.034
  /// around its expected ≈ 0.20: seeds 5/9/13 give 0.143, 0.245, 0.215), so
  /// the threshold is on the gap, paired on the batch: the run must close
  /// ≥ 90 % of the gap between constant and Bayes, i.e. final < Bayes +
  /// 0.1 × (constant − Bayes) = 0.220 here. Measured 0.150: 0.5 % of the gap
  /// left (seeds 5/9/13: 2.8 %, −0.5 %, 1.0 %). The plain constant-ratio check
  /// is loose (40 %; measured 17 %, 27 % at seed 9 whose floor is 28 %).
  /// The run must also stay above 0.8 × the Bayes loss: the network is
  /// independent of this batch, so it can beat the ideal observer on it only
  /// by luck, and the paired difference varies less than the floor itself
  /// since both fail on the same weak-evidence trials. Beating it by 20 %
  /// would mean the answer leaks into the inputs.
  func testDecisionRun() throws {
    let (r, constant, b) = try run("decision", options(.tanh), below: 0.4)
    let task = DecisionTask()
    let n = Double(task.decisionStart - task.stimulusStart)
    let variance = DecisionTask.inputNoise * DecisionTask.inputNoise * n
    var total = 0.0
    for trial in 0..<b.trials {
      let sum = (task.stimulusStart..<task.decisionStart).reduce(0.0) { $0 + b.inputs[b.inputIndex(step: $1, trial: trial, 1)] }
      // Likelihoods of the sum under s = ±1 at each coherence, equal priors.
      var plus = 0.0, minus = 0.0
      for c in DecisionTask.coherences {
        plus += exp(-(sum - c * n) * (sum - c * n) / (2 * variance))
        minus += exp(-(sum + c * n) * (sum + c * n) / (2 * variance))
      }
      let posteriorMean = (plus - minus) / (plus + minus)
      for t in task.decisionStart..<task.steps {
        let k = b.outputIndex(step: t, trial: trial, 0)
        total += b.weights[k] * (posteriorMean - b.targets[k]) * (posteriorMean - b.targets[k])
      }
    }
    let bayes = total / b.totalWeight
    print("decision: Bayes-optimal readout loss \(bayes)")
    XCTAssertLessThan(r.finalLoss, bayes + 0.1 * (constant - bayes), "less than 90 % of the gap to the ideal observer closed")
    XCTAssertGreaterThan(r.finalLoss, 0.8 * bayes, "better than the ideal observer: does the answer leak into the inputs?")
  }

  /// Same options → the same weights, loss and history, bit for bit (the
  /// Trainer seeds data, noise and initial weights); another seed → other
  /// weights. Small, short runs: determinism does not need convergence.
  func testSameOptionsSameWeights() throws {
    let task = try XCTUnwrap(TaskCatalogue.task(named: "decision", steps: 30))
    let o = options(.relu, hidden: 8, iterations: 40)
    let a = try Trainer.train(task: task, options: o), b = try Trainer.train(task: task, options: o)
    XCTAssertEqual(a.parameters.flat.map(\.bitPattern), b.parameters.flat.map(\.bitPattern))
    XCTAssertEqual(a.finalLoss.bitPattern, b.finalLoss.bitPattern)
    XCTAssertEqual(a.history.map(\.bitPattern), b.history.map(\.bitPattern))
    let c = try Trainer.train(task: task, options: options(.relu, hidden: 8, iterations: 40, seed: 2))
    XCTAssertNotEqual(a.parameters, c.parameters)
  }

  /// Both noise placements train: on the regulator (hidden 16, 150
  /// iterations, relu, σ = 0.1) the evaluated loss falls below 1 % of the
  /// loss of the initial weights on the same batch and noise (≈ 0.42) and
  /// below 3 % of the constant loss. Measured: 2.0e-4 (noise-in) and 2.9e-4
  /// (noise-out), 0.05–0.07 % of the initial loss and 0.13–0.19 % of the
  /// constant loss; the worst over seeds 5/9/13 is 1.07e-3 (0.26 % of the
  /// initial loss, 0.83 % of the constant one).
  func testNoiseOutAndNoiseInBothReduceTheLoss() throws {
    for noise in NoisePlacement.allCases {
      let o = options(.relu, noise, hidden: 16, iterations: 150)
      let initial = try Parameters.initial(hidden: o.hidden, inputs: 1, outputs: 1, seed: o.seed)
      let before = try Trainer.evaluate(initial, task: RegulatorTask(), dynamics: o.dynamics, trials: o.evaluationTrials, seed: o.seed &+ 3).loss
      let r = try run("regulator", o, below: 0.03).result
      print("regulator noise-\(noise.rawValue): initial loss \(before)")
      XCTAssertLessThan(r.finalLoss, 0.01 * before, "noise-\(noise.rawValue)")
    }
  }
}
