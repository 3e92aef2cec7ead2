import Foundation
import GSL
import GaussianMoments

/// The moment-matched Gaussian closure of a network with Bernoulli dropout
/// (`Network.dropoutChain`): the stationary law taken as h ~ N(m, C), as in
/// `GaussianClosure`, with the mask's moments entering the pre-activation.
///
/// Write κⱼ = pⱼ/(1 − pⱼ), the variance of the inverted mask mⱼ/(1 − pⱼ),
/// and s²ᵢ = (W C Wᵀ)ᵢᵢ [+ σ² noise-in] the variance without dropout.
///
/// **Dropout on the state**, x = W (M h) + c. With ε = (M − I) h (zero
/// mean, uncorrelated with h, Cov ε = S = diag(κⱼ (mⱼ² + Cⱼⱼ)) because the
/// mask is independent of h), x = W h + W ε + c: dropout is pre-activation
/// noise whose covariance W S Wᵀ depends on the state's second moments.
/// The approximation: x is taken as Gaussian with its exact mean and
/// variance, xᵢ ~ N((W m + c)ᵢ, s²ᵢ + (W S Wᵀ)ᵢᵢ) (moment matching; x is
/// really a mixture over the 2ᴺ masks). Then, as in `GaussianClosure`,
///   m = E f(x),  A = (1−γ)I + γ D W,  D = diag(E f′(x)),
///   Q = γ² D (W S Wᵀ) D + γ² diag(Var f(xᵢ) − Dᵢ² ((W C Wᵀ)ᵢᵢ + (W S Wᵀ)ᵢᵢ)) [+ γ²σ² I noise-out],
/// the dropout noise passed through the linearisation with its cross-unit
/// correlations (units share the masked state), and the nonlinear residual
/// on the diagonal so each unit's one-step variance is the moment-matched one.
///
/// **Dropout on f's input**, yᵢ = mᵢ xᵢ/(1 − pᵢ) with x ~ N(a, s²) as in the plain closure. The mask is independent of x,
/// so for Gaussian x the law of y is exact (a two-point mixture) and
///   E f(yᵢ)  = pᵢ f(0) + (1 − pᵢ) E f(xᵢ/(1 − pᵢ)),
///   E f(yᵢ)² = pᵢ f(0)² + (1 − pᵢ) E f²(xᵢ/(1 − pᵢ)),
///   Dᵢ = ∂ E f(yᵢ)/∂aᵢ = E f′(xᵢ/(1 − pᵢ))  (Stein's lemma holds: the mask
///   is independent of x), and Q = γ² diag(Var f(yᵢ) − Dᵢ² (W C Wᵀ)ᵢᵢ) [+ γ²σ²].
/// The approximations are the plain closure's: Gaussian h, and the units'
/// nonlinear residuals uncorrelated (independent masks make that exact for
/// the mask part).
///
/// For a linear f both are exact (the second moments of a linear system
/// with multiplicative noise close): m and C are the chain's stationary
/// mean and covariance (`DropoutClosureTests`). At p = 0 both reduce to
/// `GaussianClosure`. With learned noise each unit's σ² is (σ·`noiseProfile`ᵢ)²
/// and its rate pᵢ its own (`dropoutRates`).
public struct DropoutClosure: Sendable {
  public var site: DropoutSite
  public var sigma: Double
  public var rates: [Double]
  public var mean: [Double]
  public var covariance: Matrix
  public var readoutMean: [Double]
  /// diag(W_out C W_outᵀ).
  public var readoutVariance: [Double]
  /// Spectral radius of the linearised map A.
  public var spectralRadius: Double
  public var iterations: Int
  /// max |ΔC|, |Δm| of the last outer iteration.
  public var change: Double
}

extension Network {
  /// Solves the dropout closure at additive noise σ and this network's
  /// dropout (`dropout`, `dropoutRates`) from `start`: alternately the mean
  /// at fixed pre-activation variances (Newton, then hybridsj) and the
  /// covariance at fixed mean (Stein equation), until m and C change by
  /// less than `tolerance` relative to their size.
  public func dropoutClosure(
    sigma: Double, start: [Double], tolerance: Double = 1e-12, maxIterations: Int = 200
  ) throws -> DropoutClosure {
    try checkSigma(sigma)
    try requireGaussianNoise(for: "the dropout closure")
    guard noiseAmplitude == .gammaSigma else {
      throw NetworkError.invalidParameter(.noiseAmplitude, message: "is \(noiseAmplitude.rawValue): the dropout closure takes the gamma convention")
    }
    guard let site = dropout else { throw NetworkError.invalidParameter(.dropoutRate, message: "needs a network with dropout") }
    try checkDropoutRates(dropoutRates)
    let n = size, g = gamma, inside = noise == .inside, p = dropoutRates
    let kappa = p.map { DropoutSite.maskVariance(rate: $0) }
    // Dropout on f's input evaluates f's moments at x/(1 − p): scale k and
    // the atom at f(0) of weight p. On the state, k = 1 and no atom.
    let k = site == .input ? p.map { 1 / (1 - $0) } : [Double](repeating: 1, count: n)
    let atom = site == .input ? p : [Double](repeating: 0, count: n)
    let f0 = activation(0)
    let evaluator = try MomentEvaluator()
    let w = recurrent
    // Each unit's additive noise variance (σ·profileᵢ)².
    let sigma2 = noiseProfile.map { sigma * sigma * $0 * $0 }

    /// Per-unit pre-activation sd (moment-matched) and the dropout part's
    /// covariance W S Wᵀ (state site; nil on the input site).
    func preactivationSD(_ m: [Double], _ c: Matrix) -> (s: [Double], path: [Double], wsw: Matrix?) {
      let path = pathVariances(c)
      var extra = [Double](repeating: 0, count: n)
      var wsw: Matrix? = nil
      if site == .state {
        let sDiag = (0..<n).map { kappa[$0] * (m[$0] * m[$0] + c[$0, $0]) }
        var ws = w
        for i in 0..<n { for j in 0..<n { ws[i, j] *= sDiag[j] } }
        let product = SteinEquation.multiplyTransposed(ws, w)
        for i in 0..<n { extra[i] = max(product[i, i], 0) }
        wsw = product
      }
      let s = (0..<n).map { (path[$0] + extra[$0] + (inside ? sigma2[$0] : 0)).squareRoot() }
      return (s, path, wsw)
    }

    /// E f(y), D and Var f(y) per unit at pre-activation mean u and sd s.
    func moments(_ u: [Double], _ s: [Double], _ what: MomentSelection) throws -> (mean: [Double], slope: [Double], variance: [Double]) {
      let r = try neuronMoments((0..<n).map { u[$0] * k[$0] }, preactivationSD: (0..<n).map { s[$0] * k[$0] }, evaluator: evaluator, what)
      var mean: [Double] = [], variance: [Double] = []
      if what.contains(.mean) || what.contains(.variance) {
        mean = (0..<n).map { atom[$0] * f0 + (1 - atom[$0]) * r.mean[$0] }
      }
      if what.contains(.variance) {
        variance = (0..<n).map { i in
          let second = atom[i] * f0 * f0 + (1 - atom[i]) * (r.variance[i] + r.mean[i] * r.mean[i])
          return max(second - mean[i] * mean[i], 0)
        }
      }
      // ∂/∂u of (1 − q) E f(k u + k s ξ) is (1 − q) k E f′: 1·E f′ on both sites.
      let slope = what.contains(.meanSlope) ? (0..<n).map { (1 - atom[$0]) * k[$0] * r.meanSlope[$0] } : []
      return (mean, slope, variance)
    }

    func solveMean(_ s: [Double], from start: [Double]) throws -> [Double] {
      let solver = try MultirootSolver(dimension: n, maxIterations: 200, residualTolerance: 1e-12)
      let residual = { (h: [Double]) throws -> [Double] in
        let mom = try moments(self.preactivation(h), s, .mean)
        return zip(mom.mean, h).map { $0 - $1 }
      }
      let jacobian = { (h: [Double]) throws -> Matrix in
        self.averagedJacobian(h, slopes: try moments(self.preactivation(h), s, .meanSlope).slope)
      }
      if let r = try solver.newton(start: start, residual: residual, jacobian: jacobian) { return r.x }
      let outcome = try solver.find(start: start, residual: residual, jacobian: jacobian, context: "dropout closure mean")
      let r = outcome.iterate
      guard case .converged = outcome, r.residualNorm <= 1e-9 else {
        throw NetworkError.notContracting("the dropout closure's mean equation did not converge (residual \(r.residualNorm))")
      }
      return r.x
    }

    var m = start
    var c = Matrix(rows: n, columns: n)
    var a = Matrix.identity(n)
    var change = Double.infinity, iterations = 0
    while iterations < maxIterations {
      iterations += 1
      let before = preactivationSD(m, c)
      let nextMean = try solveMean(before.s, from: m)
      // The variances at the new mean (the state site's S uses m²).
      let (s, path, wsw) = preactivationSD(nextMean, c)
      let mom = try moments(preactivation(nextMean), s, [.meanSlope, .variance, .mean])
      let d = mom.slope
      a = linearisedMap(slopes: d)
      var q = Matrix(rows: n, columns: n)
      if let wsw {
        for i in 0..<n { for j in 0..<n { q[i, j] = g * g * d[i] * wsw[i, j] * d[j] } }
      }
      for i in 0..<n {
        let explained = d[i] * d[i] * (path[i] + (wsw.map { max($0[i, i], 0) } ?? 0))
        q[i, i] += g * g * (max(mom.variance[i] - explained, 0) + (inside ? 0 : sigma2[i]))
      }
      let next = try SteinEquation.solve(a: a, q: q)
      let dc = zip(next.elements, c.elements).map { abs($0 - $1) }.max() ?? 0
      let dm = zip(nextMean, m).map { abs($0 - $1) }.max() ?? 0
      change = max(dc, dm)
      let magnitude = max(next.elements.map(abs).max() ?? 0, nextMean.map(abs).max() ?? 0)
      c = next
      m = nextMean
      if change <= tolerance * max(magnitude, 1e-300) || magnitude == 0 { break }
    }
    let radius = try NonsymmetricEigen.eigenvalues(a).first?.magnitude ?? 0
    return DropoutClosure(
      site: site, sigma: sigma, rates: p, mean: m, covariance: c, readoutMean: readout(m), readoutVariance: readoutVariance(c),
      spectralRadius: radius, iterations: iterations, change: change)
  }
}
