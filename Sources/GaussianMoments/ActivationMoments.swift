/// How a set of moments was computed.
public enum MomentMethod: String, Sendable, Codable {
  /// s = 0, or f linear: the moments are f(μ), f(μ)², 0, f′(μ) exactly.
  case exact
  /// Closed forms in Φ, φ, erf (relu = Bricken 2023 Eq. 21; hardtanh; erf).
  case closedForm = "closed-form"
  /// Closed forms for mean, slope and bias; quadrature for the second moment.
  case closedFormAndQuadrature = "closed-form+quadrature"
  /// Gauss–Hermite rules (40 and 64 nodes, their difference the error estimate).
  case gaussHermite = "gauss-hermite"
  /// GSL adaptive Gauss–Kronrod (QAGP), split at f's kinks and scale changes.
  case adaptive
}

/// The moments of f(X) for X = μ + sξ, ξ ~ N(0, 1).
public struct ActivationMoments: Sendable, Equatable {
  public var activation: Activation
  public var mu: Double
  public var sigma: Double
  /// E f(X)
  public var mean: Double
  /// E f(X)²
  public var secondMoment: Double
  /// Var f(X)
  public var variance: Double
  /// E f′(X) = d/dμ E f(μ + sξ): the slope of the noise-averaged activation.
  public var meanSlope: Double
  /// E f(X) − f(μ): the noise-induced bias (first order in s² where f curves).
  public var bias: Double
  public var method: MomentMethod
  /// Absolute error bounds of each value, as the method states them
  /// (rounding for closed forms; GSL's estimate for quadrature).
  public var errorBounds: ErrorBounds

  public struct ErrorBounds: Sendable, Equatable {
    public var mean, secondMoment, variance, meanSlope, bias: Double
    public init(mean: Double, secondMoment: Double, variance: Double, meanSlope: Double, bias: Double) {
      self.mean = mean
      self.secondMoment = secondMoment
      self.variance = variance
      self.meanSlope = meanSlope
      self.bias = bias
    }
    static let zero = ErrorBounds(mean: 0, secondMoment: 0, variance: 0, meanSlope: 0, bias: 0)
  }

  /// The largest relative error bound over mean, second moment, variance and
  /// mean slope (the bias is left out: it is exactly 0 for odd f at μ = 0,
  /// where only an absolute bound means anything).
  public var relativeErrorBound: Double {
    func rel(_ e: Double, _ v: Double) -> Double { v == 0 ? (e == 0 ? 0 : .infinity) : e / abs(v) }
    return Swift.max(
      rel(errorBounds.mean, mean), rel(errorBounds.secondMoment, secondMoment),
      rel(errorBounds.variance, variance), rel(errorBounds.meanSlope, meanSlope))
  }
}

/// Bad arguments to a moment computation.
public enum MomentError: Error, CustomStringConvertible, Equatable, Sendable {
  case nonFiniteMean(Double)
  case invalidSigma(Double)
  case tooFewSamples(Int)
  /// No moment method covers this activation (a new case added to
  /// `Activation` without its moments).
  case noMethod(Activation)
  /// A moment table over pre-activations [lower, upper] that double
  /// precision cannot resolve (empty, non-finite, or nodes that coincide).
  case unresolvableRange(lower: Double, upper: Double)

  public var description: String {
    switch self {
    case .nonFiniteMean(let mu): return "mu must be a finite number, got \(mu)"
    case .invalidSigma(let s): return "sigma must be finite and ≥ 0, got \(s)"
    case .tooFewSamples(let n): return "Monte Carlo needs at least 2 samples, got \(n)"
    case .noMethod(let f): return "no Gaussian-moment method for activation \(f)"
    case .unresolvableRange(let lower, let upper):
      return "the pre-activation range [\(lower), \(upper)] cannot be tabulated in double precision (the weights or bias are too large)"
    }
  }
}
