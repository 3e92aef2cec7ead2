import Foundation
import GSL

/// Perceptual decision making, in the style of Yang et al. 2019 and
/// NeuroGym's PerceptualDecisionMaking, with one signed evidence channel and
/// one readout. Inputs u = [fixation cue, evidence] (I = 2), output O = 1.
/// Each trial has three periods (20 / 50 / 30 of 100 steps by default:
/// steps/5, steps/2, the rest):
///
/// - fixation: cue 1, evidence 0; target 0, loss weight 1.
/// - stimulus: cue 1, evidence e_t = c·s + σ_in ξ_t with ξ_t ~ N(0, 1) iid per
///   step, σ_in = 0.5 (the input noise), coherence c drawn uniformly from
///   {0.05, 0.1, 0.2, 0.4}, the side s = ±1 with probability ½ each; target 0,
///   loss weight 0 — the readout is free while the evidence comes in, so it
///   may integrate it where it is read out.
/// - decision: cue 0 (the go signal), evidence 0; target s, loss weight 5.
///
/// Convention: the answer is the sign of the single readout, +1 for s = +1
/// and −1 for s = −1 (NeuroGym's two choice units collapsed into one signed
/// one). The decision period weighs 5 times the fixation period per step, as
/// in Yang et al. 2019, so the answer dominates the loss (150 of 170 units of
/// weight by default) while fixation still pins the readout at 0 before the
/// stimulus. With σ_in = 0.5 and 50 stimulus steps the evidence's
/// signal-to-noise ratio c·√50/σ_in runs from 0.7 to 5.7 over the coherences,
/// so the ideal observer is right on ≈ 92 % of trials and the task rewards
/// integrating over the whole stimulus, not just its last steps.
///
/// Draws: per trial, in trial order: one uniform for s, one for c, then one
/// Gaussian per stimulus step.
///
/// The variant `decision-fixation` (`fixationOutput`) adds a second readout,
/// the fixation output of Yang et al. 2019 (O = 2: [choice, fixation]): its
/// target is 1 while the fixation cue is on (fixation and stimulus periods)
/// and 0 in the decision period, with the choice's per-step weight (1 in
/// the fixation and stimulus periods, 5 in the decision period). So the
/// network must also hold "not yet" during the stimulus, where the choice
/// readout is free. The inputs, the choice readout's targets and weights,
/// and the draws are those of `decision` at the same seed.
public struct DecisionTask: TrainingTask {
  public static let defaultSteps = 100
  public static let coherences = [0.05, 0.1, 0.2, 0.4]
  /// Standard deviation of the evidence noise per step.
  public static let inputNoise = 0.5
  /// Loss weight per step of the decision period (fixation period: 1).
  public static let decisionWeight = 5.0

  public let steps: Int
  /// The second readout, fixation (the `decision-fixation` variant).
  public let fixationOutput: Bool
  public var name: String { fixationOutput ? "decision-fixation" : "decision" }
  public var inputSize: Int { 2 }
  public var outputSize: Int { fixationOutput ? 2 : 1 }
  /// Steps [0, stimulusStart) are fixation, [stimulusStart, decisionStart)
  /// stimulus, [decisionStart, steps) decision.
  public var stimulusStart: Int { steps / 5 }
  public var decisionStart: Int { steps / 5 + steps / 2 }
  public var summary: String {
    "fixation \(stimulusStart), stimulus \(decisionStart - stimulusStart) (evidence c*s + \(Self.inputNoise) noise, c in \(Self.coherences)), decision \(steps - decisionStart) steps; readout -> s = +-1 (x\(Self.decisionWeight)), 0 while fixating"
      + (fixationOutput ? "; fixation readout -> 1 until the decision period, then 0" : "")
  }

  public init(steps: Int = DecisionTask.defaultSteps, fixationOutput: Bool = false) {
    precondition(steps >= 10, "each period needs at least one step")
    self.steps = steps
    self.fixationOutput = fixationOutput
  }

  public func batch(trials: Int, rng: GSLRandom) -> TrialBatch {
    var batch = TrialBatch(steps: steps, trials: trials, inputSize: 2, outputSize: outputSize)
    let stimulus = stimulusStart, decision = decisionStart, cohs = Self.coherences
    for b in 0..<trials {
      let side: Double = rng.uniform() < 0.5 ? -1 : 1
      let coherence = cohs[min(Int(rng.uniform() * Double(cohs.count)), cohs.count - 1)]
      for t in 0..<steps {
        let out = batch.outputIndex(step: t, trial: b, 0)
        switch t {
        case ..<stimulus:
          batch.inputs[batch.inputIndex(step: t, trial: b, 0)] = 1
          batch.weights[out] = 1
        case ..<decision:
          batch.inputs[batch.inputIndex(step: t, trial: b, 0)] = 1
          batch.inputs[batch.inputIndex(step: t, trial: b, 1)] = coherence * side + Self.inputNoise * rng.gaussian()
        default:
          batch.targets[out] = side
          batch.weights[out] = Self.decisionWeight
        }
        if fixationOutput {
          let fixation = batch.outputIndex(step: t, trial: b, 1)
          batch.targets[fixation] = t < decision ? 1 : 0
          batch.weights[fixation] = t < decision ? 1 : Self.decisionWeight
        }
      }
    }
    return batch
  }
}
