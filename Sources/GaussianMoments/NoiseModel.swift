import Foundation

/// The law of the unit-SD variate ξ in the noise term σξ (DESIGN.md, "The
/// models"). σ is always the standard deviation of the noise, whatever its
/// law, so σ values compare across laws.
///
/// The raw value is what files and flags say (`noise_law` metadata of a
/// checkpoint); a file without that key is Gaussian.
public enum NoiseLaw: String, CaseIterable, Sendable, Codable {
  /// ξ ~ N(0, 1).
  case gaussian
  /// ξ Laplace with scale 1/√2 (variance 1): density (1/√2) e^{−√2|z|}.
  /// Bricken et al. 2023, appendix H.1.
  case laplace
  /// ξ = |Z|/√(1 − 2/π), Z ~ N(0, 1): half-normal scaled to variance 1 and
  /// *not* centred, so E ξ = √(2/π)/√(1 − 2/π) ≈ 1.3236. Gulcehre et al.
  /// 2016 (Sec. 4.1, Eq. 13) use |ξ| uncentred and keep its mean
  /// E|ξ| = √(2/π) in the expectation network: the first-order shift is the
  /// point of that noise, and centring it would make it a different law.
  /// A σ_G of theirs (the scale of |ξ|) is σ = σ_G √(1 − 2/π) here.
  case halfNormal = "half-normal"
  /// Additive salt-and-pepper (impulse) noise: ξ = 0 with probability
  /// 1 − p, +1/√p ("salt") or −1/√p ("pepper") with probability p/2 each,
  /// p = `saltAndPepperRate`. Mean 0, variance 1 (so σξ has SD σ and
  /// impulses of size ±σ/√p), excess kurtosis 1/p − 3. Bricken et al. 2023
  /// (appendix H.1, Fig. 24) use salt-and-pepper noise as an alternative to
  /// Gaussian; their "multiplicative" form that zeroes or saturates units is
  /// dropout-like and lives with the dropout placements. This is its
  /// additive form: a discrete law, so every average is a three-term sum —
  /// exact for every activation.
  case saltAndPepper = "salt-and-pepper"

  /// p of `saltAndPepper`: the probability that a step carries an impulse.
  /// Fixed (not yet a checkpoint key): 0.1, impulses of ±√10 σ, the usual
  /// sparse-impulse regime (kurtosis 10 against the Gaussian's 3).
  public static let saltAndPepperRate = 0.1

  /// The atoms (z, probability) of a discrete law, nil for laws with a density.
  public var atoms: [(z: Double, weight: Double)]? {
    switch self {
    case .gaussian, .laplace, .halfNormal: return nil
    case .saltAndPepper:
      let p = Self.saltAndPepperRate, a = 1 / p.squareRoot()
      return [(-a, p / 2), (0, 1 - p), (a, p / 2)]
    }
  }

  /// As printed in tables and reports.
  public var label: String { rawValue }

  /// √(1 − 2/π), the standard deviation of |Z|.
  public static let halfNormalSD = (1 - 2 / Double.pi).squareRoot()

  /// E ξ of the unit-SD variate (0 for the symmetric laws).
  public var mean: Double {
    switch self {
    case .gaussian, .laplace, .saltAndPepper: return 0
    case .halfNormal: return (2 / Double.pi).squareRoot() / Self.halfNormalSD
    }
  }

  /// The density of the unit-SD variate at z; 0 for a discrete law (its
  /// mass is in `atoms`, which every average sums over instead).
  public func density(_ z: Double) -> Double {
    switch self {
    case .saltAndPepper: return 0
    case .gaussian: return exp(-0.5 * z * z) / (2 * Double.pi).squareRoot()
    case .laplace: return exp(-2.0.squareRoot() * abs(z)) / 2.0.squareRoot()
    case .halfNormal:
      guard z >= 0 else { return 0 }
      let s = Self.halfNormalSD, y = s * z
      return 2 * s * exp(-0.5 * y * y) / (2 * Double.pi).squareRoot()
    }
  }

  /// The range quadrature integrates over: |z| ≤ 40 for the Gaussian (φ(40)
  /// underflows); ≤ 40 for the Laplace (the mass beyond is e^{−√2·40}/2 ≈
  /// 1e-25, and the tail's contribution to E f for f growing at most
  /// linearly is of that order times 40); [0, 40/√(1 − 2/π)] for the
  /// half-normal (the Gaussian's cut, rescaled).
  public var support: ClosedRange<Double> {
    switch self {
    case .gaussian, .laplace: return -40...40
    case .saltAndPepper: let a = 1 / Self.saltAndPepperRate.squareRoot(); return -a...a
    case .halfNormal: return 0...(40 / Self.halfNormalSD)
    }
  }

  /// Whether the law is the Gaussian the closure assumes.
  public var isGaussian: Bool { self == .gaussian }
}

/// How σ enters one step of the chain (the noise's amplitude per step).
///
/// The raw value is the `noise_amplitude` metadata of a checkpoint; a file
/// without that key is `gammaSigma`, today's convention. (The converter's
/// `noise_scaling` key is a different thing: it records a foreign source's
/// convention after translating its σ into `gammaSigma`, so such files need
/// no key of this kind.)
public enum NoiseAmplitude: String, CaseIterable, Sendable, Codable {
  /// noise-out: h ← (1−γ)h + γ(f(u) + σξ), a per-step term γσξ;
  /// noise-in : h ← (1−γ)h + γ f(u + σξ).
  case gammaSigma = "gamma"
  /// noise-out: h ← (1−γ)h + γ f(u) + √(2γ)σξ (Euler–Maruyama of
  /// τ dh = (f(u) − h)dt + √(2τ)σ dW; PsychRNN and others);
  /// noise-in : h ← (1−γ)h + γ f(u + √(2/γ)σξ) (Yang et al. 2019).
  /// Both are the γσ chain at σ_c = √(2/γ) σ.
  case sqrtTwoGammaSigma = "sqrt-2-gamma"

  /// As printed: "γσ" or "√(2γ)σ".
  public var label: String {
    switch self {
    case .gammaSigma: return "γσ"
    case .sqrtTwoGammaSigma: return "√(2γ)σ"
    }
  }

  /// One line for `checkpoint inspect`: the raw value and what it means.
  public var summary: String {
    switch self {
    case .gammaSigma: return "gamma (sigma as in the chain: gamma sigma xi outside f, sigma xi inside)"
    case .sqrtTwoGammaSigma: return "sqrt-2-gamma (the chain runs at sigma_c = sqrt(2/gamma) sigma)"
    }
  }

  /// The σ of the γσ chain that is this convention's σ at γ = dt/τ.
  public func chainSigma(_ sigma: Double, gamma: Double) -> Double {
    switch self {
    case .gammaSigma: return sigma
    case .sqrtTwoGammaSigma: return sigma * (2 / gamma).squareRoot()
    }
  }
}

/// The noise of a network or neuron as one value: where it enters
/// (`placement`), its law, and how σ scales per step. σ itself is not part
/// of it (it is a property of the analysis: σ_train, σ_test).
public struct NoiseModel: Sendable, Equatable, Hashable, Codable {
  public var placement: NoisePlacement
  public var law: NoiseLaw
  public var amplitude: NoiseAmplitude
  /// Gulcehre's saturation gate (placement `outside`: the noise enters
  /// φ, the unit's output); nil for additive noise.
  public var gate: NoiseGate?
  /// Bernoulli dropout besides the additive noise (nil: none). Its rate,
  /// like σ, belongs to the analysis, not to the model.
  public var dropout: DropoutSite?

  public init(
    placement: NoisePlacement, law: NoiseLaw = .gaussian, amplitude: NoiseAmplitude = .gammaSigma, gate: NoiseGate? = nil,
    dropout: DropoutSite? = nil
  ) {
    self.placement = placement
    self.law = law
    self.amplitude = amplitude
    self.gate = gate
    self.dropout = dropout
  }

  /// Additive Gaussian noise with the γσ amplitude: every model before
  /// noise laws existed, and every file without the new keys.
  public var isDefault: Bool { law == .gaussian && amplitude == .gammaSigma && gate == nil && dropout == nil }

  /// "in", or "in, laplace, √(2γ)σ" when not the default; "gated, …" for
  /// Gulcehre's gate ("gated-input, …" at h's input).
  public var label: String {
    var parts = [gate.map { $0.site == .input ? "gated-input" : "gated" } ?? placement.label]
    if law != .gaussian || amplitude != .gammaSigma || gate != nil { parts.append(law.label) }
    if amplitude != .gammaSigma { parts.append(amplitude.label) }
    if let dropout { parts.append(dropout.label) }
    return parts.joined(separator: ", ")
  }
}
