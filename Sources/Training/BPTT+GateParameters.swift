import CTRNN
import Foundation
import GSL
import GaussianMoments

/// The gradient in the gate's p (Gulcehre et al. 2016, Eq. 9: "a free
/// scalar parameter p is learned"), for `train --learn-gate` (NANIL at the
/// input site, learned p for NAN/NAH at the output). p enters every unit's
/// φ(x, ξ) only through the gate G = 4(g(pΔ) − ½)², so with ξ held
///   ∂L/∂p = Σ_{t,trial,i} ∂L/∂φ_{t,i} · ∂φ/∂p(x_{t,i}, ξ_{t,i}),
/// ∂L/∂φ_t = γ ∂L/∂h_{t+1} from the backward pass (BPTT.swift writes it in
/// its noise-gradient slot for gated noise), ∂φ/∂p from `NoiseGate.pSlope`.
extension BPTT {
  /// Loss, weight gradient and ∂L/∂p for gated `dynamics` (float64), noise
  /// ξ (T×B×N unit-SD variates of the law) held fixed.
  public static func lossAndGateGradient(
    _ p: Parameters, _ batch: TrialBatch, noise: [Double], dynamics d: Dynamics
  ) -> (loss: Double, gradient: Parameters, gateP: Double) {
    guard let gate = d.gate else { preconditionFailure("lossAndGateGradient needs gated dynamics") }
    let pass = Pass<Double>(p, batch, noise: noise, dynamics: d)
    let r = pass.backward(inputGradients: true)
    let f = d.activation, sigma = d.sigma
    var dp = 0.0
    // In (step, trial, unit) order, so the sum is the same on every run.
    for k in r.noise.indices where r.noise[k] != 0 {
      dp += r.noise[k] * gate.pSlope(f, pass.preactivations[k], sigma: sigma, xi: noise[k])
    }
    return (pass.loss, r.gradient, dp)
  }
}

/// `train --learn-gate`: mini-batch BPTT with Adam over the weights and the
/// gate's p together (one gradient-norm clip over both; the cosine
/// learning-rate schedule and --sigma-schedule as `TrainingLoop`), then the
/// loss on the evaluation batch at the learned p. Seeded as `TrainingLoop`:
/// weights at seed, data at seed + 1, iteration k's noise from Philox stream
/// k of seed + 2 (the law's variates). No prior pulls p: as in the paper,
/// the task alone sets it, and it may shrink the noise.
public enum GateTrainer {
  public struct Result: Sendable {
    public var parameters: Parameters
    /// The gate with the learned p (|p|: G depends on p only through
    /// (g(pΔ) − ½)², even in p, so ±p are one gate).
    public var gate: NoiseGate
    public var finalLoss: Double
  }

  public static func train(
    task: any TrainingTask, options o: TrainingOptions, progress: (TrainingProgress) -> Void = { _ in }
  ) throws -> Result {
    try o.validate()
    guard var gate = o.dynamics.gate else { throw TrainingError.invalidOption("--learn-gate", "needs --noise gated") }
    guard o.dynamics.sigma > 0 else { throw TrainingError.invalidOption("--learn-gate", "needs --sigma > 0 (p only scales the noise)") }
    guard o.precision == .f64 else { throw TrainingError.invalidOption("--learn-gate", "trains in f64 only") }
    Trainer.keepFreedMemory()
    var parameters = try Parameters.initial(hidden: o.hidden, inputs: task.inputSize, outputs: task.outputSize, seed: o.seed)
    let data = try GSLRandom(seed: UInt(truncatingIfNeeded: o.seed &+ 1))
    var x = parameters.flat + [gate.p]
    let split = parameters.count
    var adam = Adam(count: x.count, learningRate: o.learningRate)
    for k in 0..<o.iterations {
      let batch = task.batch(trials: o.batchSize, rng: data)
      let xi = Trainer.noise(count: batch.steps * batch.trials * o.hidden, seed: o.seed &+ 2, stream: UInt64(k), law: o.dynamics.law)
      var d = o.dynamics
      d.gate = gate
      if o.sigmaSchedule != .constant { d.sigma *= o.sigmaSchedule.factor(iteration: k, of: o.iterations) }
      let r = BPTT.lossAndGateGradient(parameters, batch, noise: xi, dynamics: d)
      guard r.loss.isFinite, r.gateP.isFinite else { throw TrainingError.diverged("loss is \(r.loss) at iteration \(k + 1)") }
      var g = r.gradient.flat + [r.gateP]
      let norm = clipGradientNorm(&g, maxNorm: o.clipNorm)
      let fraction = Double(k) / Double(max(1, o.iterations - 1))
      let schedule = o.finalLearningRateFraction + (1 - o.finalLearningRateFraction) * 0.5 * (1 + cos(Double.pi * fraction))
      adam.step(&x, gradient: g, learningRate: o.learningRate * schedule)
      parameters = Parameters(flat: Array(x[0..<split]), like: parameters)
      gate.p = x[split]
      if (k + 1) % max(1, o.iterations / 200) == 0 || k + 1 == o.iterations {
        progress(TrainingProgress(iteration: k + 1, iterations: o.iterations, loss: r.loss, gradientNorm: norm))
      }
    }
    gate.p = abs(gate.p)
    guard gate.p > 0, gate.p.isFinite else {
      throw TrainingError.diverged("the learned gate p is \(gate.p): the gate switched the noise off entirely")
    }
    var d = o.dynamics
    d.gate = gate
    let finalLoss = try Trainer.evaluate(parameters, task: task, dynamics: d, trials: o.evaluationTrials, seed: o.seed &+ 3).loss
    return Result(parameters: parameters, gate: gate, finalLoss: finalLoss)
  }
}
