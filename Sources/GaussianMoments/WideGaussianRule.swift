import Foundation
import GSL

/// E f(X) and E f′(X), X ~ N(μ, s²), for tanh, sigmoid and softplus where s
/// is too wide for the batched Gauss–Hermite rules (`BatchedRule`): the
/// trapezoidal rule in x on a fixed grid x_k = kΔ. `batchedMoments` tries
/// `SpectralGaussianRule` first (fewer nodes, none transcendental) and comes
/// here for the elements it declines (|μ| several s, far tails).
///
/// Why x, not ξ: in ξ the integrand f(μ + sξ) has its nearest complex
/// singularity at distance d/s from the real axis, so a Gauss–Hermite rule
/// needs O(s²) nodes. In x the singularities of f stay at distance d (π/2
/// for tanh, π for the logistic and softplus) and the density N(x; μ, s²) is
/// entire, so the trapezoidal rule converges like e^{−2πd/Δ} whatever s (the
/// strip theorem for the trapezoidal rule; on the shifted contour the
/// density grows by at most e^{d²/2s²}, a factor ≤ 6 for the s this rule is
/// used at). Δ = 0.25 (tanh) and 0.5 (the others) put that at e^{−π²/0.25}
/// ≈ 7e-18 (measured against the scalar path: ≤ 7e-14 relative, the
/// recurrences' rounding; Δ = 0.2/0.4 measured the same).
/// The grid is fixed, so f′ and the residuals below are tabulated once and
/// each (μ, s) costs a few multiplications per node (the Gaussian weights by
/// recurrence, recomputed exactly every `reanchor` nodes so rounding stays
/// below ~300 ulp).
///
/// f itself does not decay, so the mean is split as f = c + r, c a
/// comparator with a closed-form Gaussian expectation and f's limits, and
/// r = f − c decaying like e^{−a|x|} (a = 2 for tanh, 1 otherwise):
///   tanh      c = erf(κx), κ = √π/2 (f′(0) = c′(0))       E c = erf(κμ/√(1 + 2κ²s²))
///   sigmoid   c = Φ(κx),   κ = √(2π)/4                     E c = Φ(κμ/√(1 + κ²s²))
///   softplus  c = E_Z (x + Z/κ)₊ = xΦ(κx) + φ(κx)/κ        E c = E (μ + S ξ)₊, S² = s² + 1/κ²
/// The slope needs no comparator for tanh and sigmoid (sech² and σ′ decay);
/// softplus′ = σ uses the sigmoid split. Each integrand is below
/// C·e^{−a|x| − (x−μ)²/2s²} (C < 200); the nodes kept are those where that
/// bound is within e^{−52} of its largest value (a closed-form interval).
///
/// Relative accuracy where the result is small: the slopes are sums of
/// positive terms; the sigmoid mean and softplus slope at μ ≪ 0 are
/// dominated by the residual sum (the comparator's Gaussian tail is far
/// smaller), so no cancellation there; tanh's mean, odd, is summed in the
/// folded form Σ r(x)[N(x) − N(−x)], N(x) − N(−x) = 2e^{−(x²+μ²)/2s²}sinh(xμ/s²),
/// where |μ| < s, so it keeps its relative precision as μ → 0.
struct WideGaussianRule: Sendable {
  let activation: Activation
  /// Δ
  let step: Double
  /// a: the residuals and slope integrands decay like e^{−a|x|}.
  let decay: Double
  let kappa: Double
  /// The tables cover x_k = kΔ, |k| ≤ halfCount; index k + halfCount.
  let halfCount: Int
  /// Residual of the mean, f − c, at the nodes.
  let meanResidual: [Double]
  /// The slope integrand: f′ (tanh, sigmoid) or σ − Φ(κx) (softplus), at the nodes.
  let slopeResidual: [Double]

  /// Node ranges this far out are left to the scalar path (|μ| ≲ 300 fits).
  static let maxX = 360.0
  /// Exact weights every this many nodes. Between, the weight ratios
  /// ρ_k = ρ₀qᵏ carry k·ε/2 of q's rounding, so the weights up to
  /// Σ k ε/2 ≈ 32²ε/4 ≈ 6e-14 relative; cosh and sinh in difference form
  /// ~32ε.
  static let reanchor = 32
  /// log of the kept integrand range: e^{−52} ≈ 2.6e-23 (≤ 1e-20 with C < 200).
  static let logRange = 52.0

  static let tanh = WideGaussianRule(.tanh)
  static let sigmoid = WideGaussianRule(.sigmoid)
  static let softplus = WideGaussianRule(.softplus)

  static func rule(_ f: Activation) -> WideGaussianRule? {
    switch f {
    case .tanh: return tanh
    case .sigmoid: return sigmoid
    case .softplus: return softplus
    default: return nil
    }
  }

  private init(_ f: Activation) {
    activation = f
    let sqrtPi = Double.pi.squareRoot()
    switch f {
    case .tanh: (step, decay, kappa) = (0.25, 2, sqrtPi / 2)
    default: (step, decay, kappa) = (0.5, 1, (2 * Double.pi).squareRoot() / 4)
    }
    let n = Int((Self.maxX / step).rounded(.up)), d = step
    halfCount = n
    let xs = (-n...n).map { Double($0) * d }
    let k = kappa
    switch f {
    case .tanh:
      // tanh − erf(κx), written from the tails where both are near ±1.
      meanResidual = xs.map { x in
        let a = abs(x)
        let e = exp(-2 * a)
        let r = ErrorFunction.erfc(k * a) - 2 * e / (1 + e)
        return x < 0 ? -r : r
      }
      slopeResidual = xs.map { x in
        let e = exp(-2 * abs(x))
        return 4 * e / ((1 + e) * (1 + e))
      }
    case .sigmoid:
      meanResidual = xs.map { Self.logisticMinusCDF($0, k) }
      slopeResidual = xs.map { x in
        let e = exp(-abs(x))
        return e / ((1 + e) * (1 + e))
      }
    default:
      // softplus − (xΦ(κx) + φ(κx)/κ): for x ≥ 0, softplus(x) − x = log1p(e^{−x})
      // and x − xΦ(κx) = xQ(κx); softplus is even about x/2 so the residual is even.
      meanResidual = xs.map { x in
        let a = abs(x)
        return log1p(exp(-a)) + a * Normal.tail(k * a) - Normal.pdf(k * a) / k
      }
      slopeResidual = xs.map { Self.logisticMinusCDF($0, k) }
    }
  }

  /// σ(x) − Φ(κx), odd, from the upper tails: Q(κ|x|) − e/(1+e), e = e^{−|x|}.
  private static func logisticMinusCDF(_ x: Double, _ k: Double) -> Double {
    let a = abs(x)
    let e = exp(-a)
    let r = Normal.tail(k * a) - e / (1 + e)
    return x < 0 ? -r : r
  }

  /// (mean, slope), or nil where the nodes needed leave the table. Both
  /// come from one pass over the nodes (the slope is cheap once the weights
  /// are formed); `what` only decides which comparators are evaluated.
  func meanAndSlope(mu: Double, s: Double, what: MomentSelection) -> (Double, Double)? {
    guard let (lo, hi) = nodeRange(mu: mu, s: s) else { return nil }
    let norm = step * Normal.invSqrt2Pi / s
    let (rm, rs) = abs(mu) < s
      ? foldedSums(mu: mu, s: s, nodes: Swift.max(-lo, hi))
      : directSums(mu: mu, s: s, lo: lo, hi: hi)
    let mean = what.contains(.mean) ? closedMean(mu: mu, s: s) + norm * rm : 0
    let slope = what.contains(.meanSlope) ? closedSlope(mu: mu, s: s) + norm * rs : 0
    return (mean, slope)
  }

  /// E c(X) for the mean's comparator.
  func closedMean(mu: Double, s: Double) -> Double {
    let k = kappa
    switch activation {
    case .tanh: return ErrorFunction.erf(k * mu / (1 + 2 * k * k * s * s).squareRoot())
    case .sigmoid: return Normal.cdf(k * mu / (1 + k * k * s * s).squareRoot())
    default:
      // E (μ + Sξ)₊ = S·g₁(−t), t = μ/S; for t ≥ 0, g₁(−t) = t + g₁(t).
      let bigS = (s * s + 1 / (k * k)).squareRoot()
      let t = mu / bigS
      return t < 0 ? bigS * GaussianTail.g1(-t) : mu + bigS * GaussianTail.g1(t)
    }
  }

  /// E of the slope's comparator (softplus′ = σ: the sigmoid's Φ(κx)).
  func closedSlope(mu: Double, s: Double) -> Double {
    activation == .softplus ? Normal.cdf(kappa * mu / (1 + kappa * kappa * s * s).squareRoot()) : 0
  }

  /// The node indices [lo, hi] where C·e^{−a|x| − (x−μ)²/2s²} is within
  /// e^{−logRange} of its maximum. On each half line the exponent is a
  /// parabola with vertex m± = μ ∓ a s² and vertex value ∓aμ + a²s²/2;
  /// the kept set on that half line is the part of [m± − w±, m± + w±].
  func nodeRange(mu: Double, s: Double) -> (Int, Int)? {
    let a = decay, s2 = s * s
    func value(_ x: Double) -> Double { -a * abs(x) - (x - mu) * (x - mu) / (2 * s2) }
    let mPlus = mu - a * s2, mMinus = mu + a * s2
    var peak = value(0)
    if mPlus > 0 { peak = Swift.max(peak, value(mPlus)) }
    if mMinus < 0 { peak = Swift.max(peak, value(mMinus)) }
    let floor = peak - Self.logRange
    var lo = Double.infinity, hi = -Double.infinity
    // x ≥ 0: −ax − (x−μ)²/2s² ≥ floor ⟺ (x − m₊)² ≤ 2s²(v₊ − floor).
    let vPlus = -a * mu + a * a * s2 / 2
    if vPlus >= floor {
      let w = (2 * s2 * (vPlus - floor)).squareRoot()
      let l = Swift.max(0, mPlus - w), h = mPlus + w
      if l <= h { lo = Swift.min(lo, l); hi = Swift.max(hi, h) }
    }
    let vMinus = a * mu + a * a * s2 / 2
    if vMinus >= floor {
      let w = (2 * s2 * (vMinus - floor)).squareRoot()
      let l = mMinus - w, h = Swift.min(0, mMinus + w)
      if l <= h { lo = Swift.min(lo, l); hi = Swift.max(hi, h) }
    }
    guard lo <= hi, lo.isFinite, hi.isFinite else { return nil }
    let kLo = Int((lo / step).rounded(.down)), kHi = Int((hi / step).rounded(.up))
    guard -kLo <= halfCount, kHi <= halfCount else { return nil }
    return (kLo, kHi)
  }

  /// (Σ meanResidual_k w_k, Σ slopeResidual_k w_k) over k = lo…hi, with
  /// w_k = e^{−(x_k−μ)²/2s²}.
  ///
  /// The weights run outward from the node nearest μ (clamped to the range),
  /// where the unnormalised weight is largest, so none overflows; the ratio of
  /// neighbours is ρ_k = e^{−((2(x_k−μ)Δ + Δ²)/2s²)}, and ρ_{k+1} = q·ρ_k with
  /// q = e^{−Δ²/s²}. The scale e^{−(x_a−μ)²/2s²} is applied at the end.
  func directSums(mu: Double, s: Double, lo: Int, hi: Int) -> (Double, Double) {
    let d = step, inv2s2 = 1 / (2 * s * s)
    let anchor = Swift.min(Swift.max(Int((mu / d).rounded()), lo), hi)
    let xa = Double(anchor) * d
    let q = exp(-d * d / (s * s))
    let offset = halfCount
    let (sm, ss): (Double, Double) = meanResidual.withUnsafeBufferPointer { tm in
      slopeResidual.withUnsafeBufferPointer { ts in
        var sm = tm[anchor + offset], ss = ts[anchor + offset]
        // Upward from the anchor, then downward (direction ±1).
        for dir in [1, -1] {
          var k = anchor
          let last = dir > 0 ? hi : lo
          while k != last {
            let x = Double(k) * d
            var w = exp(-(x - xa) * (x + xa - 2 * mu) * inv2s2)
            var rho = exp(-(Double(2 * dir) * (x - mu) * d + d * d) * inv2s2)
            let steps = Swift.min(abs(last - k), Self.reanchor)
            for _ in 0..<steps {
              w *= rho
              rho *= q
              k += dir
              sm += tm[k + offset] * w
              ss += ts[k + offset] * w
            }
          }
        }
        return (sm, ss)
      }
    }
    let scale = exp(-(xa - mu) * (xa - mu) * inv2s2)
    return (sm * scale, ss * scale)
  }

  /// The same sums for |μ| < s over the folded nodes k = 0…n:
  ///   w_k ± w_{−k} = 2e^{−μ²/2s²}·g_k·{cosh, sinh}(kb),  g_k = e^{−x_k²/2s²}, b = Δμ/s²,
  /// each table paired with the one its parity needs (odd tables with sinh,
  /// even with cosh). The odd sums then carry the factor sinh(kb) ∝ μ
  /// explicitly, so tanh's mean keeps its relative precision as μ → 0,
  /// where the direct sum would be rounding noise. g_k by the recurrence of
  /// `directSums` (anchor 0); cosh and sinh by the difference form of
  /// their three-term recurrence, Δ_{k+1} = Δ_k + δ·y_k, y_{k+1} = y_k + Δ_{k+1},
  /// δ = 2cosh b − 2 = 4sinh²(b/2) (errors grow like k ulp, not k²);
  /// everything recomputed exactly every `reanchor` nodes.
  func foldedSums(mu: Double, s: Double, nodes: Int) -> (Double, Double) {
    let d = step, inv2s2 = 1 / (2 * s * s)
    let n = Swift.min(halfCount, nodes)
    let b = d * mu / (s * s)
    let sh = sinh(b / 2), delta = 4 * sh * sh, halfDelta = 2 * sh * sh, sinhB = sinh(b)
    let q = exp(-d * d / (s * s))
    let offset = halfCount
    let meanOdd = activation != .softplus
    let (sm, ss): (Double, Double) = meanResidual.withUnsafeBufferPointer { tm in
      slopeResidual.withUnsafeBufferPointer { ts in
        var evenSum = 0.0, oddSum = 0.0
        var k = 0
        while k < n {
          let x = Double(k) * d, kb = Double(k) * b
          var g = exp(-x * x * inv2s2)
          var rho = exp(-(2 * x * d + d * d) * inv2s2)
          // c − cosh(kb − b) and sn − sinh(kb − b) by the addition formulas,
          // written without cancellation for small b.
          var sn = sinh(kb)
          var c = (1 + sn * sn).squareRoot()
          var dc = sn * sinhB - c * halfDelta, ds = c * sinhB - sn * halfDelta
          let end = Swift.min(n, k + Self.reanchor)
          while k < end {
            g *= rho
            rho *= q
            dc += delta * c
            c += dc
            ds += delta * sn
            sn += ds
            k += 1
            let (te, to) = meanOdd ? (ts[k + offset], tm[k + offset]) : (tm[k + offset], ts[k + offset])
            evenSum += te * g * c
            oddSum += to * g * sn
          }
        }
        let e0 = meanOdd ? ts[offset] : tm[offset]
        let even = e0 + 2 * evenSum, odd = 2 * oddSum
        return meanOdd ? (odd, even) : (even, odd)
      }
    }
    let scale = exp(-mu * mu * inv2s2)
    return (sm * scale, ss * scale)
  }
}

extension MomentEvaluator {
  /// Whether `batchedMoments` takes f's mean and slope at (μ, s) from the
  /// trapezoidal rule of `WideGaussianRule` (beyond the Gauss–Hermite rules).
  public static func wideRuleCovers(_ f: Activation, mu: Double, sigma s: Double) -> Bool {
    guard s > BatchedRule.maxSigma(f), let rule = WideGaussianRule.rule(f) else { return false }
    return rule.nodeRange(mu: mu, s: s) != nil
  }
}
