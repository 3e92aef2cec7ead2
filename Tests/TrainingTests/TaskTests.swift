import CTRNN
import GSL
import XCTest

@testable import Training

/// The catalogue's tasks: shapes, seeded determinism, valid loss weights and
/// targets recomputed by hand from the inputs each task documents.
final class TaskTests: XCTestCase {
  func batch(_ task: any TrainingTask, trials: Int, seed: UInt) throws -> TrialBatch {
    task.batch(trials: trials, rng: try GSLRandom(seed: seed))
  }

  func task(_ name: String, steps: Int? = nil) throws -> any TrainingTask {
    try XCTUnwrap(TaskCatalogue.task(named: name, steps: steps), "catalogue has no \(name)")
  }

  func testCatalogueKnowsEveryNameAndNothingElse() throws {
    XCTAssertEqual(Set(TaskCatalogue.names).count, TaskCatalogue.names.count, "names are unique")
    for name in TaskCatalogue.names {
      let t = try task(name)
      XCTAssertEqual(t.name, name, "the checkpoint metadata name is the catalogue name")
      XCTAssertFalse(t.summary.isEmpty)
      XCTAssertEqual(try task(name, steps: 40).steps, 40)
    }
    XCTAssertEqual(try task("regulator").steps, RegulatorTask.defaultSteps)
    XCTAssertEqual(try task("path-integration").steps, PathIntegrationTask.defaultSteps)
    XCTAssertEqual(try task("decision").steps, DecisionTask.defaultSteps)
    for unknown in ["", "Regulator", "path_integration", "decisions", "function "] {
      XCTAssertNil(TaskCatalogue.task(named: unknown), "'\(unknown)' is not a task")
    }
  }

  func testShapes() throws {
    for name in TaskCatalogue.names {
      for steps in [nil, 30] as [Int?] {
        let t = try task(name, steps: steps)
        let b = try batch(t, trials: 7, seed: 1)
        XCTAssertEqual(b.steps, t.steps, name)
        XCTAssertEqual(b.trials, 7, name)
        XCTAssertEqual(b.inputSize, t.inputSize, name)
        XCTAssertEqual(b.outputSize, t.outputSize, name)
        XCTAssertEqual(b.inputs.count, t.steps * 7 * t.inputSize, name)
        XCTAssertEqual(b.targets.count, t.steps * 7 * t.outputSize, name)
        XCTAssertEqual(b.weights.count, t.steps * 7 * t.outputSize, name)
        XCTAssertTrue((b.inputs + b.targets + b.weights).allSatisfy(\.isFinite), name)
      }
    }
    XCTAssertEqual(try task("regulator").inputSize, 1)
    XCTAssertEqual(try task("regulator").outputSize, 1)
    XCTAssertEqual(try task("path-integration").inputSize, 2)
    XCTAssertEqual(try task("path-integration").outputSize, 2)
    XCTAssertEqual(try task("decision").inputSize, 2)
    XCTAssertEqual(try task("decision").outputSize, 1)
  }

  /// Same seed: the same batch, bit for bit. Another seed: different inputs
  /// and targets (continuous draws, so any equality would be a bug).
  func testSameSeedSameBatchOtherSeedOtherBatch() throws {
    for name in TaskCatalogue.names {
      let t = try task(name)
      let a = try batch(t, trials: 9, seed: 11), b = try batch(t, trials: 9, seed: 11), c = try batch(t, trials: 9, seed: 12)
      XCTAssertEqual(a.inputs, b.inputs, name)
      XCTAssertEqual(a.targets, b.targets, name)
      XCTAssertEqual(a.weights, b.weights, name)
      XCTAssertNotEqual(a.inputs, c.inputs, name)
      // Decision targets are ±1 per trial: 9 trials agree by chance with
      // probability 2⁻⁹, and do not for these seeds.
      XCTAssertNotEqual(a.targets, c.targets, name)
    }
  }

  func testWeightsNonNegativeWithPositiveTotal() throws {
    for name in TaskCatalogue.names {
      let b = try batch(try task(name), trials: 5, seed: 3)
      XCTAssertTrue(b.weights.allSatisfy { $0 >= 0 }, name)
      XCTAssertGreaterThan(b.totalWeight, 0, name)
      // Every trial contributes: no trial is left out of the loss.
      for r in 0..<b.trials {
        let w = (0..<b.steps).reduce(0.0) { s, t in s + (0..<b.outputSize).reduce(0.0) { $0 + b.weights[b.outputIndex(step: t, trial: r, $1)] } }
        XCTAssertGreaterThan(w, 0, "\(name) trial \(r)")
      }
    }
  }

  /// Regulator: input constant per trial in [0.2, 1.5]; the target is the
  /// input itself (exactly: it is the same Double), weight 1 on the last
  /// half, 0 before; and it agrees with the analysis' `TaskTarget`.
  func testRegulatorTargetIsTheInput() throws {
    let t = RegulatorTask(steps: 20)
    let b = try batch(t, trials: 200, seed: 5)
    let analysis = try XCTUnwrap(TaskTarget.named("regulator", inputs: 1, outputs: 1))
    var levels: [Double] = []
    for r in 0..<b.trials {
      let u = b.inputs[b.inputIndex(step: 0, trial: r, 0)]
      levels.append(u)
      XCTAssertTrue(RegulatorTask.levels.contains(u))
      for s in 0..<t.steps {
        let at = b.outputIndex(step: s, trial: r, 0)
        XCTAssertEqual(b.inputs[b.inputIndex(step: s, trial: r, 0)], u, "constant input")
        XCTAssertEqual(b.weights[at], s >= 10 ? 1 : 0)
        if s >= 10 {
          XCTAssertEqual(b.targets[at], u)
          XCTAssertEqual(b.targets[at], analysis([u])[0])
        }
      }
    }
    // The levels cover the range: 200 uniforms leave gaps of ~1.3/200 at
    // the ends with overwhelming probability; 0.1 is ~15× that.
    XCTAssertLessThan(levels.min()! - 0.2, 0.1)
    XCTAssertLessThan(1.5 - levels.max()!, 0.1)
  }

  /// The function task's target agrees with the analysis' `TaskTarget` too.
  func testFunctionTargetMatchesAnalysis() throws {
    let b = try batch(FunctionTask(steps: 10), trials: 20, seed: 2)
    let analysis = try XCTUnwrap(TaskTarget.named("function", inputs: 1, outputs: 1))
    for r in 0..<b.trials {
      let u = b.inputs[b.inputIndex(step: 9, trial: r, 0)]
      XCTAssertEqual(b.targets[b.outputIndex(step: 9, trial: r, 0)], analysis([u])[0])
    }
  }

  /// Path integration: the target is dt × the running sum of the inputs,
  /// including the current step's. Recomputed here with the same additions
  /// in the same order (Swift does not reassociate floating point), so the
  /// agreement is exact.
  func testPathIntegrationTargetIsRunningSumOfVelocity() throws {
    let t = PathIntegrationTask()
    let b = try batch(t, trials: 6, seed: 8)
    for r in 0..<b.trials {
      for c in 0..<2 {
        var x = 0.0
        for s in 0..<t.steps {
          x += PathIntegrationTask.dt * b.inputs[b.inputIndex(step: s, trial: r, c)]
          let at = b.outputIndex(step: s, trial: r, c)
          XCTAssertEqual(b.targets[at], x, "trial \(r) coordinate \(c) step \(s)")
          XCTAssertEqual(b.weights[at], s >= 10 ? 1 : 0, "loss from step steps/10 = 10")
        }
      }
    }
  }

  /// The velocity is the documented AR(1): stationary sd 0.25 and lag-1
  /// correlation ρ = e^{−0.1} ≈ 0.905, the two coordinates independent.
  /// 400 trials × 100 steps × 2 coordinates give n = 80 000 correlated
  /// values; products like v² and v₀v₁ have lag-k correlation ρ^{2k}, so the
  /// effective size is n(1−ρ²)/(1+ρ²) ≈ 8 000: the variance has relative SE
  /// √(2/8000) ≈ 1.6 % (bound 6.5 %, 4 SE) and the normalised
  /// cross-correlation SE √(1/8000) ≈ 0.011 (bound 0.045, 4 SE). The lag-1
  /// correlation's SE is √((1−ρ²)/n) ≈ 0.0015 (bound 0.006, 4 SE).
  func testPathIntegrationVelocityStatistics() throws {
    let t = PathIntegrationTask()
    let b = try batch(t, trials: 400, seed: 21)
    var sum2 = 0.0, lag = 0.0, lagNorm = 0.0, cross = 0.0, n = 0.0
    for r in 0..<b.trials {
      for s in 0..<t.steps {
        let v0 = b.inputs[b.inputIndex(step: s, trial: r, 0)], v1 = b.inputs[b.inputIndex(step: s, trial: r, 1)]
        sum2 += v0 * v0 + v1 * v1
        cross += v0 * v1
        n += 1
        if s > 0 {
          for c in 0..<2 {
            let now = b.inputs[b.inputIndex(step: s, trial: r, c)], before = b.inputs[b.inputIndex(step: s - 1, trial: r, c)]
            lag += now * before
            lagNorm += before * before
          }
        }
      }
    }
    let variance = sum2 / (2 * n), s2 = PathIntegrationTask.velocityScale * PathIntegrationTask.velocityScale
    XCTAssertEqual(variance, s2, accuracy: 0.065 * s2)
    XCTAssertEqual(lag / lagNorm, PathIntegrationTask.persistence, accuracy: 0.006)
    XCTAssertEqual(cross / n / s2, 0, accuracy: 0.045)
  }

  /// Decision: fixation cue 1 until the decision period, then 0; evidence
  /// only during the stimulus; target 0 (weight 1) while fixating, nothing
  /// (weight 0) during the stimulus, ±1 (weight 5) during the decision, the
  /// same sign throughout a trial.
  func testDecisionPeriodsAndTargets() throws {
    let t = DecisionTask()
    XCTAssertEqual(t.stimulusStart, 20)
    XCTAssertEqual(t.decisionStart, 70)
    let b = try batch(t, trials: 50, seed: 13)
    var sides: [Double] = []
    for r in 0..<b.trials {
      let side = b.targets[b.outputIndex(step: t.steps - 1, trial: r, 0)]
      XCTAssertTrue(side == 1 || side == -1)
      sides.append(side)
      for s in 0..<t.steps {
        let cue = b.inputs[b.inputIndex(step: s, trial: r, 0)], evidence = b.inputs[b.inputIndex(step: s, trial: r, 1)]
        let at = b.outputIndex(step: s, trial: r, 0)
        switch s {
        case ..<20:
          XCTAssertEqual([cue, evidence, b.targets[at], b.weights[at]], [1, 0, 0, 1], "fixation, step \(s)")
        case ..<70:
          XCTAssertEqual([cue, b.targets[at], b.weights[at]], [1, 0, 0], "stimulus, step \(s)")
          XCTAssertNotEqual(evidence, 0, "stimulus, step \(s)")
        default:
          XCTAssertEqual([cue, evidence, b.targets[at], b.weights[at]], [0, 0, side, 5], "decision, step \(s)")
        }
      }
    }
    XCTAssertTrue(sides.contains(1) && sides.contains(-1))
  }

  /// The evidence is c·s + 0.5 ξ with c uniform on {0.05, 0.1, 0.2, 0.4}, so
  /// E[e·s] = mean c = 0.1875. Over 2 000 trials × 50 steps its estimate has
  /// SE 0.5/√10⁵ ≈ 0.0016 from the noise and √(Var c/2000) = √(0.0180/2000)
  /// ≈ 0.0030 from the per-trial coherence: ≈ 0.0034 in all; ±0.014 is 4 SE.
  /// The within-trial residual variance estimates σ_in² = 0.25 free of the
  /// coherence, with relative SE √(2/98 000) ≈ 0.45 %; ±2 % is 4 SE.
  /// Sides: 2 000 fair coins, SE of the fraction 0.011; ±0.045 is 4 SE.
  func testDecisionEvidenceStatistics() throws {
    let t = DecisionTask()
    let b = try batch(t, trials: 2000, seed: 17)
    var signed = 0.0, residual = 0.0, positives = 0.0, count = 0.0, dof = 0.0
    for r in 0..<b.trials {
      let side = b.targets[b.outputIndex(step: t.steps - 1, trial: r, 0)]
      if side > 0 { positives += 1 }
      let e = (t.stimulusStart..<t.decisionStart).map { b.inputs[b.inputIndex(step: $0, trial: r, 1)] }
      let mean = e.reduce(0, +) / Double(e.count)
      signed += e.reduce(0) { $0 + $1 * side }
      residual += e.reduce(0) { $0 + ($1 - mean) * ($1 - mean) }
      count += Double(e.count)
      dof += Double(e.count - 1)
    }
    let meanCoherence = DecisionTask.coherences.reduce(0, +) / Double(DecisionTask.coherences.count)
    XCTAssertEqual(signed / count, meanCoherence, accuracy: 0.014)
    XCTAssertEqual(residual / dof, DecisionTask.inputNoise * DecisionTask.inputNoise, accuracy: 0.02 * 0.25)
    XCTAssertEqual(positives / Double(b.trials), 0.5, accuracy: 0.045)
  }
}
