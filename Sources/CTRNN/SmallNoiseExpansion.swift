import Foundation
import GSL
import GaussianMoments

/// The first correction of the stationary mean in the noise level, at a
/// deterministic fixed point h* = f(W h* + c) with pre-activation μ* = W h* + c.
///
/// Linearised chain at h*: δh' = A δh + η with A = (1−γ)I + γ D W,
/// D = diag f′(μ*), Cov η = Q = γ²σ² D² (noise-in: the noise passes through
/// f′) or γ²σ² I (noise-out); its stationary covariance C solves the Stein
/// equation C = A C Aᵀ + Q, so C = O(σ²). Each pre-activation then has
/// variance sᵢ² = σ² + (W C Wᵀ)ᵢᵢ (noise-in) or (W C Wᵀ)ᵢᵢ (noise-out).
///
/// Writing m = h* + δ and expanding m = E f(W m + c + noise) to first order
/// in δ gives (I − D W) δ = β with the per-unit source β:
/// - **smooth** (`Order.sigmaSquared`): βᵢ = ½ f″(μᵢ*) sᵢ², the second-order
///   Taylor term. The neglected terms are O(s⁴) (the f⁗ term, δ² feedback,
///   the O(σ²) change of C along the branch), so the expansion's error
///   against the closure is O(σ⁴) while the shift is O(σ²).
/// - **at a kink** (`Order.sigma`, relu/hardtanh units with |μᵢ* − kink|/sᵢ
///   < `kinkThreshold`): βᵢ = E f(μᵢ* + sᵢξ) − f(μᵢ*), the exact Gaussian bias
///   (Bricken 2023 Eq. 21 for relu), which is sᵢ/√(2π) = O(σ) at μ* = 0; and
///   the unit's slope in (I − D W) is the averaged one, E f′ = Φ(μ*/s),
///   because f′ jumps there. A kinked unit farther than `kinkThreshold` sd
///   from its kink has f″ = 0 and gets βᵢ = 0 (its true bias is below
///   s·φ(3) ≈ 0.004 s, exponentially small in (μ/s)²).
///   The kink term is exact at leading order when a kink unit does not feel
///   its own shift back through W. When it does, the closure is homogeneous
///   of degree 1 in σ about h* and the kink unit's μ moves by O(σ) = O(s),
///   so linearising E f in μ there is only an approximation of the O(σ)
///   coefficient: the error is then O(σ) too, smaller by how weak the loop is.
public struct SmallNoiseExpansion: Sendable {
  /// The order in σ of a unit's source term.
  public enum Order: String, Sendable, Codable {
    case sigmaSquared = "sigma^2"
    case sigma
  }

  /// A kinked unit is "at the kink" when its distance to the nearest kink is
  /// below this many pre-activation sd: there E f − f(μ) ≥ s·(φ(3) − 3Φ(−3))
  /// is no longer negligible next to O(σ²) terms. Documented in the report.
  public static let kinkThreshold = 3.0

  public var sigma: Double
  /// h*, the deterministic fixed point expanded about.
  public var fixedPoint: [Double]
  /// μ* = W h* + c.
  public var preactivation: [Double]
  /// sᵢ from the linearised chain's stationary covariance.
  public var preactivationSD: [Double]
  public var order: [Order]
  /// βᵢ.
  public var source: [Double]
  /// δ = (I − D W)⁻¹ β.
  public var shift: [Double]
  /// h* + δ.
  public var mean: [Double]
  /// W_out (h* + δ) + b_out.
  public var readoutMean: [Double]
  /// W_out δ.
  public var readoutShift: [Double]
}

extension Activation {
  /// f″ away from kinks (0 for relu/hardtanh there, where the kink term takes over).
  public func secondDerivative(_ x: Double) -> Double {
    switch self {
    case .linear, .relu, .hardtanh, .hardsigmoid: return 0
    case .softplus:
      let p = Activation.sigmoid.callAsFunction(x)
      return p * (1 - p)
    case .tanh:
      let t = Foundation.tanh(x)
      return -2 * t * (1 - t * t)
    case .sigmoid:
      let p = callAsFunction(x)
      return p * (1 - p) * (1 - 2 * p)
    case .erf: return -2 * x * Normal.pdf(x)
    }
  }

  /// Distance from x to f's nearest kink (∞ for smooth f).
  public func distanceToKink(_ x: Double) -> Double {
    kinks.map { abs(x - $0) }.min() ?? .infinity
  }
}

extension Network {
  /// The small-noise expansion at σ about the fixed point `h` (e.g. the
  /// analysis's reference point).
  public func smallNoiseExpansion(sigma: Double, at h: [Double]) throws -> SmallNoiseExpansion {
    try checkSigma(sigma)
    return try smallNoiseExpansion(sigma: sigma, at: h, unitPathVariances: sigma == 0 ? nil : smallNoisePathVariances(at: h))
  }

  /// diag(W C₁ Wᵀ) for the linearised chain at h with σ = 1. A and Q/σ² do
  /// not depend on σ, so C = σ² C₁ at every σ: one Stein solve (O(N³))
  /// serves every σ of an analysis instead of one per σ.
  func smallNoisePathVariances(at h: [Double], threads: Int = 1) throws -> [Double] {
    let n = size, g = gamma, inside = noise == .inside
    let slopes = preactivation(h).map(activation.derivative)
    var q = Matrix(rows: n, columns: n)
    for i in 0..<n { q[i, i] = g * g * (inside ? slopes[i] * slopes[i] : 1) }
    return pathVariances(try SteinEquation.solve(a: linearisedMap(slopes: slopes), q: q, threads: threads), threads: threads)
  }

  /// The expansion at σ given diag(W C₁ Wᵀ) at σ = 1 (`smallNoisePathVariances`;
  /// nil: none, at σ = 0).
  func smallNoiseExpansion(sigma: Double, at h: [Double], unitPathVariances unit: [Double]?) throws -> SmallNoiseExpansion {
    let n = size, inside = noise == .inside
    let mu = preactivation(h)
    let slopes = mu.map(activation.derivative)
    let wcw = unit.map { $0.map { sigma * sigma * $0 } } ?? [Double](repeating: 0, count: n)
    let s = wcw.map { ((inside ? sigma * sigma : 0) + $0).squareRoot() }
    let evaluator = try MomentEvaluator()
    var order = [SmallNoiseExpansion.Order](repeating: .sigmaSquared, count: n)
    var source = [Double](repeating: 0, count: n)
    var d = slopes
    for i in 0..<n {
      if s[i] > 0, activation.distanceToKink(mu[i]) < SmallNoiseExpansion.kinkThreshold * s[i] {
        let m = try evaluator.moments(activation, mu: mu[i], sigma: s[i])
        order[i] = .sigma
        source[i] = m.bias
        d[i] = m.meanSlope
      } else {
        source[i] = 0.5 * activation.secondDerivative(mu[i]) * s[i] * s[i]
      }
    }
    // (I − D W) δ = β.
    var system = Matrix(rows: n, columns: n)
    for i in 0..<n {
      for j in 0..<n { system[i, j] = -d[i] * recurrent[i, j] }
      system[i, i] += 1
    }
    let shift = source.allSatisfy { $0 == 0 } ? source : try LinearSystem.solve(system, source)
    let mean = zip(h, shift).map { $0 + $1 }
    let zero = [Double](repeating: 0, count: n)
    let readoutShift = zip(readout(shift), readout(zero)).map { $0 - $1 }
    return SmallNoiseExpansion(
      sigma: sigma, fixedPoint: h, preactivation: mu, preactivationSD: s, order: order, source: source, shift: shift,
      mean: mean, readoutMean: readout(mean), readoutShift: readoutShift)
  }
}

extension NetworkAnalysis {
  /// The small-noise expansion about the reference fixed point at every
  /// σ_test of the analysis (nil where it failed, e.g. I − D W singular).
  ///
  /// The linearised chain's covariance is solved once, at σ = 1, and scaled
  /// by σ² for every level (C = σ² C₁ exactly; the same expansion to
  /// rounding as one Stein solve per σ).
  public func smallNoiseExpansions() -> [SmallNoiseExpansion?] {
    let h = reference.h
    // Only a σ > 0 needs the covariance; when it fails (spectral radius ≥ 1) so does every σ > 0.
    let unit = levels.contains { $0.sigma > 0 } ? try? network.smallNoisePathVariances(at: h, threads: options.simulation.threads) : nil
    return levels.map { level in
      guard (try? network.checkSigma(level.sigma)) != nil else { return nil }
      if level.sigma == 0 { return try? network.smallNoiseExpansion(sigma: 0, at: h, unitPathVariances: nil) }
      guard let unit else { return nil }
      return try? network.smallNoiseExpansion(sigma: level.sigma, at: h, unitPathVariances: unit)
    }
  }
}
