import Foundation
import GSL
import GaussianMoments

/// The Gaussian closure with the network's own noise law (DESIGN.md,
/// "Gaussian closure", for the parts it shares): the state is taken as
/// Gaussian, h ~ N(m, C), as there, so each pre-activation is μᵢ + sᵢZ with
/// μ = W m + c and sᵢ² = (W C Wᵀ)ᵢᵢ; the noise keeps its law:
///   noise-in : x = μᵢ + sᵢZ + σ_c ξ,  m = E f(x),
///   noise-out: x = μᵢ + sᵢZ,          m = E f(x) + σ_c E ξ,
/// with the moments of f(μ + sZ + σξ) by quadrature over ξ of the Gaussian
/// moments (`NoiseLaw.convolvedMoments`). The covariance solves
/// C = A C Aᵀ + Q with A = (1−γ)I + γ diag(E f′) W (Stein's lemma over the
/// Gaussian part: Cov(f(x), sZ) = s² E f′(x) holds whatever ξ's law) and
/// Qᵢᵢ = γ²(Var f(x) − (E f′)² sᵢ²) [+ γ²σ_c² for noise-out], so the
/// one-step variance of each unit is exact given a Gaussian state.
///
/// The approximations are the Gaussian closure's: h is not Gaussian (here
/// also because the noise is not) and the residuals of different units
/// are taken as uncorrelated. For the Gaussian law it is the Gaussian
/// closure (checked in the tests), solved differently.
///
/// With Gulcehre's gate (noise outside f through φ(x, ξ) = α h + (1−α) u +
/// d σ G ξ): m = E φ̄(x) with φ̄ the expectation unit (their Eq. 13) and x
/// the Gaussian pre-activation, D = E φ̄′(x), and Qᵢᵢ = γ²(Var φ̄(x) − D²sᵢ²
/// + σ_c² E(d G)²(x)), the last term the gated noise's own variance; the
/// averages over x by quadrature against the Gaussian density. At the gate's
/// input site (φ = h(x + σ d G ξ)) the same with μ(x) = E_ξ φ(x, ξ) for φ̄
/// and the noise's own variance E_x Var_ξ φ(x, ξ) for σ_c² E(d G)²
/// (`NoiseGate.inputMoments`).
public struct LawClosure: Sendable {
  /// σ as given (in the network's amplitude convention).
  public var sigma: Double
  public var mean: [Double]
  public var covariance: Matrix
  public var readoutMean: [Double]
  public var readoutVariance: [Double]
  /// Joint (mean, covariance) iterations used.
  public var iterations: Int
}

extension Network {
  /// Solves the law closure at σ from `start` (the law's mean field is a
  /// good one): each iteration takes a Newton step for the mean,
  /// m ← m − (I − D W)⁻¹(m − E f(x)) with D = diag(E f′) (the mean map's
  /// Jacobian at fixed sᵢ), and re-solves the covariance by Smith doubling
  /// at the new moments, until neither moves by more than `tolerance`
  /// relative to its size. Throws `.notContracting` when it has not within
  /// `maxIterations`, or when the linearised map is not stable.
  public func lawClosure(sigma: Double, start: [Double], tolerance: Double = 1e-10, maxIterations: Int = 100) throws -> LawClosure {
    try checkSigma(sigma)
    guard start.count == size else { throw NetworkError.badInput("start has \(start.count) values for N = \(size)") }
    let n = size, g = gamma, sc = chainSigma(sigma), inside = noise == .inside, law = noiseLaw, f = activation
    let evaluator = try MomentEvaluator()
    let integrator = try Integrator(limit: 2000, absoluteTolerance: 1e-13, relativeTolerance: 1e-10)
    integrator.acceptsRoundoff = true
    // The input site's averages over ξ run inside the averages over x: their own integrator.
    let innerIntegrator = try Integrator(limit: 2000, absoluteTolerance: 1e-13, relativeTolerance: 1e-10)
    innerIntegrator.acceptsRoundoff = true
    var m = start
    var c = Matrix(rows: n, columns: n)
    for iteration in 1...maxIterations {
      let wcw = pathVariances(c)
      let u = preactivation(m)
      var mapped = [Double](repeating: 0, count: n), slopes = mapped, variances = mapped, gateNoise = mapped
      for i in 0..<n {
        let s = wcw[i].squareRoot()
        if let gate = noiseGate, gate.site == .input {
          // Gated noise at h's input: the unit's noise averages at each
          // pre-activation (closed forms for normal ξ), averaged over the
          // Gaussian pre-activation; the noise's own variance is
          // E Var_ξ φ = E E_ξφ² − E μ², μ = E_ξ φ.
          let moments = { (x: Double) throws -> GatedUnitMoments in
            try gate.inputMoments(f, x, sigma: sc, law: law, integrator: innerIntegrator)
          }
          let avg = { (h: @escaping (Double) -> Double) throws -> Double in
            try NoiseLaw.gaussian.expectation(h, at: u[i], sigma: s, kinks: f.kinks, integrator: integrator)
          }
          // The closures below cannot throw through `expectation`: a failed
          // inner quadrature is carried out as NaN and reported after.
          var failure: (any Error)?
          let safe = { (x: Double) -> GatedUnitMoments in
            do { return try moments(x) } catch {
              failure = failure ?? error
              return GatedUnitMoments(mean: .nan, secondMoment: .nan, slope: .nan)
            }
          }
          let m1 = try avg { safe($0).mean }
          let mm = try avg { let y = safe($0).mean; return y * y }
          let m2 = try avg { safe($0).secondMoment }
          slopes[i] = try avg { safe($0).slope }
          if let failure { throw failure }
          mapped[i] = m1
          gateNoise[i] = max(0, m2 - mm)
          variances[i] = max(0, mm - m1 * m1) + gateNoise[i]
          continue
        }
        if let gate = noiseGate {
          // Gated noise enters φ outside f: average the expectation unit
          // φ̄ (Eq. 13) and its slope over the Gaussian pre-activation, and
          // add the noise's own variance σ_c² E(d G)² (ξ has variance 1).
          let mean = law.mean, kinks = f.kinks
          let avg = { (h: @escaping (Double) -> Double) throws -> Double in
            try NoiseLaw.gaussian.expectation(h, at: u[i], sigma: s, kinks: kinks, integrator: integrator)
          }
          let m1 = try avg { gate.value(f, $0, sigma: sc, xi: mean) }
          let m2 = try avg { let y = gate.value(f, $0, sigma: sc, xi: mean); return y * y }
          let gate2 = try avg { let d = gate.gate(f, $0); return d * d }
          mapped[i] = m1
          slopes[i] = try avg { gate.slope(f, $0, sigma: sc, xi: mean) }
          variances[i] = max(0, m2 - m1 * m1) + sc * sc * gate2
          gateNoise[i] = sc * sc * gate2
          continue
        }
        let moments = try law.convolvedMoments(
          f, mu: u[i], gaussianSD: s, sigma: inside ? sc : 0, evaluator: evaluator, integrator: integrator)
        mapped[i] = moments.mean + (inside ? 0 : sc * law.mean)
        slopes[i] = moments.meanSlope
        variances[i] = moments.variance
      }
      // Newton step for m = E f(x): the Jacobian of m − E f(W m + c) is I − D W.
      var jacobian = Matrix.identity(n)
      for i in 0..<n { for j in 0..<n { jacobian[i, j] -= slopes[i] * recurrent[i, j] } }
      let step = try LinearSystem.solve(jacobian, (0..<n).map { m[$0] - mapped[$0] })
      let nextMean = (0..<n).map { m[$0] - step[$0] }
      let a = linearisedMap(slopes: slopes)
      var q = Matrix(rows: n, columns: n)
      for i in 0..<n {
        let additive = noiseGate != nil ? 0 : (inside ? 0 : sc * sc)
        q[i, i] = g * g * (max(variances[i] - gateNoise[i] - slopes[i] * slopes[i] * wcw[i], 0) + gateNoise[i] + additive)
      }
      let next = try SteinEquation.solve(a: a, q: q)
      let moved = max(
        zip(nextMean, m).map { abs($0 - $1) }.max() ?? 0,
        zip(next.elements, c.elements).map { abs($0 - $1) }.max() ?? 0)
      let scale = max(1, nextMean.map(abs).max() ?? 0, next.elements.map(abs).max() ?? 0)
      m = nextMean
      c = next
      guard m.allSatisfy(\.isFinite), c.elements.allSatisfy(\.isFinite) else { break }
      if moved <= tolerance * scale {
        return LawClosure(
          sigma: sigma, mean: m, covariance: c, readoutMean: readout(m), readoutVariance: readoutVariance(c), iterations: iteration)
      }
    }
    throw NetworkError.notContracting(
      "the \(law.label) closure at sigma = \(sigma) did not settle within \(maxIterations) iterations")
  }
}
