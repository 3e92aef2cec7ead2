import Foundation

/// What each input of a known task means, and the constant values it took in
/// training, so `analyze` can name the inputs it needs and warn about a
/// constant input the network never saw. These mirror the Training module's
/// task types (which CTRNN cannot import); TaskInputsTests pins the ranges
/// to the constants they come from.
public struct TaskInputs: Sendable, Equatable {
  public struct Input: Sendable, Equatable {
    /// "evidence", "velocity x".
    public var name: String
    /// What the value means, for help and messages.
    public var meaning: String
    /// The values a constant input of this kind took in training; nil when
    /// the task's input has no bounded range (a Gaussian velocity).
    public var trainedRange: ClosedRange<Double>?
  }

  public var task: String
  public var inputs: [Input]

  /// The inputs of the task called `name` with `count` inputs, or nil.
  public static func named(_ name: String?, count: Int) -> TaskInputs? {
    guard let name, let inputs = catalogue[name], inputs.count == count else { return nil }
    return TaskInputs(task: name, inputs: inputs)
  }

  /// One line per input: "1. fixation cue: 1 while fixating ... (trained: 0...1)".
  public var description: String {
    inputs.enumerated().map { k, i in
      "\(k + 1). \(i.name): \(i.meaning)" + (i.trainedRange.map { " (trained range \(Self.number($0.lowerBound))...\(Self.number($0.upperBound)))" } ?? "")
    }.joined(separator: "; ")
  }

  /// Each value of `u` outside its input's trained range, as a sentence; empty when all are inside.
  public func outsideTrainedRange(_ u: [Double]) -> [String] {
    zip(inputs, u).compactMap { i, v in
      guard let r = i.trainedRange, !r.contains(v) else { return nil }
      return "\(i.name) = \(Self.number(v)) is outside the range seen in training, \(Self.number(r.lowerBound))...\(Self.number(r.upperBound))"
    }
  }

  static func number(_ x: Double) -> String { String(format: "%g", x) }

  // The ranges: FunctionTask U[−1, 1]; RegulatorTask.levels U[0.2, 1.5];
  // DecisionTask: the cue is 1 or 0, the evidence c·s with c ≤ 0.4 plus
  // per-step noise of sd 0.5 (a constant input stands for the mean, c·s);
  // FlipFlopTask: pulses of ±1, 0 between; PathIntegrationTask: Gaussian
  // velocities of sd 0.25 (unbounded, no range). decision-fixation: the
  // inputs of decision. MazeTask: a one-hot code over its 18 open cells
  // (layout copied here, pinned by TaskInputsTests). MultiTask: the cue
  // 0/1, two rings of 8 units (tuning ≤ 1 + the largest coherence 0.4; the
  // context-decision noise of sd 0.2 is left out, as decision's is), the
  // one-hot rule.
  static let decisionInputs = [
    Input(name: "fixation cue", meaning: "1 while fixating and during the stimulus, 0 = go (answer now)", trainedRange: 0...1),
    Input(name: "evidence", meaning: "signed evidence c*s (coherence c <= 0.4, side s = +-1; per-step noise sd 0.5 in training)", trainedRange: -0.4...0.4),
  ]
  static let mazeLayout = ["...#G", ".#.#.", ".#...", ".###.", "....."]
  static let mazeInputs: [Input] = mazeLayout.enumerated().flatMap { r, line in
    line.enumerated().compactMap { c, ch in
      ch == "#" ? nil : Input(
        name: "cell (\(r),\(c))", meaning: "1 while the agent is on this cell (row, column; row 0 north)" + (ch == "G" ? ", the goal" : "") + ", else 0",
        trainedRange: 0...1)
    }
  }
  static let multitaskInputs: [Input] =
    [Input(name: "fixation cue", meaning: "1 until the response period, 0 = respond", trainedRange: 0...1)]
    + (1...2).flatMap { m in
      (0..<8).map { k in
        Input(name: "ring \(m) unit \(k)", meaning: "modality \(m) stimulus unit preferring \(45 * k) degrees", trainedRange: 0...1.4)
      }
    }
    + ["go", "anti-go", "delay-match", "ctx-dm-1", "ctx-dm-2"].map {
      Input(name: "rule \($0)", meaning: "1 on \($0) trials, else 0", trainedRange: 0...1)
    }

  static let catalogue: [String: [Input]] = [
    "function": [Input(name: "u", meaning: "the constant input; the target is sin(pi u)", trainedRange: -1...1)],
    "regulator": [Input(name: "level", meaning: "the level the readout must hold (target = u)", trainedRange: 0.2...1.5)],
    "decision": decisionInputs,
    "decision-fixation": decisionInputs,
    "maze": mazeInputs,
    "multitask": multitaskInputs,
    "path-integration": [
      Input(name: "velocity x", meaning: "velocity along x (stationary sd 0.25 in training); the readout is the position", trainedRange: nil),
      Input(name: "velocity y", meaning: "velocity along y (stationary sd 0.25 in training)", trainedRange: nil),
    ],
    "flipflop": (1...3).map {
      Input(name: "channel \($0)", meaning: "pulse on channel \($0): +1 or -1 during a pulse, 0 between (memories live at 0)", trainedRange: -1...1)
    },
  ]
}
