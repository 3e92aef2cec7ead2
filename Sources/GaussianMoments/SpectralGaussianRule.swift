import Foundation
import GSL

/// E f(X) and E f′(X), X ~ N(μ, s²), for tanh, sigmoid and softplus at wide
/// s, from the Fourier side: the Gaussian multiplies f's transform by
/// e^{−s²k²/2}, so for large s only |k| ≲ 9/s matters and a trapezoidal
/// sum in k with a few dozen nodes, shared by every μ at this s, does.
///
/// The integrals (β = π/2 for tanh, π for the logistic; G(k) = e^{−s²k²/2}):
///   E tanh X     = ∫₀^∞ sin(kμ) G(k) / sinh(βk) dk        (F tanh = −iπ/sinh(πk/2))
///   E sech² X    = ∫₀^∞ k cos(kμ) G(k) / sinh(βk) dk      (F sech² = πk/sinh(πk/2))
///   E σ X − ½    = ∫₀^∞ sin(kμ) G(k) / sinh(πk) dk
///   E σ′ X       = ∫₀^∞ k cos(kμ) G(k) / sinh(πk) dk
///   E softplus X = E c(X) + (1/π) ∫₀^∞ r̂(k) cos(kμ) G(k) dk,
/// the last with `WideGaussianRule`'s comparator c = E_Z (x + Z/κ)₊ (closed
/// form E c) and r = softplus − c, whose transform follows from r″ = σ′ − κφ(κx):
///   r̂(k) = (e^{−k²/2κ²} − πk/sinh(πk)) / k²   (r̂(0) = π²/6 − 1/2κ²).
/// softplus′ = σ takes the sigmoid's mean sum.
///
/// Trapezoidal rule in k, step h = 2π/L: by Poisson summation its error is
/// exactly the aliasing Σ_{m≠0} p(μ + mL) of the x-space function p (E f′
/// at shifted arguments; for the odd means the differences
/// q(mL + μ) − q(mL − μ) ≤ 2|μ| sup p). With f′ (and |r|) ≤ 4e^{−a|x|}
/// (a = π/β: sech² ≤ 4e^{−2|x|}, σ′ ≤ e^{−|x|}, |r| ≤ 2.3e^{−|x|}),
///   p(y) ≤ P(y) = 4e^{−ay + a²s²/2}Φ(y/s − as) + 4Φ(−y/s),
/// and `aliasDistance` gives a Y in closed form with P ≤ 2·tol beyond Y
/// (tol = 1e-19). With L = M + Y the aliasing is below 5·tol·max(1, |μ|)
/// for |μ| ≤ M = 3s + 3; larger |μ| are left to the other rules.
/// The sum stops at the node N where the tail, bounded by the weights'
/// ratio (≤ (1 + 1/n)e^{−βh − s²h²n}, decreasing), is below 1e-18 of the
/// head; that tail is kept in the error bound. Node counts (tanh | sigmoid):
/// 28 | 43 at s = 1.5, 20 | 27 at 3, 18 | 18 from s ≈ 10 on, whatever s
/// (softplus: the sigmoid's, +1 for r̂'s tail).
///
/// Each μ then costs one sin/cos pair and N complex rotations
/// e^{i(n+1)θ} = e^{inθ}e^{iθ}, θ = h|μ|, plus two multiply-adds per node;
/// no transcendental per node. Four μ are done in SIMD lanes.
///
/// Rounding, and why each result carries its own bound: the rotation's
/// n-th power is within 4nε of e^{inθ} (each complex product adds ≤ 2√2ε,
/// |e^{iθ}| ≠ 1 by ≤ ε), for nθ ≤ 1 within 4nε·nθ on the sine (its terms
/// are then all positive, the cosine's error enters through sin θ ≤ θ);
/// the weights, built by recurrences, carry ≤ (n² + 8n)ε (the Gaussian's
/// ratio q enters G_n as q^{n(n−1)/2}; Σn²|w_n|/Σ|w_n| ≈ 1/(sh)² ≈ 4 at
/// large s), recursive summation ≤ Nε of Σ|terms|. So
///   |error| ≤ ε Σ_n (n² + 12n + N + 8)|w_n| m_n + tail + aliasing,  m_n = min(1, nθ)
/// for the sine sums and 1 for the cosine sums. Where the result is much
/// smaller than its terms (|μ| several s, where p(μ) ≪ p(0); the sigmoid
/// mean at μ ≪ 0 as ½ − |…|), that bound exceeds 1e-13 of the result and
/// the element is left to `WideGaussianRule` / the Gauss–Hermite rules.
struct SpectralGaussianRule: Sendable {
  let activation: Activation
  let sigma: Double
  /// h
  let step: Double
  /// N: nodes k_n = nh, n = 1…N (plus the half-weighted k = 0).
  let count: Int
  /// M: |μ| covered (the aliasing bound assumes it).
  let muBound: Double
  /// One allocation, N + N + (N + 1) + (N + 1) entries:
  ///   the sine sum's weights a_n (n = 1…N): E tanh, E σ − ½ (also softplus′);
  ///   the cosine sum's weights b_n (n = 1…N): E sech², E σ′, E r (softplus);
  ///   the prefix sums over n = 0…N of ε c_n|a_n| n and of ε c_n|a_n|,
  ///   c_n = n² + 12n + N + 8: the sine sum's rounding bound is
  ///   θ·linear[n*] + flat[N] − flat[n*], n* = ⌊1/θ⌋ (see the type's doc).
  let table: [Double]
  /// k = 0 node: the sine sum's is sinZero·μ, the cosine sum's cosZero.
  let sinZero: Double
  let cosZero: Double
  /// ε Σ c_n·(bound on |b_n|), and the k = 0 node's share.
  let cosBound: Double
  /// Tail bounds: the cosine sum's, and the sine sum's per unit of min(|μ|, 1/(Nh)).
  let cosTail: Double
  let sinTail: Double
  /// κ of the softplus comparator.
  let kappa: Double

  /// log P's target: P(y) ≤ 2·tol beyond the aliasing distance.
  static let aliasTolerance = 1e-19
  /// Results whose bound exceeds this fraction of them go to the other rules.
  static let acceptedRelativeError = 1e-13
  static let maxNodes = 400
  /// Runs of equal s shorter than this are left to the per-element rules
  /// (measured, distinct s per element over μ ∈ [−3, 3], under load: building
  /// a rule per element made tanh at s ∈ [0.7, 1.5] 1.6 µs an element
  /// against 0.65 µs, softplus at s ∈ [1.5, 50] 1.3 against 0.7).
  static let minimumRun = 4

  /// Whether this rule is tried for f at s (beyond it: Gauss–Hermite).
  static func applies(_ f: Activation, sigma s: Double) -> Bool {
    switch f {
    // Above 1e100 s² would overflow; the other rules take it.
    case .tanh: return s > tanhLower && s < 1e100
    case .sigmoid: return s > sigmoidLower && s < 1e100
    case .softplus: return s > softplusLower && s < 1e100
    default: return false
    }
  }

  /// From here on the rule needs fewer nodes than the folded Gauss–Hermite
  /// rule it replaces (which also pays one or two exponentials per node).
  ///
  /// Measured (batched mean + slope over μ ∈ [−3, 3], ns per element, under
  /// load): tanh at s = 0.7 (Gauss–Hermite 128 nodes) 640 vs 53 here, at 0.6
  /// (96) 660 vs 62; sigmoid at 1.5 (128) 850 vs 54, at 1.0 (64) 470 vs 62;
  /// softplus at 1.5 (128, two log1p per node) 2100 vs 390, at 1.2 (96) 1500
  /// vs 300. Here from the first s at which Gauss–Hermite would take 96 nodes
  /// (tanh, sigmoid) or 64 (softplus, whose nodes cost most), where this
  /// rule's count (≈ 50) is no larger than the folded rule's.
  static let tanhLower = lowerSigma(.tanh)
  static let sigmoidLower = lowerSigma(.sigmoid)
  static let softplusLower = lowerSigma(.softplus)

  static func lowerSigma(_ f: Activation) -> Double {
    guard let b = Optional(BatchedRule.bounds(f)), !b.isEmpty else { return .infinity }
    let size = f == .softplus ? 64 : 96
    guard let k = BatchedRule.sizes.firstIndex(of: size), k > 0 else { return BatchedRule.maxSigma(f) }
    return b[k - 1]
  }

  /// Y with P(y) ≤ 2·tol for every y ≥ Y (see the type's doc).
  /// For y ≤ as², Φ(y/s − as) ≤ ½e^{−(as − y/s)²/2} makes both terms of P
  /// ≤ 2e^{−y²/2s²}; beyond, the first is ≤ 4e^{−ay + a²s²/2}.
  static func aliasDistance(decay a: Double, sigma s: Double) -> Double {
    let tol = aliasTolerance
    let yGauss = s * (2 * log(4 / tol)).squareRoot()
    if yGauss <= a * s * s { return yGauss }
    let yExp = (log(8 / tol) + a * a * s * s / 2) / a
    return Swift.max(yGauss, yExp, a * s * s)
  }

  init(_ f: Activation, sigma s: Double) {
    activation = f
    sigma = s
    let beta = f == .tanh ? Double.pi / 2 : Double.pi
    let a = Double.pi / beta
    let k2 = 2 * Double.pi / 16
    kappa = k2.squareRoot()
    muBound = 3 * s + 3
    let h = 2 * Double.pi / (muBound + Self.aliasDistance(decay: a, sigma: s))
    step = h
    let softplus = f == .softplus
    let gaussRate = 1 / (2 * k2) + s * s / 2
    // Per node only products and one or two divisions: G_n = e^{−s²h²n²/2} by
    // G_{n+1} = G_n·r_n, r_{n+1} = r_n·q (q = e^{−s²h²}), and
    // (cosh, sinh)(βnh) by the hyperbolic rotation, whose terms are all
    // positive (≤ 3nε relative); G_n carries ≤ (n² + 4n)ε from q^{n(n−1)/2}
    // and the products, so the weights ≤ (n² + 8n)ε.
    let q = exp(-s * s * h * h)
    let c1 = cosh(beta * h), s1 = sinh(beta * h)
    // The ratio bound (1 + 1/n)e^{−βh}qⁿ of the weights beyond n.
    let eBeta = exp(-beta * h)
    let cap = Self.maxNodes
    let built = withUnsafeTemporaryAllocation(of: Double.self, capacity: 2 * cap) { w in
      var r = exp(-s * s * h * h / 2), g = 1.0, ch = 1.0, sh = 0.0, qn = 1.0
      // The f′ weights (slope of tanh/sigmoid; through πk/sinh(πk) they also
      // bound softplus's r̂), their running sum and tail bound; the bound's
      // sums Σ(n² + 12n + 8)|b_n| and Σ|b_n| (its N-term).
      var slopeSum = h / (2 * beta), slopeTail = Double.infinity, gaussTail = 0.0
      var cosFixed = 0.0, cosPlain = 0.0
      var n = 0
      while n < cap {
        n += 1
        let k = Double(n) * h
        g *= r
        r *= q
        (ch, sh) = (ch * c1 + sh * s1, sh * c1 + ch * s1)
        qn *= q
        let oddW = h * g / sh
        let slopeW = k * oddW
        slopeSum += slopeW
        w[n - 1] = oddW
        var cosAbs = slopeW
        if softplus {
          // r̂ without cancellation near 0: expm1(−k²/2κ²)/k² + (sinh πk − πk)/(k² sinh πk);
          // below πk = 3 the difference loses up to 7×, so from the library's sinh there.
          let ck = k * k / (2 * k2)
          let t1 = (ck < 0.5 ? expm1(-ck) : exp(-ck) - 1) / (k * k)
          let x = Double.pi * k
          let t2 = (x < 1 ? Self.sinhMinusX(x) : x < 3 ? sinh(x) - x : sh - x) / (k * k * sh)
          w[cap + n - 1] = h / Double.pi * (t1 + t2) * g
          cosAbs = h / Double.pi * (abs(t1) + abs(t2)) * g
        } else {
          w[cap + n - 1] = slopeW
        }
        let dn = Double(n)
        cosFixed += (dn * dn + 12 * dn + 8) * cosAbs
        cosPlain += cosAbs
        let rho = (1 + 1 / dn) * eBeta * qn
        guard rho < 1 else { continue }
        slopeTail = slopeW * rho / (1 - rho)
        guard slopeTail <= 1e-18 * slopeSum else { continue }
        if softplus {
          // |r̂ G| h/π ≤ (h/π)(e^{−k²/2κ²}G + πkG/sinh πk)/k² beyond k = Nh.
          let kn = Double(n + 1) * h
          gaussTail = exp(-gaussRate * kn * kn) / (1 - exp(-2 * gaussRate * kn * h))
          guard gaussTail <= 1e-18 * slopeSum else { continue }
        }
        break
      }
      let eps = Double.ulpOfOne / 2
      let nn = Double(n)
      let table = [Double](unsafeUninitializedCapacity: 4 * n + 2) { t, initialised in
        for j in 0..<n {
          t[j] = w[j]
          t[n + j] = w[cap + j]
        }
        var lin = 0.0, flat = 0.0
        t[2 * n] = 0
        t[3 * n + 1] = 0
        for j in 1...n {
          let dj = Double(j)
          let c = eps * (dj * dj + 12 * dj + nn + 8) * abs(w[j - 1])
          lin += c * dj
          flat += c
          t[2 * n + j] = lin
          t[3 * n + 1 + j] = flat
        }
        initialised = 4 * n + 2
      }
      return (n, table, slopeTail, gaussTail, eps * (cosFixed + nn * cosPlain))
    }
    let n = built.0
    count = n
    table = built.1
    let slopeTail = built.2
    sinZero = h / (2 * beta)
    let kN = Double(n) * h
    if softplus {
      cosZero = h / (2 * Double.pi) * (Double.pi * Double.pi / 6 - 1 / (2 * k2))
      cosTail = h / Double.pi / (kN * kN) * (built.3 + Double.pi / h * slopeTail)
    } else {
      cosZero = h / (2 * beta)
      cosTail = slopeTail
    }
    // a_n ≤ b_n/(Nh) and a_n·nθ = b_n θ/h beyond N.
    sinTail = slopeTail / h
    cosBound = built.4 + Double.ulpOfOne / 2 * (Double(n) + 8) * abs(cosZero)
  }

  /// sinh x − x for x ≥ 0 without cancellation (series below 1: terms x^{2j+1}/(2j+1)!
  /// fall below 1e-17 of the first by j = 8).
  static func sinhMinusX(_ x: Double) -> Double {
    if x >= 1 { return sinh(x) - x }
    let x2 = x * x
    var term = x * x2 / 6, sum = term
    var j = 2.0
    while j < 12 {
      term *= x2 / ((2 * j) * (2 * j + 1))
      sum += term
      j += 1
    }
    return sum
  }

  /// Closed-form E c for the softplus comparator (as `WideGaussianRule.closedMean`):
  /// E (μ + Sξ)₊ = S·g₁(−t), t = μ/S, and for t ≥ 0 g₁(−t) = t + g₁(t). For
  /// |t| < 2, g₁(a) = φ(a) − a·Q(a) with Q from the C library's erfc (within
  /// 2 ulp; GaussianTail's GSL route costs several times more here), where
  /// the subtraction loses at most a factor 7 (at a = 2): ≤ 16ε with S's
  /// rounding, as the error bound in `finish` assumes.
  @inline(__always)
  func softplusComparator(_ mu: Double) -> Double {
    let bigS = (sigma * sigma + 1 / (kappa * kappa)).squareRoot()
    let t = mu / bigS
    let a = abs(t)
    let g1 = a < 2
      ? Normal.invSqrt2Pi * exp(-0.5 * a * a) - a * 0.5 * erfc(a / Normal.sqrt2)
      : GaussianTail.g1(a)
    return t < 0 ? bigS * g1 : mu + bigS * g1
  }

  /// Mean and slope for mu[0..<count], written to mean/slope (either may be
  /// nil when not asked for); accepted[i] = false where the element is left
  /// to the other rules (its outputs may then be partly written, and are
  /// overwritten by those rules).
  func evaluate(
    mu: UnsafeBufferPointer<Double>, mean: UnsafeMutablePointer<Double>?, slope: UnsafeMutablePointer<Double>?,
    accepted: UnsafeMutablePointer<Bool>
  ) {
    let total = mu.count
    var i = 0
    table.withUnsafeBufferPointer { t in
      let a = UnsafeBufferPointer(rebasing: t[0..<count]), b = UnsafeBufferPointer(rebasing: t[count..<(2 * count)])
      do {
        while i < total {
          let lanes = Swift.min(4, total - i)
          var theta = SIMD4<Double>(repeating: 0), c1 = SIMD4<Double>(repeating: 1), s1 = SIMD4<Double>(repeating: 0)
          for l in 0..<lanes {
            let m = abs(mu[i + l])
            let t = step * Swift.min(m, muBound)
            theta[l] = t
            c1[l] = cos(t)
            s1[l] = sin(t)
          }
          // The rotation and the two sums, four μ at a time.
          var zc = c1, zs = s1
          var sinSum = a[0] * zs, cosSum = b[0] * zc
          for j in 1..<count {
            let nc = zc * c1 - zs * s1
            zs = zs * c1 + zc * s1
            zc = nc
            sinSum += a[j] * zs
            cosSum += b[j] * zc
          }
          for l in 0..<lanes {
            let m = mu[i + l]
            accepted[i + l] = finish(mu: m, theta: theta[l], sinSum: sinSum[l], cosSum: cosSum[l], mean: mean.map { $0 + i + l }, slope: slope.map { $0 + i + l })
          }
          i += lanes
        }
      }
    }
  }

  /// Adds the k = 0 node and the closed-form parts, checks the bounds, writes.
  @inline(__always)
  private func finish(
    mu m: Double, theta: Double, sinSum: Double, cosSum: Double, mean: UnsafeMutablePointer<Double>?, slope: UnsafeMutablePointer<Double>?
  ) -> Bool {
    let u = abs(m)
    guard u <= muBound else { return false }
    let eps = Double.ulpOfOne / 2
    let alias = 5 * Self.aliasTolerance
    // The odd (sine) sum at |μ|, its bound.
    let odd = sinZero * u + sinSum
    let nStar = theta > 0 ? Swift.min(count, Int(Swift.min(1 / theta, Double(count)))) : count
    let lin = 2 * count, flat = 3 * count + 1
    let oddBound = theta * table[lin + nStar] + table[flat + count] - table[flat + nStar]
      + eps * (Double(count) + 8) * sinZero * u + sinTail * Swift.min(u, 1 / (Double(count) * step)) + alias * u
    let even = cosZero + cosSum
    let evenBound = cosBound + cosTail + alias
    let tau = Self.acceptedRelativeError
    switch activation {
    case .tanh:
      if let mean {
        // At μ = 0 both the sum and its bound are exactly 0.
        guard oddBound <= tau * odd else { return false }
        mean.pointee = m < 0 ? -odd : odd
      }
      if let slope {
        guard evenBound <= tau * even else { return false }
        slope.pointee = even
      }
      return true
    case .sigmoid:
      let v = m < 0 ? 0.5 - odd : 0.5 + odd
      if let mean {
        guard oddBound + eps * v <= tau * v else { return false }
        mean.pointee = v
      }
      if let slope {
        guard evenBound <= tau * even else { return false }
        slope.pointee = even
      }
      return true
    default:
      if let slope {
        let v = m < 0 ? 0.5 - odd : 0.5 + odd
        guard oddBound + eps * v <= tau * v else { return false }
        slope.pointee = v
      }
      if let mean {
        let c = softplusComparator(m)
        let v = c + even
        guard evenBound + 16 * eps * c + eps * abs(v) <= tau * v else { return false }
        mean.pointee = v
      }
      return true
    }
  }
}
