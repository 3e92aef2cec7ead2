import Foundation
import GSL

/// The 3-bit flip-flop of Sussillo & Barak 2013: three input channels, each
/// a sparse train of ±1 pulses; three readouts, each holding the sign of the
/// last pulse on its own channel. Inputs u ∈ ℝ³, outputs z ∈ ℝ³. A trained
/// network stores the 2³ = 8 sign patterns as stable fixed points at zero
/// input (the inputs are zero between pulses), which is what makes it the
/// standard test of a fixed-point search.
///
/// Each channel, independently: at every step not inside a pulse, a pulse
/// starts with probability `pulseProbability`; it has a random sign (±1,
/// probability ½ each) and lasts `pulseSteps` steps (0.5 τ at dt = 0.1,
/// τ = 1), long enough for a tanh unit to flip at unit input weight. The
/// target of readout k is the sign of the last pulse on channel k, from the
/// step after that pulse ends; the loss weight is 0 before the first pulse
/// ends (nothing to remember yet) and while a pulse is on (the switch
/// itself is free), 1 otherwise. With p = 0.03 and 100 steps a channel sees
/// about 2.5 pulses per trial, and 1 − 0.97¹⁰⁰ ≈ 95 % of channels at least one.
///
/// Draws: per trial, per step, per channel (in that order), one uniform for
/// the onset, and one for the sign when a pulse starts.
public struct FlipFlopTask: TrainingTask {
  public static let defaultSteps = 100
  public static let pulseProbability = 0.03
  public static let pulseSteps = 5
  public static let bits = 3

  public let steps: Int
  public var name: String { "flipflop" }
  public var inputSize: Int { Self.bits }
  public var outputSize: Int { Self.bits }
  public var summary: String {
    "\(Self.bits) channels of +-1 pulses (onset p = \(Self.pulseProbability)/step, \(Self.pulseSteps) steps long) over \(steps) steps; readout k -> sign of channel k's last pulse (weight 0 before the first pulse ends and during pulses)"
  }

  public init(steps: Int = FlipFlopTask.defaultSteps) {
    precondition(steps >= 2)
    self.steps = steps
  }

  public func batch(trials: Int, rng: GSLRandom) -> TrialBatch {
    var batch = TrialBatch(steps: steps, trials: trials, inputSize: Self.bits, outputSize: Self.bits)
    for b in 0..<trials {
      // Per channel: steps left in the current pulse, and the held sign (0: none yet).
      var remaining = [Int](repeating: 0, count: Self.bits)
      var held = [Double](repeating: 0, count: Self.bits)
      var sign = [Double](repeating: 0, count: Self.bits)
      for t in 0..<steps {
        for k in 0..<Self.bits {
          if remaining[k] == 0, rng.uniform() < Self.pulseProbability {
            sign[k] = rng.uniform() < 0.5 ? -1 : 1
            remaining[k] = Self.pulseSteps
          }
          let out = batch.outputIndex(step: t, trial: b, k)
          if remaining[k] > 0 {
            batch.inputs[batch.inputIndex(step: t, trial: b, k)] = sign[k]
            remaining[k] -= 1
            // The readout after the pulse's last step must already hold it.
            if remaining[k] == 0 { held[k] = sign[k] }
          }
          if remaining[k] == 0, held[k] != 0 {
            batch.targets[out] = held[k]
            batch.weights[out] = 1
          }
        }
      }
    }
    return batch
  }
}
