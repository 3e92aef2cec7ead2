import Foundation
import GSL

/// Regulation to a set point: the input is the level to hold. A constant
/// u ~ U[0.2, 1.5] is applied for the whole trial from h = 0 and the readout
/// must settle at y = u; the loss counts the last half of the trial (50 of
/// 100 steps by default), as in `FunctionTask`, so what is trained is a
/// fixed point per level rather than a ramp through it.
///
/// Why [0.2, 1.5]: the level is kept positive and away from 0 so that a
/// relu network can hold every level with the same set of units active,
/// i.e. in one linear region, where h* (and so the readout) depends on u
/// linearly, exactly as y = u does; at u near 0 units with W_in·u + b near
/// 0 switch off and the fixed point has a kink. A relu unit's h is a running
/// average of f(·) ≥ 0 (with noise-out, plus small noise), so the readout
/// W_out h + b_out reaches a level only through O(1) activity of units that
/// are on — positive levels keep them on; capping the level
/// at 1.5 keeps that activity O(1), and keeps it reachable for saturating
/// activations too (tanh units are bounded by 1; |W_out|·1 ≥ 1.5 needs only
/// O(1) readout weights). The `TaskTarget` default input 0.5 lies inside.
///
/// Draws: one uniform per trial, trial 0 first.
/// The target matches `TaskTarget` "regulator" in the CTRNN module (target = u).
public struct RegulatorTask: TrainingTask {
  public static let defaultSteps = 100
  /// The range the level u is drawn from, uniformly.
  public static let levels: ClosedRange<Double> = 0.2...1.5
  public let steps: Int
  public var name: String { "regulator" }
  public var inputSize: Int { 1 }
  public var outputSize: Int { 1 }
  public var summary: String {
    "constant level u ~ U[\(Self.levels.lowerBound),\(Self.levels.upperBound)] for \(steps) steps; readout -> u over the last \(steps - steps / 2) steps"
  }

  public init(steps: Int = RegulatorTask.defaultSteps) {
    precondition(steps >= 2)
    self.steps = steps
  }

  public static func target(_ u: Double) -> Double { u }

  public func batch(trials: Int, rng: GSLRandom) -> TrialBatch {
    let lo = Self.levels.lowerBound, width = Self.levels.upperBound - lo
    let u = (0..<trials).map { _ in lo + width * rng.uniform() }
    return .constantInput(steps: steps, inputs: u, target: Self.target)
  }
}
