import Foundation
import GSL

/// Closed-form Gaussian moments of the piecewise-linear activations and erf.
///
/// Every formula is arranged so that no step subtracts nearly equal numbers:
/// the partial moments g₁, g₂ of `GaussianTail` carry the tails, and odd
/// activations are reduced to μ ≥ 0 by symmetry.
extension Activation {
  /// Relative rounding bound claimed for the closed forms at standardised
  /// argument t: a few dozen operations, each correctly rounded or (GSL
  /// special functions) within a few ulps, times the condition number of
  /// φ(t) = e^{−t²/2}/√(2π), whose relative error is t²·(relative error of t).
  /// Beyond |t| ≈ 38.5, φ(t) underflows and its terms are exactly 0, so the
  /// factor stops growing at t = 40 (conservative there). Checked against
  /// mpmath in the tests.
  static func closedFormRelativeBound(t: Double) -> Double {
    let a = Swift.min(abs(t), 40)
    return 64 * Double.ulpOfOne * (1 + a * a)
  }

  /// Moments for s > 0 where all five have closed forms (linear, relu,
  /// hardtanh); nil for the other activations.
  func closedFormMoments(mu: Double, s: Double) -> ActivationMoments? {
    switch self {
    case .linear:
      return ActivationMoments(
        activation: self, mu: mu, sigma: s, mean: mu, secondMoment: mu * mu + s * s, variance: s * s,
        meanSlope: 1, bias: 0, method: .exact, errorBounds: .zero)
    case .relu:
      return reluMoments(mu: mu, s: s)
    case .hardtanh:
      return hardtanhMoments(mu: mu, s: s)
    case .hardsigmoid:
      // f(x) = (1 + hardtanh(x/2))/2: the hardtanh moments of Y at (μ/2, s/2), mapped.
      // Below μ = 0, 1 + E Y cancels (E Y → −1): there E f = ½[E relu(V + 1) − E relu(V − 1)],
      // V = Y's argument, from the relu closed forms (each term accurate in the tail),
      // and E f² = (E f)² + Var Y/4 (no 1 + 2E Y + E Y² cancellation).
      // s/2 underflows only at s = 5e-324, where every correction (O(s) at a kink) is below the smallest double.
      guard s / 2 > 0 else {
        let v = self(mu)
        return ActivationMoments(
          activation: self, mu: mu, sigma: s, mean: v, secondMoment: v * v, variance: 0, meanSlope: derivative(mu), bias: 0,
          method: .exact, errorBounds: .zero)
      }
      let y = hardtanhMoments(mu: mu / 2, s: s / 2)
      guard mu < 0 else { return hardsigmoidMoments(from: y, mu: mu, s: s, mean: (1 + y.mean) / 2, meanBound: y.errorBounds.mean / 2) }
      let upper = Activation.relu.reluMoments(mu: mu / 2 + 1, s: s / 2), lower = Activation.relu.reluMoments(mu: mu / 2 - 1, s: s / 2)
      return hardsigmoidMoments(
        from: y, mu: mu, s: s, mean: (upper.mean - lower.mean) / 2,
        meanBound: (upper.errorBounds.mean + lower.errorBounds.mean) / 2)
    default:
      return nil
    }
  }

  /// The hard-sigmoid's moments from those of Y = hardtanh(X/2), f = (1 + Y)/2,
  /// with E f and its error bound given (see `closedFormMoments`);
  /// E f² = (E f)² + Var Y/4; the bias is E f itself where f(μ) = 0 (μ ≤ −2),
  /// else bias(Y)/2 (no E f − f(μ) cancellation).
  func hardsigmoidMoments(from y: ActivationMoments, mu: Double, s: Double, mean: Double, meanBound: Double) -> ActivationMoments {
    let e = y.errorBounds
    let flat = mu <= -2
    return ActivationMoments(
      activation: .hardsigmoid, mu: mu, sigma: s, mean: mean, secondMoment: mean * mean + y.variance / 4,
      variance: y.variance / 4, meanSlope: y.meanSlope / 4, bias: flat ? mean : y.bias / 2, method: y.method,
      errorBounds: .init(
        mean: meanBound, secondMoment: 2 * meanBound * abs(mean) + e.variance / 4, variance: e.variance / 4,
        meanSlope: e.meanSlope / 4, bias: flat ? meanBound : e.bias / 2))
  }

  /// Relu under N(μ, s²), t = μ/s:
  ///   mean  = μΦ(t) + sφ(t) = s·g₁(−t)     (Bricken 2023, Eq. 21)
  ///   E f²  = (μ² + s²)Φ(t) + μsφ(t) = s²·g₂(−t)
  ///   slope = Φ(t),  bias = s·g₁(|t|).
  /// For t ≥ 0 the negative-argument forms expand into sums of positive
  /// terms: g₁(−t) = t + g₁(t); g₂(−t) = (t²+1)Φ(t) + tφ(t); and
  /// Var/s² = 1 − g₂(t) − 2t·g₁(t) − g₁(t)² (from (x)₊ = x + (−x)₊).
  func reluMoments(mu: Double, s: Double) -> ActivationMoments {
    let t = mu / s, a = abs(t)
    let g1 = GaussianTail.g1(a)
    let bias = s * g1
    if t < 0 {
      let g2 = GaussianTail.g2(a)
      let mean = s * g1
      let variance = s * s * (g2 - g1 * g1)
      return result(mu: mu, s: s, t: t, mean: mean, second: s * s * g2, variance: variance, slope: Normal.cdf(t), bias: bias)
    }
    if t > 40 {
      // Q(40) < 1e-349: below the smallest subnormal, so relu is the identity
      // on all the mass a double can see — the linear moments, exactly
      // (t·g₁ below would be ∞·0 once t overflows at tiny s).
      return result(mu: mu, s: s, t: t, mean: mu, second: mu * mu + s * s, variance: s * s, slope: 1, bias: 0)
    }
    let mean = mu + s * g1
    // In μ and s, not t: s²(t² + 1) would be 0·∞ as s → 0.
    let second = (mu * mu + s * s) * Normal.cdf(t) + mu * s * Normal.pdf(t)
    let variance = s * s * (1 - GaussianTail.g2(t) - 2 * t * g1 - g1 * g1)
    return result(mu: mu, s: s, t: t, mean: mean, second: second, variance: variance, slope: Normal.cdf(t), bias: bias)
  }

  /// Hardtanh = −1 + (x+1)₊ − (x−1)₊, odd: computed for μ ≥ 0 and reflected.
  ///   bias  = s·[g₁((μ+1)/s) − g₁(|μ−1|/s)]  (μ ≥ 0)
  ///   mean  = f(μ) + bias, or — where that cancels (μ ≈ 0, large s) — the
  ///           identity E f = (1/2)∫_{−1}^{1} erf((μ−x)/(s√2)) dx, i.e.
  ///           (s/√2)∫_{|u₂|}^{|u₁|} erf, u₁,₂ = (μ ± 1)/(s√2), a short
  ///           positive integral then.
  ///   slope = P(−1 < X < 1).
  ///   E(f − f(μ))²: for μ ≤ 1, 4-ish tail masses plus s²∫_α^β ξ²φ; for
  ///   μ > 1, s²[g₂((μ−1)/s) − g₂((μ+1)/s)] − 4s·g₁((μ+1)/s).
  private func hardtanhMoments(mu rawMu: Double, s: Double) -> ActivationMoments {
    let sign: Double = rawMu < 0 ? -1 : 1
    let mu = abs(rawMu)
    let c = Swift.min(mu, 1)
    // The two kinks sit at distances |μ−1| and μ+1 = |μ−1| + 2c from μ.
    let near = abs(mu - 1) / s, gap = 2 * c / s
    let bias = -s * GaussianTail.g1Decrease(from: near, width: gap)
    var mean = c + bias
    if c == 0 {
      mean = 0  // μ = 0: f is odd, the mean is exactly 0 (the integral below has width 0)
    } else if abs(mean) < 0.5 * c {
      mean = s / Normal.sqrt2
        * GaussLegendre.integrate(from: near / Normal.sqrt2, width: gap / Normal.sqrt2, ErrorFunction.erf)
    }
    let alpha = (-1 - mu) / s, beta = (1 - mu) / s
    let slope = GaussianTail.intervalProbability(from: alpha, to: beta, width: 2 / s)
    let centred: Double
    // |terms| / |sum| of the centred moment: the factor by which its rounding
    // errors are amplified (≈ s for μ > 1 and large s, where the g₂ terms cancel).
    var condition = 1.0
    if mu <= 1 {
      centred = (1 + mu) * (1 + mu) * Normal.cdf(alpha) + (1 - mu) * (1 - mu) * Normal.tail(beta)
        + s * s * GaussianTail.truncatedSecondMoment(alpha, beta)
    } else if gap * Swift.max(1, abs(alpha)) < 0.5 {
      // μ > 1, kinks close on ξ's scale (large s): E(f − 1)² = 4Φ(α)
      // + s²∫_α^β (ξ − β)²φ(ξ)dξ, a short positive integral, taken over
      // u = ξ − α ∈ [0, 2/s] so that ξ − β = u − 2/s is exact.
      centred = 4 * Normal.cdf(alpha)
        + s * s * GaussLegendre.integrate(from: 0, width: gap) { u in (u - gap) * (u - gap) * Normal.pdf(alpha + u) }
    } else {
      // μ > 1, kinks far apart: the same quantity from the tail moments,
      // s²[g₂(near) − g₂(far)] − 4s·g₁(far), well conditioned here.
      let far = (mu + 1) / s
      let g2Near = GaussianTail.g2(near), g2Far = GaussianTail.g2(far), g1Far = GaussianTail.g1(far)
      centred = s * s * (g2Near - g2Far) - 4 * s * g1Far
      if centred > 0 { condition = Swift.max(1, (s * s * (g2Near + g2Far) + 4 * s * g1Far) / centred) }
    }
    let variance = centred - bias * bias
    var moments = result(
      mu: rawMu, s: s, t: (mu + 1) / s, mean: sign * mean, second: mean * mean + variance, variance: variance,
      slope: slope, bias: sign * bias)
    let centredError = Activation.closedFormRelativeBound(t: (mu + 1) / s) * condition * abs(centred)
    moments.errorBounds.variance += centredError
    moments.errorBounds.secondMoment += centredError
    return moments
  }

  /// Above this s, tanh, sigmoid, erf, hardtanh and softplus use their
  /// large-s limits (`largeSigmaMoments`); the neglected terms are below
  /// (1 + t²)/s² ≤ 1.5e-15 relative for |t| = |μ|/s ≤ 38.5 (beyond, φ(t)
  /// and the terms with it underflow).
  static let largeSigma = 1e9

  /// Moments for s ≥ `largeSigma`, where f varies on a scale 1/s of ξ and
  /// quadrature in ξ cannot resolve it (and s² overflows from 1.3e154 on).
  ///
  /// A bounded f with limits L∓ is a step H plus a bump g = f − H that is
  /// integrable. With t = μ/s, E g(μ + sξ) = (1/s)∫g(x)φ((x − μ)/s)dx
  /// = (φ(t)/s)[∫g + (t/s)∫xg + O((1+t²)/s²)]. For the odd f here ∫(f − H) = 0,
  /// and f² − H² has the integral −C₂ (and ∫x(f² − H²) = 0 by evenness), so
  ///   E f  = L₋ + (L₊ − L₋)Φ(t)          (tanh, erf, hardtanh: erf(t/√2))
  ///   E f² = E H² − C₂φ(t)/s,  Var = Φ(t)Q(t)(L₊ − L₋)² − C₂φ(t)/s
  ///   E f′ = (L₊ − L₋)φ(t)/s             (∫x f′ = 0: f′ is even)
  /// with C₂ = ∫(H² − f²): tanh ∫sech² = 2; erf(x/√2) 4∫Φ(1 − Φ) = 4/√π;
  /// hardtanh ∫₋₁¹(1 − x²) = 4/3; sigmoid (1 + tanh(x/2))/2 gives 1.
  /// Softplus is relu plus the bump log1p(e^{−|x|}) with ∫ = π²/6: the
  /// relu closed forms with that added to the mean (its effect on E f² and
  /// Var is O(1) against their O(s²)).
  /// Reported as `.closedForm`, with the neglected terms in the error bounds.
  func largeSigmaMoments(mu: Double, s: Double) -> ActivationMoments? {
    let t = mu / s
    let density = Normal.pdf(t) / s
    let c2: Double
    switch self {
    case .tanh: c2 = 2
    case .erf: c2 = 4 / Double.pi.squareRoot()
    case .hardtanh: c2 = 4.0 / 3
    case .hardsigmoid:
      // (1 + hardtanh(X/2))/2 with X/2 ~ N(μ/2, (s/2)²): t = μ/s is the same.
      guard let y = Activation.hardtanh.largeSigmaMoments(mu: mu / 2, s: s / 2) else { return nil }
      return hardsigmoidMoments(from: y, mu: mu, s: s, mean: (1 + y.mean) / 2, meanBound: y.errorBounds.mean / 2)
    case .sigmoid: c2 = 1
    case .softplus:
      let relu = Activation.relu.reluMoments(mu: mu, s: s)
      let mean = relu.mean + Double.pi * Double.pi / 6 * density
      return largeSigmaResult(
        mu: mu, s: s, t: t, mean: mean, second: relu.secondMoment, variance: relu.variance,
        slope: relu.meanSlope)
    default: return nil
    }
    let p = Normal.cdf(t), q = Normal.tail(t)
    if self == .sigmoid {
      return largeSigmaResult(mu: mu, s: s, t: t, mean: p, second: p - c2 * density, variance: p * q - c2 * density, slope: density)
    }
    return largeSigmaResult(
      mu: mu, s: s, t: t, mean: ErrorFunction.erf(t / Normal.sqrt2), second: 1 - c2 * density,
      variance: 4 * p * q - c2 * density, slope: 2 * density)
  }

  private func largeSigmaResult(
    mu: Double, s: Double, t: Double, mean: Double, second: Double, variance: Double, slope: Double
  ) -> ActivationMoments {
    let bias = mean - self(mu)
    var m = result(
      mu: mu, s: s, t: t, mean: mean, second: second, variance: Swift.max(variance, 0), slope: slope, bias: bias)
    // The neglected terms, relative: (1 + t²)/s² (see above), plus the
    // rounding of the bias, a difference of two O(1) numbers.
    let a = Swift.min(abs(t), 40)
    let r = (1 + a * a) / (s * s)
    m.errorBounds.mean += r * abs(mean)
    m.errorBounds.secondMoment += r * abs(second)
    m.errorBounds.variance += r * abs(variance)
    m.errorBounds.meanSlope += r * abs(slope)
    m.errorBounds.bias += r * abs(mean) + Double.ulpOfOne * Swift.max(abs(mean), abs(self(mu)))
    return m
  }

  /// erf(x/√2) = 2Φ(x) − 1 under N(μ, s²), r = √(1 + s²):
  ///   mean = 2Φ(μ/r) − 1,  slope = 2φ(μ/r)/r,
  ///   bias = −2·P(μ/r < ξ < μ) for μ ≥ 0, the interval's width
  ///          μ(r − 1)/r = μ s²/(r(r + 1)) taken without subtraction.
  /// (Its second moment needs Owen's T; it comes from quadrature.)
  func erfMeanSlopeBias(mu rawMu: Double, s: Double) -> (mean: Double, slope: Double, bias: Double, relativeBound: Double) {
    let sign: Double = rawMu < 0 ? -1 : 1
    let mu = abs(rawMu)
    let r = (1 + s * s).squareRoot()
    let m = mu / r
    let mean = ErrorFunction.erf(m / Normal.sqrt2)
    let slope = 2 * Normal.pdf(m) / r
    let width = mu * s * s / (r * (r + 1))
    let bias = -2 * GaussianTail.intervalProbability(from: m, to: mu, width: width)
    return (sign * mean, slope, sign * bias, Activation.closedFormRelativeBound(t: mu))
  }

  private func result(
    mu: Double, s: Double, t: Double, mean: Double, second: Double, variance: Double, slope: Double, bias: Double
  ) -> ActivationMoments {
    let r = Activation.closedFormRelativeBound(t: t)
    return ActivationMoments(
      activation: self, mu: mu, sigma: s, mean: mean, secondMoment: second, variance: variance,
      meanSlope: slope, bias: bias, method: .closedForm,
      errorBounds: .init(
        mean: r * abs(mean), secondMoment: r * abs(second), variance: r * abs(variance),
        meanSlope: r * abs(slope), bias: r * abs(bias)))
  }
}
