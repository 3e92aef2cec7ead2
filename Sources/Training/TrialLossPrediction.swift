import CTRNN
import Foundation
import GaussianMoments

extension TrialBatch {
  /// The loss `BPTT.loss` would report on these trials, in expectation over
  /// the noise, predicted by the Gaussian closure run through each trial in
  /// time (`Checkpoint.closureTrajectory`, from h = 0 as trials start) —
  /// no simulation:
  ///   Σ_{t,b,o} w (E z − y)² + Var z) / Σ w,
  /// since E(z − y)² = (E z − y)² + Var z at every step of every trial.
  ///
  /// This compares like with like with a measured test loss: the same
  /// trials, the same loss window, the transient from h = 0 included; what
  /// is left between the two is the closure's approximation and the
  /// measurement's Monte-Carlo error.
  ///
  /// Trials run on up to `threads` threads; each trial's sum is kept apart
  /// and added in trial order, so the result does not depend on `threads`.
  public func predictedLoss(_ checkpoint: Checkpoint, sigma: Double, threads: Int = 1) throws -> Double {
    guard checkpoint.inputSize == inputSize, checkpoint.outputSize == outputSize else {
      throw TrainingError.invalidOption(
        "checkpoint",
        "the network has \(checkpoint.inputSize) input(s) and \(checkpoint.outputSize) output(s); the trials have \(inputSize) and \(outputSize)")
    }
    let total = totalWeight
    guard total > 0 else { return 0 }
    // Each trial's slot is written by one worker and read after the join.
    final class Slots: @unchecked Sendable {
      var sums: [Result<Double, any Error>?]
      init(_ n: Int) { sums = .init(repeating: nil, count: n) }
    }
    let slots = Slots(trials), batch = self
    let workers = max(1, min(threads, trials))
    DispatchQueue.concurrentPerform(iterations: workers) { w in
      // A moment evaluator per worker: its GSL workspaces are not thread-safe.
      let evaluator = Result { try MomentEvaluator() }
      for b in stride(from: w, to: batch.trials, by: workers) {
        slots.sums[b] = Result { try batch.predictedTrialLoss(b, checkpoint, sigma: sigma, evaluator: evaluator.get()) }
      }
    }
    let perTrial = try slots.sums.map { try $0!.get() }
    return perTrial.reduce(0, +) / total
  }

  /// Σ_{t,o} w ((E z − y)² + Var z) over trial b.
  func predictedTrialLoss(_ b: Int, _ checkpoint: Checkpoint, sigma: Double, evaluator: MomentEvaluator) throws -> Double {
    let u = (0..<steps).map { t in (0..<inputSize).map { inputs[inputIndex(step: t, trial: b, $0)] } }
    let path = try checkpoint.closureTrajectory(inputs: u, sigma: sigma, evaluator: evaluator)
    var s = 0.0
    for t in 0..<steps {
      for o in 0..<outputSize {
        let k = outputIndex(step: t, trial: b, o), weight = weights[k]
        if weight == 0 { continue }
        let d = path.readoutMean[t][o] - targets[k]
        s += weight * (d * d + path.readoutVariance[t][o])
      }
    }
    return s
  }
}
