import Foundation
import GSL
import GaussianMoments

/// The Gaussian closure run forward in time instead of solved for its
/// stationary point: the law of h_t, taken Gaussian N(m_t, C_t), pushed
/// through one step of the chain at a time, from a known start (h_0 fixed,
/// C_0 = 0) under an input that may change from step to step.
///
/// One step uses exactly the stationary closure's approximations
/// (`GaussianClosure`): with μ = W m + c and s² = (W C Wᵀ)ᵢᵢ [+ σ² noise-in],
///   m' = (1−γ) m + γ E f(x),
///   C' = A C Aᵀ + Q,  A = (1−γ)I + γ diag(E f′) W,
///   Qᵢᵢ = γ² (Var f(xᵢ) − (E f′ᵢ)² (W C Wᵀ)ᵢᵢ) [+ γ²σ² noise-out],
/// so a constant input run long enough converges to the stationary closure.
///
/// Why it exists: a task's test loss is measured over a window of finite
/// trials that start at h = 0 (the loss window of `function`/`regulator` is
/// the second half of 100 steps). What the stationary closure predicts is
/// the loss after the start is forgotten; this predicts the loss of the
/// same trials the measurement runs, step by step, with no simulation.
public struct ClosureTrajectory: Sendable {
  /// Readout mean and variance after each step: `readoutMean[t][o]` is
  /// E z_o after step t (z = W_out h_{t+1} + b_out), as a trial's readout
  /// at step t is compared with its target.
  public var readoutMean: [[Double]]
  public var readoutVariance: [[Double]]
  /// The state's mean and covariance after the last step.
  public var finalMean: [Double]
  public var finalCovariance: Matrix
}

extension Checkpoint {
  /// Runs the closure through `inputs.count` steps at noise σ (`inputs[t]`
  /// is the input during step t), from the fixed state `start` (default
  /// h = 0, as trials start).
  public func closureTrajectory(
    inputs: [[Double]], sigma: Double, start: [Double]? = nil, evaluator: MomentEvaluator
  ) throws -> ClosureTrajectory {
    guard let first = inputs.first else { throw NetworkError.badInput("the closure trajectory needs at least one step") }
    try requireClosureNoise()
    var network = try Network(checkpoint: self, input: first)
    try network.checkSigma(sigma)
    let n = hiddenSize, g = network.gamma, inside = noise == .inside
    var m = start ?? [Double](repeating: 0, count: n)
    guard m.count == n, m.allSatisfy(\.isFinite) else {
      throw NetworkError.badInput("the start state needs \(n) finite value(s), got \(m.count)")
    }
    var c = Matrix(rows: n, columns: n)
    var means: [[Double]] = [], variances: [[Double]] = []
    means.reserveCapacity(inputs.count)
    variances.reserveCapacity(inputs.count)
    let w = recurrent
    // At σ = 0 the law stays a point mass: C = 0 at every step (Q = 0), so
    // only the mean is propagated.
    let covariance = sigma > 0
    var wc = Matrix(rows: n, columns: n), ac = Matrix(rows: n, columns: n), acw = Matrix(rows: n, columns: n)
    var wcw = [Double](repeating: 0, count: n)
    for u in inputs {
      // Trials hold an input for many steps: rebuild the drive only when it changes.
      if u != network.input { network = try Network(checkpoint: self, input: u) }
      if covariance {
        // diag(W C Wᵀ) from one product W C.
        Self.multiply(w, c, into: &wc, transposeB: false)
        for i in 0..<n {
          var s = 0.0
          for k in 0..<n { s += wc[i, k] * w[i, k] }
          wcw[i] = max(s, 0)
        }
      }
      let s = wcw.map { ((inside ? sigma * sigma : 0) + $0).squareRoot() }
      let moments = try network.neuronMoments(
        network.preactivation(m), preactivationSD: s, evaluator: evaluator, covariance ? .closure : .mean)
      for i in 0..<n { m[i] = (1 - g) * m[i] + g * moments.mean[i] }
      if covariance {
        // A C Aᵀ with A = (1−γ)I + γ D W, reusing W C: A C = (1−γ)C + γ D (W C),
        // then (A C) Aᵀ = (1−γ)(A C) + γ ((A C) Wᵀ) D — two products a step.
        for i in 0..<n {
          let d = g * moments.meanSlope[i]
          for k in 0..<n { ac[i, k] = (1 - g) * c[i, k] + d * wc[i, k] }
        }
        Self.multiply(ac, w, into: &acw, transposeB: true)
        for i in 0..<n {
          for j in 0..<n { c[i, j] = (1 - g) * ac[i, j] + g * acw[i, j] * moments.meanSlope[j] }
        }
        for i in 0..<n {
          let residual = max(moments.variance[i] - moments.meanSlope[i] * moments.meanSlope[i] * wcw[i], 0)
          c[i, i] += g * g * (residual + (inside ? 0 : sigma * sigma))
        }
        c = SteinEquation.symmetrised(c)
      }
      means.append(network.readout(m))
      variances.append(covariance ? network.readoutVariance(c) : [Double](repeating: 0, count: outputSize))
    }
    return ClosureTrajectory(readoutMean: means, readoutVariance: variances, finalMean: m, finalCovariance: c)
  }

  /// out = A B (or A Bᵀ), square N×N, by BLAS dgemm into a reused matrix.
  static func multiply(_ a: Matrix, _ b: Matrix, into out: inout Matrix, transposeB: Bool) {
    let n = a.rows
    a.elements.withUnsafeBufferPointer { ap in
      b.elements.withUnsafeBufferPointer { bp in
        out.elements.withUnsafeMutableBufferPointer { cp in
          BLAS.gemm(ap.baseAddress!, transposeA: false, bp.baseAddress!, transposeB: transposeB, into: cp.baseAddress!, m: n, n: n, k: n)
        }
      }
    }
  }
}
