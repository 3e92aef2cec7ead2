import Foundation
import GSL

/// The four integrands whose Gaussian averages give the moments of a smooth
/// activation, folded onto t = sξ ≥ 0 (E g(ξ) = ∫₀^∞ [g(ξ) + g(−ξ)] φ(ξ) dξ):
///
///   sum(t)       = f(μ+t) + f(μ−t)                      → mean
///   secondDiff(t)= f(μ+t) + f(μ−t) − 2f(μ)              → bias
///   squares(t)   = (f(μ+t) − f(μ))² + (f(μ−t) − f(μ))²  → E (f − f(μ))²
///   slopes(t)    = f′(μ+t) + f′(μ−t)                    → mean slope
///
/// Each is written with an identity that avoids subtracting nearly equal
/// numbers — the bias is O(s²) while f is O(1), so the naive second
/// difference would lose every digit at s = 1e-6 — and in log form where
/// cosh/sinh would overflow.
struct SmoothIntegrands {
  let activation: Activation
  let mu: Double

  init?(_ activation: Activation, mu: Double) {
    switch activation {
    case .tanh, .sigmoid, .softplus, .erf: break
    default: return nil
    }
    self.activation = activation
    self.mu = mu
  }

  func sum(_ t: Double) -> Double {
    switch activation {
    case .tanh: return Self.tanhSum(mu, t)
    case .sigmoid: return Activation.stableLogistic(mu + t) + Activation.stableLogistic(mu - t)
    case .softplus: return Activation.stableSoftplus(mu + t) + Activation.stableSoftplus(mu - t)
    default: return activation(mu + t) + activation(mu - t)
    }
  }

  func secondDiff(_ t: Double) -> Double {
    switch activation {
    case .tanh: return Self.tanhSecondDiff(mu, t)
    case .sigmoid: return 0.5 * Self.tanhSecondDiff(mu / 2, t / 2)
    case .softplus:
      // sp(μ+t) + sp(μ−t) − 2sp(μ) = log[(cosh μ + cosh t)/(cosh μ + 1)]
      //   = log1p((sinh(t/2)/cosh(μ/2))²) = softplus(2[log sinh(t/2) − log cosh(μ/2)]).
      if t == 0 { return 0 }
      return Activation.stableSoftplus(2 * (LogHyperbolic.logSinh(t / 2) - LogHyperbolic.logCosh(mu / 2)))
    default:
      // erf: 2[Φ(μ+t) − Φ(μ)] − 2[Φ(μ) − Φ(μ−t)], each an interval probability.
      return firstDiff(t) + firstDiff(-t)
    }
  }

  func squares(_ t: Double) -> Double {
    let up = firstDiff(t), down = firstDiff(-t)
    return up * up + down * down
  }

  func slopes(_ t: Double) -> Double {
    switch activation {
    case .tanh: return LogHyperbolic.sech2(mu + t) + LogHyperbolic.sech2(mu - t)
    case .sigmoid: return 0.25 * (LogHyperbolic.sech2((mu + t) / 2) + LogHyperbolic.sech2((mu - t) / 2))
    case .softplus: return Activation.stableLogistic(mu + t) + Activation.stableLogistic(mu - t)
    default: return activation.derivative(mu + t) + activation.derivative(mu - t)
    }
  }

  /// f(μ + u) − f(μ) for u of either sign.
  func firstDiff(_ u: Double) -> Double {
    switch activation {
    case .tanh: return Self.tanhFirstDiff(mu, u)
    case .sigmoid: return 0.5 * Self.tanhFirstDiff(mu / 2, u / 2)
    case .softplus:
      // log[(1 + e^{μ+u})/(1 + e^μ)] = log1p(expm1(u)·σ(μ)); where that
      // argument nears −1 (u ≪ 0, σ(μ) ≈ 1) the plain difference has no
      // cancellation left to fear (its magnitude is ≥ log 2).
      let x = expm1(u) * Activation.stableLogistic(mu)
      if x.isFinite && x > -0.5 { return log1p(x) }
      return Activation.stableSoftplus(mu + u) - Activation.stableSoftplus(mu)
    default:
      // erf(x/√2) = 2Φ(x) − 1: 2·P(μ < ξ < μ + u), signed.
      let p = GaussianTail.intervalProbability(from: Swift.min(mu, mu + u), to: Swift.max(mu, mu + u), width: abs(u))
      return u >= 0 ? 2 * p : -2 * p
    }
  }

  // MARK: tanh identities

  /// tanh(μ+t) + tanh(μ−t) = sinh 2μ / (cosh(μ+t) cosh(μ−t)).
  static func tanhSum(_ mu: Double, _ t: Double) -> Double {
    if mu == 0 { return 0 }
    let l = LogHyperbolic.logSinh(2 * abs(mu)) - LogHyperbolic.logCosh(mu + t) - LogHyperbolic.logCosh(mu - t)
    return mu < 0 ? -exp(l) : exp(l)
  }

  /// tanh(μ+t) + tanh(μ−t) − 2 tanh μ = −2 tanh μ · sinh²t / (cosh(μ+t) cosh(μ−t)).
  static func tanhSecondDiff(_ mu: Double, _ t: Double) -> Double {
    if mu == 0 || t == 0 { return 0 }
    let logTanh = LogHyperbolic.logSinh(abs(mu)) - LogHyperbolic.logCosh(mu)
    // The pairs sinh t / cosh(μ ± t), not 2 log sinh t − log cosh(μ+t) − log cosh(μ−t):
    // the latter cancels two terms of size ~t and loses ulp(t) (see LogHyperbolic).
    let l = M_LN2 + logTanh + LogHyperbolic.logSinhOverCosh(t, shiftedBy: mu)
      + LogHyperbolic.logSinhOverCosh(t, shiftedBy: -mu)
    return mu < 0 ? exp(l) : -exp(l)
  }

  /// tanh(μ+u) − tanh μ = sinh u / (cosh(μ+u) cosh μ).
  static func tanhFirstDiff(_ mu: Double, _ u: Double) -> Double {
    if u == 0 { return 0 }
    // cosh(μ + u) = cosh(−μ + |u|) for u < 0; the pair keeps the |u|-sized terms from cancelling.
    let l = LogHyperbolic.logSinhOverCosh(abs(u), shiftedBy: u < 0 ? -mu : mu) - LogHyperbolic.logCosh(mu)
    return u < 0 ? -exp(l) : exp(l)
  }
}
