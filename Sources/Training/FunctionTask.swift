import Foundation
import GSL

/// Function approximation at steady state: a constant input u ~ U[−1, 1]
/// held for the whole trial from h = 0; the readout must settle at
/// g(u) = sin(πu). The loss counts the last half of the trial (50 of 100
/// steps by default): a shorter window lets training reach the target with
/// slow ramps instead of fixed points (measured with the numpy trainer,
/// `scripts/make_default_models.py`), and the analysis is about fixed points.
///
/// The target matches `TaskTarget` "function" in the CTRNN module, which
/// `analyze` uses to report the output error.
public struct FunctionTask: TrainingTask {
  public static let defaultSteps = 100
  public let steps: Int
  public var name: String { "function" }
  public var inputSize: Int { 1 }
  public var outputSize: Int { 1 }
  public var summary: String { "constant u ~ U[-1,1] for \(steps) steps; readout -> sin(pi u) over the last \(steps - steps / 2) steps" }

  public init(steps: Int = FunctionTask.defaultSteps) {
    precondition(steps >= 2)
    self.steps = steps
  }

  public static func target(_ u: Double) -> Double { sin(Double.pi * u) }

  public func batch(trials: Int, rng: GSLRandom) -> TrialBatch {
    let u = (0..<trials).map { _ in 2 * rng.uniform() - 1 }
    return .constantInput(steps: steps, inputs: u, target: Self.target)
  }
}
