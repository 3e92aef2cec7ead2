import Foundation

/// Which Gaussian moments a batched evaluation computes.
public struct MomentSelection: OptionSet, Sendable {
  public let rawValue: Int
  public init(rawValue: Int) { self.rawValue = rawValue }
  /// E f(μ + sξ)
  public static let mean = MomentSelection(rawValue: 1)
  /// E f′(μ + sξ)
  public static let meanSlope = MomentSelection(rawValue: 2)
  /// Var f(μ + sξ)
  public static let variance = MomentSelection(rawValue: 4)
  /// What the mean-field iteration needs.
  public static let meanAndSlope: MomentSelection = [.mean, .meanSlope]
  /// What the Gaussian closure needs.
  public static let closure: MomentSelection = [.mean, .meanSlope, .variance]
}

/// The moments asked for, one entry per (μ, s); a quantity not asked for is
/// an empty array.
public struct BatchedMomentValues: Sendable, Equatable {
  public var mean: [Double] = []
  public var meanSlope: [Double] = []
  public var variance: [Double] = []
  public init() {}
}

/// Batched moments over arrays of (μ, s), choosing the rule per element.
///
/// - tanh, sigmoid, softplus with 0 < s ≤ `BatchedRule.maxSigma(f)`: one
///   Gauss–Hermite rule of `BatchedRule.nodes(f, s)` nodes, on integrands
///   written with a single exp (and for softplus a log1p) per node and sign
///   so that every term of the sum is positive (no cancellation; see
///   `tanhTerms`, `logisticTerms`, `softplusTerms`). The variance uses the
///   scalar path's cancellation-free integrands (`SmoothIntegrands`).
/// - tanh, sigmoid, softplus, mean and slope only, from the 96-node rule's
///   range on (64 for softplus): runs of equal s by `SpectralGaussianRule`
///   (a trapezoidal sum over the Fourier variable, ~20–45 nodes shared by
///   the run); the elements it declines (its own error bound above 1e-13
///   of the result), and those beyond the Gauss–Hermite rules, by the
///   trapezoidal rule in x of `WideGaussianRule` (|μ| ≲ 300).
/// - everything else (s = 0, the variance at larger s, linear, relu, hardtanh, erf):
///   the scalar `MomentEvaluator.moments` (closed forms, the two-rule
///   Gauss–Hermite check, adaptive QAGP), element by element.
///
/// Why the single rule meets the scalar path's accuracy: f(μ + sξ) as a
/// function of ξ is analytic in the strip |Im ξ| < d/s, d = π/2 for tanh
/// and π for sigmoid and softplus (their nearest complex singularities), and
/// the n-node Gauss–Hermite error for such integrands falls like
/// exp(−c·(d/s)·√n): geometrically in √n and the faster the smaller s.
/// The (n, s) table in `BatchedRule` was measured against the scalar path
/// (itself checked against the mpmath table) over μ ∈ [−40, 40] and s up
/// to each row's bound with a
/// margin; `BatchedMomentsTests` re-checks it on a dense grid at 1e-13
/// relative (mean, slope, variance) and against the mpmath table at 1e-12.
extension MomentEvaluator {
  public func batchedMoments(
    _ f: Activation, mu: [Double], sigma: [Double], _ what: MomentSelection
  ) throws -> BatchedMomentValues {
    precondition(mu.count == sigma.count, "mu and sigma must have the same length")
    let n = mu.count
    var out = BatchedMomentValues()
    if what.contains(.mean) { out.mean = [Double](repeating: 0, count: n) }
    if what.contains(.meanSlope) { out.meanSlope = [Double](repeating: 0, count: n) }
    if what.contains(.variance) { out.variance = [Double](repeating: 0, count: n) }
    var path = BatchedElementPath(f)
    // Runs of equal s beyond the Gauss–Hermite range go to the spectral
    // rule together (its nodes and weights depend on s only); what it
    // declines, element by element to `BatchedElementPath`.
    var spectral: SpectralGaussianRule?
    var accepted = [Bool]()
    var i = 0
    while i < n {
      let s = sigma[i]
      guard s > 0, !what.contains(.variance), SpectralGaussianRule.applies(f, sigma: s) else {
        try path.run(self, f, mu[i], s, what, i, &out)
        i += 1
        continue
      }
      var j = i
      while j < n, sigma[j] == s {
        try Self.validate(mu: mu[j], sigma: s)
        j += 1
      }
      // Building the rule costs ~1–2 µs, the per-element rules ~0.6–1.3 µs
      // an element here, the spectral sum ~0.05–0.15 µs: short runs (the
      // Gaussian closure's per-neuron s) stay per element.
      guard j - i >= SpectralGaussianRule.minimumRun || spectral?.sigma == s else {
        for k in i..<j { try path.run(self, f, mu[k], s, what, k, &out) }
        i = j
        continue
      }
      if spectral?.sigma != s { spectral = SpectralGaussianRule(f, sigma: s) }
      accepted = [Bool](repeating: false, count: j - i)
      let rule = spectral!
      // Moved out of `out` (no copy) so both can be written at once.
      var meanBuf = [Double](), slopeBuf = [Double]()
      swap(&meanBuf, &out.mean)
      swap(&slopeBuf, &out.meanSlope)
      mu.withUnsafeBufferPointer { mp in
        meanBuf.withUnsafeMutableBufferPointer { meanOut in
          slopeBuf.withUnsafeMutableBufferPointer { slopeOut in
            accepted.withUnsafeMutableBufferPointer { ok in
              rule.evaluate(
                mu: UnsafeBufferPointer(rebasing: mp[i..<j]),
                mean: what.contains(.mean) ? meanOut.baseAddress! + i : nil,
                slope: what.contains(.meanSlope) ? slopeOut.baseAddress! + i : nil,
                accepted: ok.baseAddress!)
            }
          }
        }
      }
      swap(&meanBuf, &out.mean)
      swap(&slopeBuf, &out.meanSlope)
      for k in i..<j where !accepted[k - i] { try path.run(self, f, mu[k], s, what, k, &out) }
      i = j
    }
    return out
  }

  /// Σ wᵢ over folded nodes of the mean and slope integrands.
  @inline(__always)
  static func meanAndSlope(_ f: Activation, mu: Double, s: Double, rule: GaussHermiteRule, what: MomentSelection) -> (Double, Double) {
    let wantMean = what.contains(.mean)
    return rule.nodes.withUnsafeBufferPointer { x in
      rule.weights.withUnsafeBufferPointer { w in
        var mean = 0.0, slope = 0.0
        switch f {
        case .tanh:
          // Odd f: work at |μ| and restore the sign of the mean.
          let a = abs(mu)
          // sinh(2a)·e^{−2a} = (1 − e^{−4a})/2, exact to rounding for small a.
          let half = -expm1(-4 * a) / 2
          for i in x.indices.reversed() {
            let t = s * x[i]
            let (m, d) = tanhTerms(a, t, half)
            mean += w[i] * m
            slope += w[i] * d
          }
          if mu < 0 { mean = -mean }
        case .sigmoid:
          for i in x.indices.reversed() {
            let t = s * x[i]
            let (m, d) = logisticTerms(mu, t)
            mean += w[i] * m
            slope += w[i] * d
          }
        case .softplus:
          for i in x.indices.reversed() {
            let t = s * x[i]
            let (m, d) = softplusTerms(mu, t, wantMean)
            mean += w[i] * m
            slope += w[i] * d
          }
        default:
          preconditionFailure("no batched rule for \(f)")
        }
        return (mean, slope)
      }
    }
  }

  /// As `meanAndSlope`, with the node exponentials Eₜ = e^{−c t} (t = s xᵢ)
  /// and 1/Eₜ given, for |μ| ≤ 300 (so A = e^{−c|μ|} stays normal):
  /// e^{−c(u+t)} = A·Eₜ and e^{−c|u−t|} = A/Eₜ (t ≤ u) or Eₜ/A (t > u),
  /// u = |μ|, each a product of two correctly rounded exponentials (a few
  /// ulp), the same quantities `tanhTerms` and `logisticTerms` take.
  static func meanAndSlopeShared(
    _ f: Activation, mu: Double, s: Double, rule: GaussHermiteRule, et: [Double], inv: [Double], what: MomentSelection
  ) -> (Double, Double) {
    let wantMean = what.contains(.mean)
    let u = abs(mu)
    return rule.nodes.withUnsafeBufferPointer { x in
      rule.weights.withUnsafeBufferPointer { w in
        et.withUnsafeBufferPointer { et in
          inv.withUnsafeBufferPointer { inv in
            var mean = 0.0, slope = 0.0
            switch f {
            case .tanh:
              let a = exp(-2 * u), invA = 1 / a
              let half = -expm1(-4 * u) / 2
              for i in x.indices.reversed() {
                let t = s * x[i]
                let ep = a * et[i]
                let em = t <= u ? a * inv[i] : et[i] * invA
                let p = 1 + ep, q = 1 + em
                let r = 1 / (p * q)
                mean += w[i] * (4 * half * (t > u ? em : 1) * r)
                let rp = q * r, rq = p * r
                slope += w[i] * (4 * ep * rp * rp + 4 * em * rq * rq)
              }
              if mu < 0 { mean = -mean }
            case .sigmoid, .softplus:
              let a = exp(-u), invA = 1 / a
              for i in x.indices.reversed() {
                let t = s * x[i]
                // Far (u + t) and near (|u − t|) points; for μ < 0 the far one is μ − t.
                let far = a * et[i]
                let near = t <= u ? a * inv[i] : et[i] * invA
                let (ep, em) = mu >= 0 ? (far, near) : (near, far)
                let yp = mu + t, ym = mu - t
                let p = 1 + ep, q = 1 + em
                let r = 1 / (p * q)
                let ip = q * r, iq = p * r
                if f == .sigmoid {
                  mean += w[i] * ((yp >= 0 ? ip : ep * ip) + (ym >= 0 ? iq : em * iq))
                  slope += w[i] * (ep * ip * ip + em * iq * iq)
                } else {
                  if wantMean { mean += w[i] * (Swift.max(yp, 0) + log1p(ep) + Swift.max(ym, 0) + log1p(em)) }
                  slope += w[i] * ((yp >= 0 ? ip : ep * ip) + (ym >= 0 ? iq : em * iq))
                }
              }
            default:
              preconditionFailure("no batched rule for \(f)")
            }
            return (mean, slope)
          }
        }
      }
    }
  }

  /// tanh(a+t) + tanh(a−t) and sech²(a+t) + sech²(a−t) for a, t ≥ 0, from
  /// e₊ = e^{−2(a+t)}, e₋ = e^{−2|a−t|} (never overflowing):
  ///   cosh(a+t) cosh(a−t) = e^{2 max(a,t)} (1+e₊)(1+e₋)/4, so
  ///   sum = 4·half·e^{2a − 2max(a,t)} / ((1+e₊)(1+e₋)),  half = sinh(2a)e^{−2a},
  ///   sech² y = 4e/(1+e)² with e = e^{−2|y|}.
  /// All terms are ≥ 0: no cancellation.
  @inline(__always)
  static func tanhTerms(_ a: Double, _ t: Double, _ half: Double) -> (Double, Double) {
    let ep = exp(-2 * (a + t))
    let em = exp(-2 * abs(a - t))
    let p = 1 + ep, q = 1 + em
    let sum = 4 * half * (t > a ? em : 1) / (p * q)
    let slope = 4 * ep / (p * p) + 4 * em / (q * q)
    return (sum, slope)
  }

  /// σ(μ+t) + σ(μ−t) and σ′(μ+t) + σ′(μ−t), with e = e^{−|y|}:
  /// σ(y) = 1/(1+e) (y ≥ 0) or e/(1+e), σ′(y) = e/(1+e)². All terms ≥ 0.
  @inline(__always)
  static func logisticTerms(_ mu: Double, _ t: Double) -> (Double, Double) {
    let yp = mu + t, ym = mu - t
    let ep = exp(-abs(yp)), em = exp(-abs(ym))
    let p = 1 / (1 + ep), q = 1 / (1 + em)
    let sum = (yp >= 0 ? p : ep * p) + (ym >= 0 ? q : em * q)
    let slope = ep * p * p + em * q * q
    return (sum, slope)
  }

  /// softplus(μ+t) + softplus(μ−t) and σ(μ+t) + σ(μ−t), with e = e^{−|y|}:
  /// softplus(y) = max(y, 0) + log1p(e). All terms ≥ 0.
  @inline(__always)
  static func softplusTerms(_ mu: Double, _ t: Double, _ wantMean: Bool) -> (Double, Double) {
    let yp = mu + t, ym = mu - t
    let ep = exp(-abs(yp)), em = exp(-abs(ym))
    let p = 1 / (1 + ep), q = 1 / (1 + em)
    let slope = (yp >= 0 ? p : ep * p) + (ym >= 0 ? q : em * q)
    let sum = wantMean ? Swift.max(yp, 0) + log1p(ep) + Swift.max(ym, 0) + log1p(em) : 0
    return (sum, slope)
  }

  /// Var f = E(f − f(μ))² − (E f − f(μ))², both by the rule on the scalar
  /// path's cancellation-free integrands.
  static func variance(_ f: Activation, mu: Double, s: Double, rule: GaussHermiteRule) -> Double {
    guard let h = SmoothIntegrands(f, mu: mu) else { preconditionFailure("no batched rule for \(f)") }
    var centred = 0.0, bias = 0.0
    for i in rule.nodes.indices.reversed() {
      let t = s * rule.nodes[i]
      centred += rule.weights[i] * h.squares(t)
      bias += rule.weights[i] * h.secondDiff(t)
    }
    return centred - bias * bias
  }
}

/// The per-element rules of `batchedMoments` (Gauss–Hermite, the trapezoid
/// in x, the scalar path), for every element the spectral runs do not take.
struct BatchedElementPath {
  // e^{−c·s·xᵢ} and its inverse at the rule's nodes (c = 2 for tanh, 1
  // otherwise), kept while s and the rule stay the same: in the
  // mean-field iteration every element has the same s, so each element
  // then costs one exp (plus log1p per node for softplus's mean).
  var nodeS = -1.0, nodeCount = -1
  var et = [Double](repeating: 0, count: 80), inv = [Double](repeating: 0, count: 80)
  let c: Double
  init(_ f: Activation) { c = f == .tanh ? 2.0 : 1.0 }

  /// Element i's moments into `out` (an inout parameter rather than a
  /// variable captured by a local function: no dynamic exclusivity check
  /// per access).
  mutating func run(
    _ evaluator: MomentEvaluator, _ f: Activation, _ m: Double, _ s: Double, _ what: MomentSelection, _ i: Int,
    _ out: inout BatchedMomentValues
  ) throws {
    try MomentEvaluator.validate(mu: m, sigma: s)
    if s > 0, let rule = BatchedRule.rule(f, sigma: s) {
      if s != nodeS || rule.nodes.count != nodeCount {
        for k in rule.nodes.indices {
          et[k] = exp(-c * s * rule.nodes[k])
          inv[k] = 1 / et[k]
        }
        nodeS = s
        nodeCount = rule.nodes.count
      }
      let (mean, slope) = abs(m) <= 300
        ? MomentEvaluator.meanAndSlopeShared(f, mu: m, s: s, rule: rule, et: et, inv: inv, what: what)
        : MomentEvaluator.meanAndSlope(f, mu: m, s: s, rule: rule, what: what)
      if what.contains(.mean) {
        guard mean.isFinite else { throw MomentNotRepresentable(activation: f, mu: m, sigma: s, quantity: "mean") }
        out.mean[i] = mean
      }
      if what.contains(.meanSlope) { out.meanSlope[i] = slope }
      if what.contains(.variance) {
        let v = MomentEvaluator.variance(f, mu: m, s: s, rule: rule)
        guard v.isFinite else { throw MomentNotRepresentable(activation: f, mu: m, sigma: s, quantity: "variance") }
        out.variance[i] = v
      }
    } else if s > 0, !what.contains(.variance), let wide = WideGaussianRule.rule(f),
      let (mean, slope) = wide.meanAndSlope(mu: m, s: s, what: what)
    {
      if what.contains(.mean) {
        guard mean.isFinite else { throw MomentNotRepresentable(activation: f, mu: m, sigma: s, quantity: "mean") }
        out.mean[i] = mean
      }
      if what.contains(.meanSlope) { out.meanSlope[i] = slope }
    } else {
      let r = try evaluator.moments(f, mu: m, sigma: s)
      if what.contains(.mean) { out.mean[i] = r.mean }
      if what.contains(.meanSlope) { out.meanSlope[i] = r.meanSlope }
      if what.contains(.variance) { out.variance[i] = r.variance }
    }
  }
}

/// The Gauss–Hermite rules of the batched path and where each is used.
///
/// Measured validity (`BatchedMomentsTests.testMeasureValidityTable`,
/// FIXEDPOINTS_MEASURE_BATCHED=1, and =big for n ≥ 128): the largest s on a
/// 0.01 grid at which the n-node rule's mean, slope and variance agree with
/// the scalar path to 1e-13 relative for every μ ∈ [−40, 40] (step 0.25):
///
///   n         16    20    24    32    40    48    64    96    128   160
///   tanh      0.22  0.27  0.32  0.40  0.47  0.53  0.64  0.81  0.96  1.09
///   sigmoid   0.44  0.55  0.64  0.81  0.94  1.07  1.28  1.63  1.92  2.18
///   softplus  0.52  0.64  0.74  0.93  1.08  1.22  1.45  1.84  2.16  2.44
///
/// (s_max ∝ √n, and sigmoid/softplus twice tanh: their singularities are
/// twice as far from the real axis, as the geometric error law predicts.)
/// The bounds used are 0.8 × the measured ones: the error behaves like
/// exp(−c√n/s), so at 0.8 s it is the measured ≤ 1e-13 raised to the power
/// 1.25, below 1e-16 relative.
enum BatchedRule {
  static let sizes = [16, 20, 24, 32, 40, 48, 64, 96, 128, 160]
  static let rules: [GaussHermiteRule] = sizes.map { n in
    n == 40 ? GaussHermiteRule.n40 : n == 64 ? GaussHermiteRule.n64 : GaussHermiteRule(n: n)
  }
  static let tanhMeasured = [0.22, 0.27, 0.32, 0.40, 0.47, 0.53, 0.64, 0.81, 0.96, 1.09]
  static let sigmoidMeasured = [0.44, 0.55, 0.64, 0.81, 0.94, 1.07, 1.28, 1.63, 1.92, 2.18]
  static let softplusMeasured = [0.52, 0.64, 0.74, 0.93, 1.08, 1.22, 1.45, 1.84, 2.16, 2.44]
  static func measured(_ f: Activation) -> [Double]? {
    switch f {
    case .tanh: return tanhMeasured
    case .sigmoid: return sigmoidMeasured
    case .softplus: return softplusMeasured
    default: return nil
    }
  }
  /// The safety factor on the measured bounds (see above).
  static let margin = 0.8

  /// The s bound of each rule for f, smallest rule first (empty: no rule).
  static func bounds(_ f: Activation) -> [Double] { (measured(f) ?? []).map { margin * $0 } }

  /// The rule for f at s, nil where the scalar path is used.
  static func rule(_ f: Activation, sigma s: Double) -> GaussHermiteRule? {
    guard let m = measured(f) else { return nil }
    for k in m.indices where s <= margin * m[k] { return rules[k] }
    return nil
  }

  /// The largest s the batched rules cover for f (0: none).
  static func maxSigma(_ f: Activation) -> Double { bounds(f).last ?? 0 }
}

extension MomentEvaluator {
  /// The largest s at which `batchedMoments` uses a single Gauss–Hermite
  /// rule for f (0 when it never does).
  public static func batchedRuleMaxSigma(_ f: Activation) -> Double { BatchedRule.maxSigma(f) }
}
