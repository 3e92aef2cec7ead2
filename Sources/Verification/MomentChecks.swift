import Foundation
import GaussianMoments
import GSL

/// `verify` checks of the GaussianMoments layer.
enum MomentChecks {
  static var all: [Check] {
    [closedFormVsQuadrature, reluTails, smoothVsQuadrature, smallSigmaBias, monteCarlo,
     brickenEq21, brickenEta, gslErrorsThrow]
  }

  static let moderateMus: [Double] = [-3, -1, -0.2, 0.4, 1.5, 4]
  static let moderateSigmas: [Double] = [0.01, 0.3, 1, 5]

  static let closedFormVsQuadrature = Check(
    name: "closed-forms-vs-quadrature", unit: .relative, tolerance: 1e-10,
    reason: "relu, hardtanh, hardsigmoid, erf, linear closed forms vs QAGP of the definitions (requested 1e-13) on |μ| ≤ 4, 0.01 ≤ s ≤ 5; the reference, not the closed form, limits it"
  ) {
    let evaluator = try MomentEvaluator(), reference = try RawQuadrature()
    var worst = 0.0
    for f in [Activation.linear, .relu, .hardtanh, .hardsigmoid, .erf] {
      for mu in moderateMus {
        for s in moderateSigmas {
          let m = try evaluator.moments(f, mu: mu, sigma: s)
          worst = max(worst, worstRelativeError(m.comparable, try reference.moments(f, mu: mu, sigma: s), floors: m.comparisonFloors))
        }
      }
    }
    return worst
  }

  static let reluTails = Check(
    name: "relu-tails", unit: .relative, tolerance: 1e-10,
    reason: "relu mean, E f², slope at μ/s = ±20, ±30, ±40 vs QAGIU from the kink, where the integrand is positive and the reference keeps its relative precision (values down to 1e-350 need μ/s ≥ −37: ±40 checked on the positive side only)"
  ) {
    let evaluator = try MomentEvaluator()
    let integrator = try Integrator(limit: 2000, absoluteTolerance: 0, relativeTolerance: 1e-13)
    var worst = 0.0
    for t in [-37.0, -30, -20, 20, 30, 40] {
      for s in [0.001, 1.0, 50] {
        let mu = t * s
        let m = try evaluator.moments(.relu, mu: mu, sigma: s)
        let kink = -t
        // For kink > 0 the values reach 1e-300, where GSL's absolute-error
        // logic underflows: integrate ∫₀^∞ g(s·u) e^{−ku − u²/2} du, O(1), and
        // scale by φ(k) (μ + s·kink = 0, so the argument is s·u).
        func tailIntegral(_ g: @escaping (Double) -> Double) throws -> Double {
          if kink > 0 {
            return Normal.pdf(kink)
              * (try integrator.integrate({ u in g(s * u) * Foundation.exp(-kink * u - 0.5 * u * u) }, fromLower: 0).value)
          }
          // kink ≤ 0: the mass sits at ξ ≈ 0, far inside [kink, 40]; QAGIU's
          // map of [kink, ∞) can step over it, so split there explicitly.
          return try integrator.integrate(
            { xi in g(mu + s * xi) * Normal.pdf(xi) }, from: kink, to: 40, breakpoints: [0]
          ).value
        }
        let mean = try tailIntegral { $0 }
        let second = try tailIntegral { $0 * $0 }
        let slope = Normal.tail(kink)
        worst = max(worst, worstRelativeError([m.mean, m.secondMoment, m.meanSlope], [mean, second, slope]))
      }
    }
    return worst
  }

  static let smoothVsQuadrature = Check(
    name: "smooth-moments-vs-quadrature", unit: .relative, tolerance: 1e-10,
    reason: "tanh, sigmoid, softplus (Gauss–Hermite or adaptive on folded, cancellation-free integrands) vs QAGP of the plain definitions (requested 1e-13) on |μ| ≤ 4, 0.01 ≤ s ≤ 5"
  ) {
    let evaluator = try MomentEvaluator(), reference = try RawQuadrature()
    var worst = 0.0
    for f in [Activation.tanh, .sigmoid, .softplus] {
      for mu in moderateMus {
        for s in moderateSigmas {
          let m = try evaluator.moments(f, mu: mu, sigma: s)
          worst = max(worst, worstRelativeError(m.comparable, try reference.moments(f, mu: mu, sigma: s), floors: m.comparisonFloors))
        }
      }
    }
    return worst
  }

  /// f″ for the bias Taylor check.
  static func secondDerivative(_ f: Activation, _ x: Double) -> Double {
    switch f {
    case .tanh: let t = Foundation.tanh(x); return -2 * t * (1 - t * t)
    case .sigmoid: let p = 1 / (1 + exp(-x)); return p * (1 - p) * (1 - 2 * p)
    case .softplus: let p = 1 / (1 + exp(-x)); return p * (1 - p)
    case .erf: return -2 * x * Normal.pdf(x)
    default: return 0
    }
  }

  static let smallSigmaBias = Check(
    name: "small-sigma-bias-taylor", unit: .relative, tolerance: 1e-6,
    reason: "bias = s²f″(μ)/2 + O(s⁴): at s = 1e-4 the next term is relatively ~s²·f⁗/(4f″) ≈ 1e-8; at s = 1e-6 the bias (~1e-12) must keep its digits though f is O(1)"
  ) {
    let evaluator = try MomentEvaluator()
    var worst = 0.0
    for (f, mu) in [(Activation.tanh, 0.5), (.sigmoid, 1.0), (.softplus, 0.3), (.erf, 0.7), (.tanh, -2.0)] {
      for s in [1e-4, 1e-6] {
        let m = try evaluator.moments(f, mu: mu, sigma: s)
        let taylor = 0.5 * s * s * secondDerivative(f, mu)
        worst = max(worst, abs(m.bias - taylor) / abs(taylor))
      }
    }
    return worst
  }

  static let monteCarlo = Check(
    name: "moments-vs-monte-carlo", unit: .standardErrors, tolerance: 4.5,
    reason: "every moment of every activation at 3 (μ, s) vs 200000 i.i.d. samples: 105 z-scores, P(max |z| > 4.5) ≈ 105·6.8e-6 < 0.1% for a correct code"
  ) {
    let evaluator = try MomentEvaluator()
    var worst = 0.0
    var seed: UInt = 20_261_123
    for f in Activation.allCases {
      for (mu, s) in [(0.3, 0.5), (-1.2, 2.0), (2.5, 0.1)] {
        let m = try evaluator.moments(f, mu: mu, sigma: s)
        let mc = try MonteCarloMoments.estimate(f, mu: mu, sigma: s, samples: 200_000, seed: seed)
        seed += 1
        let pairs = [
          (m.mean, mc.mean), (m.secondMoment, mc.secondMoment), (m.variance, mc.variance),
          (m.meanSlope, mc.meanSlope), (m.bias, mc.bias),
        ]
        for (exact, est) in pairs where est.standardError > 0 {
          worst = max(worst, abs(est.value - exact) / est.standardError)
        }
      }
    }
    return worst
  }

  static let brickenEq21 = Check(
    name: "bricken-eq21", unit: .relative, tolerance: 1e-10,
    reason: "Bricken 2023 Eq. 21 as printed vs μΦ(μ/s)+sφ(μ/s) for a = |z̄|/(‖w‖σ) ≤ 4: the printed erf(·)−1 costs up to ε·a/(2g₁(a)) ≈ 3e-11 relative at a = 4"
  ) {
    var worst = 0.0
    for zBar in stride(from: -2.0, through: 2.0, by: 0.25) {
      for (norm, sigma) in [(1.0, 0.5), (2.3, 0.7), (0.8, 1.5)] where abs(zBar) / (norm * sigma) <= 4 {
        let printed = Bricken2023.eq21Mean(zBar: zBar, weightNorm: norm, sigma: sigma)
        let s = norm * sigma
        let direct = zBar * Normal.cdf(zBar / s) + s * Normal.pdf(zBar / s)
        worst = max(worst, abs(printed - direct) / direct)
      }
    }
    return worst
  }

  static let brickenEta = Check(
    name: "bricken-eta-corrected", unit: .relative, tolerance: 1e-12,
    reason: "Eqs. 23/25 with σ‖w‖ (not σ²‖w‖²) in the CDF and (ε−|z̄|)² in Eq. 25, vs E(relu(X) − relu(z̄))² = Var + bias² from the relu closed form"
  ) {
    var worst = 0.0
    for zBar in stride(from: -3.0, through: 3.0, by: 0.5) {
      for (norm, sigma) in [(1.0, 0.5), (2.3, 0.7), (0.8, 1.5)] {
        let corrected = Bricken2023.etaSecondMomentCorrected(zBar: zBar, weightNorm: norm, sigma: sigma)
        let m = try Activation.relu.gaussianMoments(mu: zBar, sigma: norm * sigma)
        let centred = m.variance + m.bias * m.bias
        worst = max(worst, abs(corrected - centred) / centred)
      }
    }
    return worst
  }

  static let gslErrorsThrow = Check(
    name: "gsl-errors-throw", unit: .absolute, tolerance: 0,
    reason: "a divergent integral (∫₁^∞ dx/x) and a non-bracketing root must surface as GSLError, not abort: 1 per case that does not"
  ) {
    var misses = 0.0
    let integrator = try Integrator()
    do {
      _ = try integrator.integrate({ 1 / $0 }, fromLower: 1)
      misses += 1
    } catch is GSLError {}
    do {
      _ = try RootBracketing().solve({ $0 * $0 + 1 }, lower: -1, upper: 1)
      misses += 1
    } catch is GSLError {}
    return misses
  }
}
