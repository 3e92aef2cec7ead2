/// B trials of T steps each, time-major and row-major, as BPTT consumes them:
/// step t's inputs are `inputs[(t*B + b)*I + i]`, its targets and loss
/// weights `targets/weights[(t*B + b)*O + o]`. The readout after step t
/// (z = W_out h_{t+1} + b_out) is compared with `targets` at step t wherever
/// the weight is non-zero; the loss is Σ w (z − y)² / Σ w.
public struct TrialBatch: Sendable {
  public let steps: Int
  public let trials: Int
  public let inputSize: Int
  public let outputSize: Int
  public var inputs: [Double]
  public var targets: [Double]
  public var weights: [Double]

  public init(steps: Int, trials: Int, inputSize: Int, outputSize: Int) {
    precondition(steps > 0 && trials > 0 && inputSize >= 0 && outputSize > 0)
    self.steps = steps
    self.trials = trials
    self.inputSize = inputSize
    self.outputSize = outputSize
    inputs = [Double](repeating: 0, count: steps * trials * inputSize)
    targets = [Double](repeating: 0, count: steps * trials * outputSize)
    weights = [Double](repeating: 0, count: steps * trials * outputSize)
  }

  @inline(__always) public func inputIndex(step t: Int, trial b: Int, _ i: Int) -> Int { (t * trials + b) * inputSize + i }
  @inline(__always) public func outputIndex(step t: Int, trial b: Int, _ o: Int) -> Int { (t * trials + b) * outputSize + o }

  /// Σ weights: the loss normaliser.
  public var totalWeight: Double { weights.reduce(0, +) }

  /// Steady-state trials with one scalar input each, held for every step
  /// from h = 0; the readout must equal `target(u)` over the second half of
  /// the trial (steps ≥ steps/2), the window `function` and `regulator` share.
  public static func constantInput(steps: Int, inputs u: [Double], target: (Double) -> Double) -> TrialBatch {
    var batch = TrialBatch(steps: steps, trials: u.count, inputSize: 1, outputSize: 1)
    for t in 0..<steps {
      for b in u.indices {
        batch.inputs[batch.inputIndex(step: t, trial: b, 0)] = u[b]
        if t >= steps / 2 {
          batch.targets[batch.outputIndex(step: t, trial: b, 0)] = target(u[b])
          batch.weights[batch.outputIndex(step: t, trial: b, 0)] = 1
        }
      }
    }
    return batch
  }
}
