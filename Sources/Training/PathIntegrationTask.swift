import Foundation
import GSL

/// Path integration in the plane: the input is a 2-D velocity, the readout
/// must report the 2-D position, starting from 0 — an integrator, i.e. a
/// plane of (stochastic) fixed points when the velocity is 0.
///
/// Velocity: each coordinate an independent stationary AR(1) process, the
/// exact discretisation of an Ornstein–Uhlenbeck process with correlation
/// time τ_v = 1 and standard deviation s = 0.25 sampled every dt = 0.1:
///   v_0 ~ N(0, s²),  v_t = ρ v_{t−1} + s √(1−ρ²) ε_t,  ρ = exp(−dt/τ_v),
/// so it is smooth over ~10 steps. dt = 0.1 is the default `Dynamics.dt`, so
/// one step of the task is one step of the network.
///
/// Target (the convention): the position after step t is the left-closed
/// running sum including the current step's velocity,
///   y_t = dt · Σ_{k=0}^{t} v_k,
/// because the readout compared with y_t (z = W_out h_{t+1} + b_out) is the
/// first one that has seen u_t = v_t. Over 100 steps (10 time units, 10 τ_v)
/// the position's standard deviation grows to ≈ 1.06 (variance
/// 2s²τ_v(T − τ_v(1 − e^{−T/τ_v})) ≈ 1.12 at T = 10), so positions stay O(1).
///
/// Loss on every step t ≥ steps/10 (10 of 100 by default): the first τ/dt
/// steps at the default τ = 1 are left to the network to leave h = 0 for the
/// state that codes position 0 (for relu, units must first become active),
/// while the target is still near 0 there.
///
/// Draws: at each step, for each trial, coordinate 0 then 1 (one Gaussian
/// per velocity value, step 0's from the stationary law).
public struct PathIntegrationTask: TrainingTask {
  public static let defaultSteps = 100
  /// Time per step, in the units of the velocity.
  public static let dt = 0.1
  /// Stationary standard deviation of each velocity coordinate.
  public static let velocityScale = 0.25
  /// Correlation time of the velocity (OU), in time units.
  public static let correlationTime = 1.0
  /// AR(1) coefficient per step, exp(−dt/τ_v).
  public static var persistence: Double { exp(-dt / correlationTime) }

  public let steps: Int
  public var name: String { "path-integration" }
  public var inputSize: Int { 2 }
  public var outputSize: Int { 2 }
  /// First step that counts in the loss.
  public var settlingSteps: Int { steps / 10 }
  public var summary: String {
    "2-D OU velocity (sd \(Self.velocityScale), corr. time \(Self.correlationTime)) for \(steps) steps; readout -> position dt*sum(v), from step \(settlingSteps)"
  }

  public init(steps: Int = PathIntegrationTask.defaultSteps) {
    precondition(steps >= 2)
    self.steps = steps
  }

  public func batch(trials: Int, rng: GSLRandom) -> TrialBatch {
    var batch = TrialBatch(steps: steps, trials: trials, inputSize: 2, outputSize: 2)
    let rho = Self.persistence, s = Self.velocityScale, innovation = s * (1 - rho * rho).squareRoot()
    var velocity = [Double](repeating: 0, count: trials * 2)
    var position = [Double](repeating: 0, count: trials * 2)
    let start = settlingSteps
    for t in 0..<steps {
      for b in 0..<trials {
        for c in 0..<2 {
          let k = b * 2 + c
          velocity[k] = t == 0 ? s * rng.gaussian() : rho * velocity[k] + innovation * rng.gaussian()
          position[k] += Self.dt * velocity[k]
          batch.inputs[batch.inputIndex(step: t, trial: b, c)] = velocity[k]
          batch.targets[batch.outputIndex(step: t, trial: b, c)] = position[k]
          if t >= start { batch.weights[batch.outputIndex(step: t, trial: b, c)] = 1 }
        }
      }
    }
    return batch
  }
}
