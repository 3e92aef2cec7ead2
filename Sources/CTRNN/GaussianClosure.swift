import Foundation
import GSL
import GaussianMoments

/// The Gaussian-closure stationary law h ~ N(m, C) of the noisy network
/// (DESIGN.md, "Gaussian closure").
///
/// With h ~ N(m, C) the pre-activation of neuron i is Gaussian with mean
/// μᵢ = (W m + c)ᵢ and variance sᵢ² = (W C Wᵀ)ᵢᵢ (+ σ² for noise-in). Then
///   m = E f(x)                                   (the stationary mean),
///   C = A C Aᵀ + Q,  A = (1−γ)I + γ D W,  D = diag(E f′(xᵢ)),
/// where A is the statistical linearisation (Stein's lemma: Cov(f(x), x) =
/// D Cov(x)) and Q collects what the linear part does not explain:
///   Qᵢᵢ = γ² (Var f(xᵢ) − Dᵢ² (W C Wᵀ)ᵢᵢ)  [+ γ²σ² for noise-out],
/// which is γ²Dᵢ²σ² plus the nonlinear residual for noise-in (so the
/// one-step variance of each neuron is exact under the Gaussian law). The
/// residuals of different neurons are taken as uncorrelated: the closure's
/// approximation, with the non-Gaussianity of h.
///
/// For a linear f and noise-out every step is exact: m is the fixed point
/// and C the exact stationary covariance.
public struct GaussianClosure: Sendable {
  public var sigma: Double
  public var mean: [Double]
  public var covariance: Matrix
  public var readoutMean: [Double]
  /// diag(W_out C W_outᵀ): the readout's stationary variance under the closure.
  public var readoutVariance: [Double]
  /// Spectral radius of the linearised map A.
  public var spectralRadius: Double
  /// Outer (mean ↔ covariance) iterations used.
  public var iterations: Int
  /// max |ΔC| of the last outer iteration: how well m and C agree.
  public var change: Double
  /// max |C − A C Aᵀ − Q|, the Stein residual of the final C.
  public var steinResidual: Double
}

extension Network {
  /// Solves the closure at noise σ from `start` (e.g. the mean-field point):
  /// alternately the mean at fixed pre-activation variances (hybridsj) and
  /// the covariance at fixed mean (Smith doubling), until C changes by less
  /// than `tolerance` relative to its size. C enters the mean only through
  /// sᵢ² — a correction of relative size γ — so this converges in a few
  /// steps; it also stops once the observed linear contraction puts C within
  /// `tolerance` of the fixed point (see the loop).
  ///
  /// `initialCovariance` (nil: 0) is where the outer iteration starts: the
  /// closure at a neighbouring σ, scaled, saves outer iterations (each a
  /// Stein solve, O(N³)) and ends within `tolerance` of the same C.
  /// `threads` runs the N×N products in parallel (same bits on any number).
  public func gaussianClosure(
    sigma: Double, start: [Double], initialCovariance: Matrix? = nil, tolerance: Double = 1e-12, maxIterations: Int = 100,
    threads: Int = 1
  ) throws -> GaussianClosure {
    let iterate = try closureIterate(
      sigma: sigma, start: start, initialCovariance: initialCovariance, tolerance: tolerance, maxIterations: maxIterations,
      threads: threads)
    return iterate.closure(spectralRadius: try iterate.spectralRadius(), steinResidual: iterate.steinResidual(threads: threads))
  }

  /// The outer iteration of `gaussianClosure`, without the two diagnostics
  /// of its result (the spectral radius of A, the Stein residual): nothing
  /// later in the iteration needs them, so `closures(levels:threads:)`
  /// computes them on another thread while the next σ iterates.
  func closureIterate(
    sigma: Double, start: [Double], initialCovariance: Matrix?, tolerance: Double, maxIterations: Int, threads: Int
  ) throws -> ClosureIterate {
    try checkSigma(sigma)
    let n = size, g = gamma, inside = noise == .inside
    let evaluator = try MomentEvaluator()
    var m = start
    var c = Matrix(rows: n, columns: n)
    if let c0 = initialCovariance, c0.rows == n, c0.columns == n, c0.elements.allSatisfy(\.isFinite) { c = c0 }
    var change = Double.infinity, magnitude = 0.0, iterations = 0
    var previousChange = Double.infinity, recentRates: [Double] = []
    var a = Matrix.identity(n), q = Matrix(rows: n, columns: n)
    while iterations < maxIterations {
      iterations += 1
      let wcw = pathVariances(c, threads: threads)
      let s = wcw.map { ((inside ? sigma * sigma : 0) + $0).squareRoot() }
      m = try solveAveraged(preactivationSD: s, start: m, evaluator: evaluator)
      let moments = try neuronMoments(preactivation(m), preactivationSD: s, evaluator: evaluator, [.meanSlope, .variance])
      a = linearisedMap(slopes: moments.meanSlope)
      q = Matrix(rows: n, columns: n)
      for i in 0..<n {
        let residual = max(moments.variance[i] - moments.meanSlope[i] * moments.meanSlope[i] * wcw[i], 0)
        q[i, i] = g * g * (residual + (inside ? 0 : sigma * sigma))
      }
      let next = try SteinEquation.solve(a: a, q: q, threads: threads)
      // max |ΔC| and max |C| in one pass, without the two N² temporaries of
      // map/max; each maximum by Sequence.max()'s own comparison (keep the
      // first unless a later element is greater), so the same values.
      (change, magnitude) = Self.changeAndMagnitude(next.elements, c.elements)
      c = next
      if change <= tolerance * max(magnitude, 1e-300) || magnitude == 0 { break }
      // The outer iteration contracts linearly (measured: by ~1e-3 per
      // step on random relu networks of 64–512 units). With the last two
      // observed rates r below 0.1, the distance of C from the fixed point
      // is about the geometric tail change·r/(1 − r): once that is below
      // the tolerance, the step that would only confirm it is skipped (one
      // Stein solve of the ~5 per σ). The closure then differs from the
      // one that step would give by ≈ change·r, within the tolerance.
      if previousChange.isFinite, previousChange > 0 { recentRates = Array((recentRates + [change / previousChange]).suffix(2)) }
      previousChange = change
      if recentRates.count == 2, let r = recentRates.max(), r < 0.1, change * r / (1 - r) <= tolerance * magnitude { break }
    }
    return ClosureIterate(
      network: self, sigma: sigma, mean: m, covariance: c, map: a, noise: q, iterations: iterations, change: change)
  }

  /// (max |xᵢ − yᵢ|, max |xᵢ|) for x, y of one length, each as
  /// `Sequence.max()` over the mapped values returns it (0 when empty).
  static func changeAndMagnitude(_ x: [Double], _ y: [Double]) -> (change: Double, magnitude: Double) {
    precondition(x.count == y.count, "changeAndMagnitude: lengths differ")
    guard !x.isEmpty else { return (0, 0) }
    return x.withUnsafeBufferPointer { xp in
      y.withUnsafeBufferPointer { yp in
        var change = abs(xp[0] - yp[0]), magnitude = abs(xp[0])
        for i in 1..<xp.count {
          let d = abs(xp[i] - yp[i]), v = abs(xp[i])
          if change < d { change = d }
          if magnitude < v { magnitude = v }
        }
        return (change, magnitude)
      }
    }
  }

  /// (W C Wᵀ)ᵢᵢ: the variance the state's fluctuations add to each
  /// pre-activation: W C by one dgemm, then each row of it against W's row.
  func pathVariances(_ c: Matrix, threads: Int = 1) -> [Double] {
    let n = size
    let wc = SteinEquation.multiply(recurrent, c, threads: threads)
    return recurrent.elements.withUnsafeBufferPointer { w in
      wc.elements.withUnsafeBufferPointer { p in
        (0..<n).map { i in
          var s = 0.0
          for k in 0..<n { s += p[i * n + k] * w[i * n + k] }
          return max(s, 0)
        }
      }
    }
  }
}

/// A converged closure iteration before its diagnostics: m, C and the
/// final A and Q (which the spectral radius and the Stein residual need).
struct ClosureIterate: Sendable {
  let network: Network
  let sigma: Double
  let mean: [Double]
  let covariance: Matrix
  let map: Matrix
  let noise: Matrix
  let iterations: Int
  let change: Double

  /// max |λ(A)|: one dense nonsymmetric eigenvalue problem, serial (dgeev).
  func spectralRadius() throws -> Double { try NonsymmetricEigen.eigenvalues(map).first?.magnitude ?? 0 }

  /// max |C − A C Aᵀ − Q|; `threads` as in `SteinEquation.residual`.
  func steinResidual(threads: Int = 1) -> Double { SteinEquation.residual(c: covariance, a: map, q: noise, threads: threads) }

  func closure(spectralRadius: Double, steinResidual: Double) -> GaussianClosure {
    GaussianClosure(
      sigma: sigma, mean: mean, covariance: covariance, readoutMean: network.readout(mean),
      readoutVariance: network.readoutVariance(covariance), spectralRadius: spectralRadius, iterations: iterations,
      change: change, steinResidual: steinResidual)
  }
}
