import Foundation
import GSL

/// A multi-task suite of cognitive tasks in the style of Yang et al. 2019
/// (and NeuroGym): one network, a rule input saying which task the trial
/// is. Reimplemented from the paper's conventions, smaller: 8 direction
/// units per ring instead of 32, five rules instead of twenty.
///
/// Inputs (I = 1 + 2n + 5 = 22, n = `directions` = 8):
/// - fixation cue: 1 until the response period, 0 in it (the go signal);
/// - two stimulus rings (modality 1, modality 2) of n units each, unit k
///   preferring direction φ_k = 2πk/n; a stimulus of strength a at θ drives
///   unit k with a·exp(−½ (d(θ, φ_k)/w)²), d the angular distance, w = 2π/n
///   (one unit spacing);
/// - the rule, one-hot over `Rule.allCases`, for the whole trial.
///
/// Outputs (O = 1 + n = 9): a fixation readout (target 1 before the response
/// period, 0 in it) and a response ring of n units whose target is the bump
/// of strength 1 at the answer's direction in the response period, 0 before.
///
/// Periods (steps T = 100 by default): fixation [0, T/5), stimulus
/// [T/5, 7T/10), response [7T/10, T). Loss weight 1 on every output before
/// the response period; in it 0 for the first T/20 steps (a grace period for
/// the switch, as in Yang et al.) and 5 after.
///
/// Rules (the trial's rule is drawn uniformly from `rules`):
/// - `go`: one stimulus (strength 1, direction θ ~ U[0, 2π), modality 1 or 2
///   with probability ½) from the stimulus period to the end; respond at θ.
/// - `anti-go`: the same stimulus; respond at θ + π.
/// - `delay-match` (delay match-to-sample): a sample at one of the n
///   preferred directions in [T/5, 2T/5), a delay with no stimulus until
///   11T/20, then a test stimulus in the same modality to the end; the test
///   matches the sample with probability ½ (else another of the n
///   directions, uniformly). Match: respond at the test's direction;
///   non-match: keep fixating (fixation readout 1, ring 0) through the response.
/// - `ctx-dm-1`, `ctx-dm-2` (context-dependent decision): both modalities
///   carry two stimuli, at θ and θ + π, with strengths 1 + c_m and 1 − c_m
///   (c_m = ±coherence, coherence uniform on `coherences`, sign ±, drawn
///   independently per modality), plus input noise of sd `inputNoise` per
///   unit per step, in the stimulus period only; respond at the stronger of
///   the two in modality 1 (`ctx-dm-1`) or 2 (`ctx-dm-2`), ignoring the other.
///
/// Draws: per trial, in trial order: one uniform for the rule, then the
/// rule's: go/anti-go: modality, θ; delay-match: modality, sample, match,
/// offset of a non-match; ctx-dm: θ, then (coherence, sign) for modality 1
/// and 2, then one Gaussian per stimulus step per unit of ring 1 then ring 2.
public struct MultiTask: TrainingTask {
  public enum Rule: String, CaseIterable, Sendable {
    case go
    case antiGo = "anti-go"
    case delayMatch = "delay-match"
    case contextDecision1 = "ctx-dm-1"
    case contextDecision2 = "ctx-dm-2"
  }

  public static let defaultSteps = 100
  public static let directions = 8
  public static let coherences = [0.05, 0.1, 0.2, 0.4]
  /// Input noise of the context-dependent decision, per unit per step.
  public static let inputNoise = 0.2
  /// Loss weight per step of the response period after the grace steps.
  public static let responseWeight = 5.0

  public let steps: Int
  /// The rules trials are drawn from (all by default; one, for a per-rule loss).
  public let rules: [Rule]
  public var name: String { "multitask" }
  public static var inputCount: Int { 1 + 2 * directions + Rule.allCases.count }
  public var inputSize: Int { Self.inputCount }
  public var outputSize: Int { 1 + Self.directions }
  public var stimulusStart: Int { steps / 5 }
  public var responseStart: Int { 7 * steps / 10 }
  public var sampleEnd: Int { 2 * steps / 5 }
  public var testStart: Int { 11 * steps / 20 }
  public var graceSteps: Int { steps / 20 }
  public var summary: String {
    "rules \(rules.map(\.rawValue).joined(separator: ", ")) (one-hot rule input), 2 stimulus rings of \(Self.directions) units, fixation cue; fixation \(stimulusStart), stimulus \(responseStart - stimulusStart), response \(steps - responseStart) steps; readout -> fixation 1 until the response, then the response ring's bump at the answer (x\(Self.responseWeight))"
  }

  public init(steps: Int = MultiTask.defaultSteps, rules: [Rule] = Rule.allCases) {
    precondition(steps >= 20, "each period needs at least one step")
    precondition(!rules.isEmpty)
    self.steps = steps
    self.rules = rules
  }

  /// The task restricted to each rule, for a loss per rule.
  public var parts: [(name: String, task: MultiTask)] {
    rules.map { ($0.rawValue, MultiTask(steps: steps, rules: [$0])) }
  }

  /// The ring's response to a stimulus of strength `a` at θ.
  public static func tuning(_ theta: Double, strength a: Double) -> [Double] {
    let w = 2 * Double.pi / Double(directions)
    return (0..<directions).map { k in
      let phi = 2 * Double.pi * Double(k) / Double(directions)
      var d = abs(theta - phi).truncatingRemainder(dividingBy: 2 * Double.pi)
      d = min(d, 2 * Double.pi - d)
      return a * exp(-0.5 * (d / w) * (d / w))
    }
  }

  /// Index of the first input of ring m (0 or 1), and of rule r.
  static func ringInput(_ m: Int) -> Int { 1 + m * directions }
  static func ruleInput(_ r: Rule) -> Int { 1 + 2 * directions + Rule.allCases.firstIndex(of: r)! }

  public func batch(trials: Int, rng: GSLRandom) -> TrialBatch {
    var batch = TrialBatch(steps: steps, trials: trials, inputSize: inputSize, outputSize: outputSize)
    let n = Self.directions
    func pick(_ count: Int) -> Int { min(Int(rng.uniform() * Double(count)), count - 1) }
    for b in 0..<trials {
      let rule = rules[pick(rules.count)]
      // What each ring shows in each period, and the answer (nil: keep fixating).
      var early = [[Double]](repeating: [Double](repeating: 0, count: n), count: 2)  // stimulus period (sample)
      var late = early  // from the test / for the rest of the stimulus period
      var response = early  // in the response period
      var answer: Double?
      var noisy = false
      switch rule {
      case .go, .antiGo:
        let m = pick(2), theta = 2 * Double.pi * rng.uniform()
        early[m] = Self.tuning(theta, strength: 1)
        late[m] = early[m]
        response[m] = early[m]
        answer = rule == .go ? theta : theta + Double.pi
      case .delayMatch:
        let m = pick(2), sample = pick(n), match = rng.uniform() < 0.5, offset = 1 + pick(n - 1)
        let test = match ? sample : (sample + offset) % n
        early[m] = Self.tuning(2 * Double.pi * Double(sample) / Double(n), strength: 1)
        late[m] = Self.tuning(2 * Double.pi * Double(test) / Double(n), strength: 1)
        response[m] = late[m]
        answer = match ? 2 * Double.pi * Double(test) / Double(n) : nil
      case .contextDecision1, .contextDecision2:
        let theta = 2 * Double.pi * rng.uniform()
        var c = [0.0, 0.0]
        for m in 0..<2 {
          let coherence = Self.coherences[pick(Self.coherences.count)]
          c[m] = rng.uniform() < 0.5 ? -coherence : coherence
          let a = Self.tuning(theta, strength: 1 + c[m]), z = Self.tuning(theta + Double.pi, strength: 1 - c[m])
          early[m] = zip(a, z).map(+)
          late[m] = early[m]
        }
        let attended = rule == .contextDecision1 ? 0 : 1
        answer = c[attended] > 0 ? theta : theta + Double.pi
        noisy = true
      }
      let target = answer.map { Self.tuning($0, strength: 1) }
      for t in 0..<steps {
        let shown: [[Double]]
        switch t {
        case ..<stimulusStart: shown = [[], []]
        case ..<responseStart:
          if rule == .delayMatch {
            shown = t < sampleEnd ? early : t < testStart ? [[], []] : late
          } else {
            shown = early
          }
        default: shown = response
        }
        batch.inputs[batch.inputIndex(step: t, trial: b, Self.ruleInput(rule))] = 1
        for m in 0..<2 {
          for (k, v) in shown[m].enumerated() {
            batch.inputs[batch.inputIndex(step: t, trial: b, Self.ringInput(m) + k)] = v
          }
        }
        if noisy, t >= stimulusStart, t < responseStart {
          for m in 0..<2 {
            for k in 0..<n { batch.inputs[batch.inputIndex(step: t, trial: b, Self.ringInput(m) + k)] += Self.inputNoise * rng.gaussian() }
          }
        }
        let responding = t >= responseStart
        batch.inputs[batch.inputIndex(step: t, trial: b, 0)] = responding ? 0 : 1
        let weight = !responding ? 1 : t < responseStart + graceSteps ? 0 : Self.responseWeight
        batch.targets[batch.outputIndex(step: t, trial: b, 0)] = responding && target != nil ? 0 : 1
        batch.weights[batch.outputIndex(step: t, trial: b, 0)] = weight
        for k in 0..<n {
          let o = batch.outputIndex(step: t, trial: b, 1 + k)
          batch.targets[o] = responding ? (target?[k] ?? 0) : 0
          batch.weights[o] = weight
        }
      }
    }
    return batch
  }
}

/// A task whose trials come in kinds worth scoring apart (the rules of
/// `MultiTask`): `train` reports the loss of each.
public protocol TaskWithParts: TrainingTask {
  /// Each kind's name and the task that draws only trials of that kind.
  var taskParts: [(name: String, task: any TrainingTask)] { get }
}

extension MultiTask: TaskWithParts {
  public var taskParts: [(name: String, task: any TrainingTask)] { parts.map { ($0.name, $0.task) } }
}

extension Trainer {
  /// The loss of each part of `task` on its own `trials` trials, drawn like
  /// `evaluate`'s (MT19937 at `seed`, noise at the dynamics' σ).
  public static func partLosses(
    _ p: Parameters, task: any TaskWithParts, dynamics: Dynamics, trials: Int, seed: UInt64
  ) throws -> [(name: String, loss: Double)] {
    try task.taskParts.map { ($0.name, try evaluate(p, task: $0.task, dynamics: dynamics, trials: trials, seed: seed).loss) }
  }
}
