import CTRNN
import GSL
import XCTest

@testable import Training

/// The decision task's fixation variant, the maze and the multi-task suite:
/// periods, targets and weights recomputed from what each task documents.
final class MoreTasksTests: XCTestCase {
  func batch(_ task: any TrainingTask, trials: Int, seed: UInt) throws -> TrialBatch {
    task.batch(trials: trials, rng: try GSLRandom(seed: seed))
  }

  // MARK: decision-fixation

  /// The variant draws what `decision` draws: same inputs, and its choice
  /// readout has decision's targets and weights; the fixation readout wants
  /// 1 (weight 1) until the decision period and 0 (weight 5) in it.
  func testDecisionFixationIsDecisionPlusAFixationReadout() throws {
    let plain = DecisionTask(), variant = DecisionTask(fixationOutput: true)
    XCTAssertEqual(plain.name, "decision")
    XCTAssertEqual(plain.outputSize, 1)
    XCTAssertEqual(variant.name, "decision-fixation")
    XCTAssertEqual(variant.outputSize, 2)
    let a = try batch(plain, trials: 20, seed: 4), b = try batch(variant, trials: 20, seed: 4)
    XCTAssertEqual(a.inputs, b.inputs)
    for t in 0..<a.steps {
      for r in 0..<a.trials {
        let k = a.outputIndex(step: t, trial: r, 0)
        XCTAssertEqual(a.targets[k], b.targets[b.outputIndex(step: t, trial: r, 0)])
        XCTAssertEqual(a.weights[k], b.weights[b.outputIndex(step: t, trial: r, 0)])
        let f = b.outputIndex(step: t, trial: r, 1)
        let before = t < variant.decisionStart
        XCTAssertEqual([b.targets[f], b.weights[f]], before ? [1, 1] : [0, DecisionTask.decisionWeight], "step \(t)")
        // The fixation target is the cue itself: on until the go signal.
        XCTAssertEqual(b.targets[f], b.inputs[b.inputIndex(step: t, trial: r, 0)])
      }
    }
  }

  // MARK: maze

  /// The maze's geometry: 18 open cells, every one reaches the goal, and the
  /// policy's move goes to an adjacent open cell one step closer.
  func testMazePolicyFollowsShortestPaths() throws {
    XCTAssertEqual(MazeTask.cells.count, 18)
    XCTAssertEqual(MazeTask.cells[MazeTask.goal].row, 0)
    XCTAssertEqual(MazeTask.cells[MazeTask.goal].column, 4)
    XCTAssertEqual(MazeTask.distance[MazeTask.goal], 0)
    XCTAssertTrue(MazeTask.distance.allSatisfy { $0 >= 0 }, "every open cell reaches the goal")
    // Hand-counted: from the north-west corner east along row 0, down the
    // open column 2 to row 2, east to column 4 and north: 8 moves.
    let corner = try XCTUnwrap(MazeTask.cells.firstIndex { $0 == (0, 0) })
    XCTAssertEqual(MazeTask.distance[corner], 8)
    for k in MazeTask.cells.indices where k != MazeTask.goal {
      let step = try XCTUnwrap(MazeTask.policy[k])
      let (a, b) = (MazeTask.cells[k], MazeTask.cells[step.next])
      XCTAssertEqual(abs(a.row - b.row) + abs(a.column - b.column), 1, "one move")
      XCTAssertEqual(MazeTask.distance[step.next], MazeTask.distance[k] - 1)
      // The readout's direction is the move: x east (column +1), y north (row −1).
      let y = MazeTask.target(cell: k)
      XCTAssertEqual(y.x, Double(b.column - a.column))
      XCTAssertEqual(y.y, Double(a.row - b.row))
    }
    XCTAssertTrue(MazeTask.target(cell: MazeTask.goal) == (0, 0))
  }

  /// Trials: a one-hot position held 10 steps per cell, the next cell the
  /// policy's, a restart after the goal; targets the cell's direction;
  /// weight 1 on both outputs over the second half of each hold.
  func testMazeTrialsAreEpisodesUnderThePolicy() throws {
    let task = MazeTask()
    let b = try batch(task, trials: 40, seed: 6)
    var restarts = 0
    for r in 0..<b.trials {
      var previous: Int?
      for t in 0..<b.steps {
        let u = (0..<b.inputSize).map { b.inputs[b.inputIndex(step: t, trial: r, $0)] }
        XCTAssertEqual(u.filter { $0 == 1 }.count, 1)
        XCTAssertEqual(u.filter { $0 == 0 }.count, b.inputSize - 1)
        let cell = u.firstIndex(of: 1)!
        let y = MazeTask.target(cell: cell)
        XCTAssertEqual(b.targets[b.outputIndex(step: t, trial: r, 0)], y.x)
        XCTAssertEqual(b.targets[b.outputIndex(step: t, trial: r, 1)], y.y)
        let w: Double = t % MazeTask.holdSteps >= MazeTask.holdSteps / 2 ? 1 : 0
        XCTAssertEqual(b.weights[b.outputIndex(step: t, trial: r, 0)], w)
        XCTAssertEqual(b.weights[b.outputIndex(step: t, trial: r, 1)], w)
        if let p = previous {
          if t % MazeTask.holdSteps != 0 {
            XCTAssertEqual(cell, p, "held")
          } else if p == MazeTask.goal {
            restarts += 1
          } else {
            XCTAssertEqual(cell, MazeTask.policy[p]!.next, "moves along the policy")
          }
        }
        previous = cell
      }
    }
    XCTAssertGreaterThan(restarts, 0, "episodes restart after the goal")
  }

  /// Starts are uniform over the 18 cells: 2 000 first cells, each count
  /// ≈ 111 with SE √(2000·(1/18)(17/18)) ≈ 10.2; ±45 is 4.4 SE.
  func testMazeStartsCoverEveryCell() throws {
    let b = try batch(MazeTask(steps: 2), trials: 2000, seed: 9)
    var counts = [Int](repeating: 0, count: MazeTask.cells.count)
    for r in 0..<b.trials {
      counts[(0..<b.inputSize).first { b.inputs[b.inputIndex(step: 0, trial: r, $0)] == 1 }!] += 1
    }
    for c in counts { XCTAssertEqual(Double(c), 2000.0 / 18, accuracy: 45) }
  }

  // MARK: multitask

  func ring(_ b: TrialBatch, input m: Int, step t: Int, trial r: Int) -> [Double] {
    (0..<MultiTask.directions).map { b.inputs[b.inputIndex(step: t, trial: r, MultiTask.ringInput(m) + $0)] }
  }

  func response(_ b: TrialBatch, step t: Int, trial r: Int) -> [Double] {
    (0..<MultiTask.directions).map { b.targets[b.outputIndex(step: t, trial: r, 1 + $0)] }
  }

  func argmax(_ v: [Double]) -> Int { v.indices.max { v[$0] < v[$1] }! }

  /// Every rule: the rule input one-hot and constant; the fixation cue on
  /// until the response period; the fixation target and the weights by
  /// period (1 before the response, 0 in the grace steps, 5 after).
  func testMultitaskPeriodsAndWeights() throws {
    for rule in MultiTask.Rule.allCases {
      let task = MultiTask(rules: [rule])
      let b = try batch(task, trials: 30, seed: 2)
      for r in 0..<b.trials {
        for t in 0..<b.steps {
          let rules = MultiTask.Rule.allCases.map { b.inputs[b.inputIndex(step: t, trial: r, MultiTask.ruleInput($0))] }
          XCTAssertEqual(rules, MultiTask.Rule.allCases.map { $0 == rule ? 1 : 0 }, "\(rule)")
          let responding = t >= task.responseStart
          XCTAssertEqual(b.inputs[b.inputIndex(step: t, trial: r, 0)], responding ? 0 : 1)
          let w = !responding ? 1 : t < task.responseStart + task.graceSteps ? 0 : MultiTask.responseWeight
          for o in 0..<b.outputSize { XCTAssertEqual(b.weights[b.outputIndex(step: t, trial: r, o)], w) }
          if t < task.stimulusStart {
            XCTAssertEqual(ring(b, input: 0, step: t, trial: r) + ring(b, input: 1, step: t, trial: r), [Double](repeating: 0, count: 16))
          }
          if !responding {
            XCTAssertEqual(b.targets[b.outputIndex(step: t, trial: r, 0)], 1)
            XCTAssertEqual(response(b, step: t, trial: r), [Double](repeating: 0, count: MultiTask.directions))
          }
        }
      }
    }
  }

  /// Go: the response target is the stimulus' own bump (the same tuning at
  /// the same θ, so exactly equal), in one modality, the other silent.
  /// Anti-go: the target's peak is opposite the stimulus' (4 of 8 units on).
  func testGoAndAntiGoAnswers() throws {
    for rule in [MultiTask.Rule.go, .antiGo] {
      let task = MultiTask(rules: [rule])
      let b = try batch(task, trials: 50, seed: 3)
      for r in 0..<b.trials {
        let t = b.steps - 1
        let rings = [ring(b, input: 0, step: t, trial: r), ring(b, input: 1, step: t, trial: r)]
        let shown = try XCTUnwrap(rings.first { $0.contains { $0 > 0 } })
        XCTAssertTrue(rings.contains { $0.allSatisfy { $0 == 0 } }, "one modality only")
        XCTAssertEqual(shown, ring(b, input: rings[0] == shown ? 0 : 1, step: task.stimulusStart, trial: r), "on from the stimulus period")
        XCTAssertEqual(b.targets[b.outputIndex(step: t, trial: r, 0)], 0, "fixation off")
        let y = response(b, step: t, trial: r)
        if rule == .go {
          XCTAssertEqual(y, shown)
        } else {
          XCTAssertEqual(argmax(y), (argmax(shown) + MultiTask.directions / 2) % MultiTask.directions)
        }
      }
    }
  }

  /// Delay-match: sample, blank delay, test (same modality); a match asks
  /// for the test's bump, a non-match for fixation through the response.
  /// Matches are about half: 200 trials, SE 0.035; ±0.15 is > 4 SE.
  func testDelayMatchAnswers() throws {
    let task = MultiTask(rules: [.delayMatch])
    let b = try batch(task, trials: 200, seed: 5)
    var matches = 0
    for r in 0..<b.trials {
      let m = ring(b, input: 0, step: task.stimulusStart, trial: r).contains { $0 > 0 } ? 0 : 1
      let sample = ring(b, input: m, step: task.stimulusStart, trial: r)
      let test = ring(b, input: m, step: task.testStart, trial: r)
      XCTAssertEqual(ring(b, input: m, step: task.sampleEnd - 1, trial: r), sample)
      XCTAssertEqual(ring(b, input: m, step: task.sampleEnd, trial: r), [Double](repeating: 0, count: 8), "delay")
      XCTAssertEqual(ring(b, input: m, step: task.testStart - 1, trial: r), [Double](repeating: 0, count: 8), "delay")
      XCTAssertEqual(ring(b, input: m, step: b.steps - 1, trial: r), test, "test stays on")
      XCTAssertEqual(ring(b, input: 1 - m, step: task.testStart, trial: r), [Double](repeating: 0, count: 8))
      let t = b.steps - 1, y = response(b, step: t, trial: r), fixation = b.targets[b.outputIndex(step: t, trial: r, 0)]
      if sample == test {
        matches += 1
        XCTAssertEqual(y, test)
        XCTAssertEqual(fixation, 0)
      } else {
        XCTAssertEqual(y, [Double](repeating: 0, count: 8))
        XCTAssertEqual(fixation, 1)
      }
    }
    XCTAssertEqual(Double(matches) / 200, 0.5, accuracy: 0.15)
  }

  /// Context-dependent decision: the answer is the stronger of the two
  /// opposite stimuli in the attended modality. Projected on the target t
  /// minus its opposite t' (t rotated by 4 units), the attended ring's mean
  /// input over the 50 stimulus steps has mean 2c|t|² ≥ 0.177 (c ≥ 0.05,
  /// |t|² ≈ 1.77) and noise sd 0.2/√50 · |t − t'| ≈ 0.053, so it is positive
  /// on every trial but ≈ 0.05 %; the unattended ring agrees by chance (½):
  /// 150 trials, SE 0.04, so 0.3…0.7 is 5 SE.
  func testContextDecisionAttendsItsModality() throws {
    for (rule, attended) in [(MultiTask.Rule.contextDecision1, 0), (.contextDecision2, 1)] {
      let task = MultiTask(rules: [rule])
      let b = try batch(task, trials: 150, seed: 7)
      var agree = [0, 0]
      for r in 0..<b.trials {
        let y = response(b, step: b.steps - 1, trial: r)
        let n = MultiTask.directions
        let opposite = (0..<n).map { y[($0 + n / 2) % n] }
        for m in 0..<2 {
          var mean = [Double](repeating: 0, count: n)
          for t in task.stimulusStart..<task.responseStart {
            for (k, v) in ring(b, input: m, step: t, trial: r).enumerated() { mean[k] += v / Double(task.responseStart - task.stimulusStart) }
          }
          let projection = (0..<n).reduce(0.0) { $0 + mean[$1] * (y[$1] - opposite[$1]) }
          if projection > 0 { agree[m] += 1 }
          XCTAssertEqual(ring(b, input: m, step: task.responseStart, trial: r), [Double](repeating: 0, count: n), "off in the response")
        }
      }
      XCTAssertEqual(agree[attended], b.trials, "\(rule): the answer follows the attended modality")
      XCTAssertEqual(Double(agree[1 - attended]) / Double(b.trials), 0.5, accuracy: 0.2, "\(rule): the other is ignored")
    }
  }

  /// All five rules appear, about equally (1 000 trials, each ≈ 200, SE ≈
  /// 12.6; ±60 is 4.7 SE); `parts` restricts to one rule each.
  func testMultitaskDrawsEveryRule() throws {
    let b = try batch(MultiTask(), trials: 1000, seed: 8)
    var counts = [Int](repeating: 0, count: 5)
    for r in 0..<b.trials {
      counts[(0..<5).first { b.inputs[b.inputIndex(step: 0, trial: r, MultiTask.ruleInput(MultiTask.Rule.allCases[$0]))] == 1 }!] += 1
    }
    for c in counts { XCTAssertEqual(Double(c), 200, accuracy: 60) }
    XCTAssertEqual(MultiTask().parts.map(\.name), ["go", "anti-go", "delay-match", "ctx-dm-1", "ctx-dm-2"])
    XCTAssertEqual(MultiTask().parts.map(\.task.rules), MultiTask.Rule.allCases.map { [$0] })
  }

  /// CTRNN's copy of the maze layout (for `analyze`'s input names) is the task's.
  func testTaskInputsKnowTheNewTasks() throws {
    XCTAssertEqual(TaskInputs.named("maze", count: MazeTask.cells.count)?.inputs.count, 18)
    let goal = try XCTUnwrap(TaskInputs.named("maze", count: 18)?.inputs[MazeTask.goal])
    XCTAssertTrue(goal.meaning.contains("the goal"), goal.meaning)
    XCTAssertEqual(goal.name, "cell (0,4)")
    XCTAssertEqual(
      TaskInputs.named("maze", count: 18)?.inputs.map(\.name), MazeTask.cells.map { "cell (\($0.row),\($0.column))" }, "same layout")
    let multi = try XCTUnwrap(TaskInputs.named("multitask", count: MultiTask.inputCount))
    XCTAssertEqual(multi.inputs[MultiTask.ruleInput(.delayMatch)].name, "rule delay-match")
    XCTAssertEqual(multi.inputs[MultiTask.ringInput(1) + 2].name, "ring 2 unit 2")
    XCTAssertEqual(multi.inputs[1].trainedRange, 0...(1 + MultiTask.coherences.max()!))
  }
}
