import CTRNN
import Foundation
import GSL
import GaussianMoments
import XCTest

@testable import Training

/// Training runs of decision-fixation, maze and multitask, in
/// TrainingRunTests' pattern and with its helpers (hidden 32, batch 32,
/// σ = 0.1 noise-in, seed 1; thresholds ≥ 3× the worst loss ratio measured
/// at seeds 1, 5, 9 and 13 unless stated).
extension TrainingRunTests {
  /// Decision with the fixation readout, tanh, 300 iterations: the constant
  /// readout loses 0.507 on the batch; measured final loss 0.082 (16 %;
  /// seeds 5/9/13: 17, 24, 22 %). Threshold 70 %. The fixation readout on
  /// its own (the choice's weights zeroed, σ = 0) must beat its constant
  /// loss p(1 − p) = 0.217 (p = 70/220, the weighted mean of its target):
  /// measured 0.027–0.030 at the four seeds (≤ 14 %); threshold 40 % (2.9×).
  func testDecisionFixationRun() throws {
    let o = options(.tanh)
    let (r, _, b) = try run("decision-fixation", o, below: 0.7)
    var fixationOnly = b
    for k in stride(from: 0, to: b.weights.count, by: 2) { fixationOnly.weights[k] = 0 }
    let loss = BPTT.loss(r.parameters, fixationOnly, noise: nil, dynamics: o.dynamics)
    let p = 70.0 / 220
    print("decision-fixation: fixation readout loss \(loss), constant \(p * (1 - p))")
    XCTAssertLessThan(loss, 0.4 * p * (1 - p))
  }

  /// Maze, relu, 300 iterations: the constant readout loses 0.333 (the
  /// directions' weighted variance); measured 0.0098 (2.9 %; seeds 5/9/13:
  /// 2.7, 3.1, 2.9 %). Threshold 10 %: each cell's direction held to an RMS
  /// error ≤ 0.18 (of a unit vector), while a network that did not tell the
  /// cells apart stays at the constant.
  func testMazeRun() throws {
    try run("maze", options(.relu), below: 0.1)
  }

  /// Multitask, relu, 1000 iterations (300 leave the ring answers barely
  /// started: 36–53 % of the constant loss at the four seeds). The constant
  /// readout loses 0.113; measured 0.019 (17 %; seeds 5/9/13: 26, 20, 19 %).
  /// Threshold 75 % (2.9× the worst). Per rule, on 256 trials of that rule
  /// against that rule's constant loss: go 7–10 %, anti-go 10–12 %
  /// (threshold 35 %), ctx-dm-1/2 17–28 % (threshold 85 %); delay-match only
  /// 56–61 % — telling match from non-match over a delay is not learned in
  /// 1000 iterations at 32 units — so it is only required below its constant.
  func testMultitaskRun() throws {
    let o = options(.relu, iterations: 1000)
    let (r, _, _) = try run("multitask", o, below: 0.75)
    let parts = try Trainer.partLosses(r.parameters, task: MultiTask(), dynamics: o.dynamics, trials: o.evaluationTrials, seed: o.seed &+ 3)
    XCTAssertEqual(parts.map(\.name), MultiTask.Rule.allCases.map(\.rawValue))
    let thresholds: [MultiTask.Rule: Double] = [.go: 0.35, .antiGo: 0.35, .delayMatch: 1, .contextDecision1: 0.85, .contextDecision2: 0.85]
    for (part, rule) in zip(parts, MultiTask.Rule.allCases) {
      let b = MultiTask(rules: [rule]).batch(trials: o.evaluationTrials, rng: try GSLRandom(seed: UInt(truncatingIfNeeded: o.seed &+ 3)))
      let constant = constantLoss(b, o.dynamics)
      print("multitask \(rule.rawValue): loss \(part.loss), constant \(constant), ratio \(part.loss / constant)")
      XCTAssertLessThan(part.loss, thresholds[rule]! * constant, rule.rawValue)
    }
  }
}
