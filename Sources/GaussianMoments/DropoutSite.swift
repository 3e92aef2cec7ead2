/// Where Bernoulli dropout (Kobayashi & Murata 2025, "variational adaptive
/// noise and dropout": dropout on the RNN's internal state) masks the step,
/// with inverted scaling: a kept value is divided by 1 − p, so the mask
/// m/(1 − p), m ~ Bernoulli(1 − p), has mean 1 and variance p/(1 − p).
///
/// The raw value is what files and flags say (`dropout` metadata of a
/// checkpoint, `train --dropout`); a file without the key has no dropout.
/// A fresh mask is drawn at every step (like the additive noise ξ), so the
/// network is still a Markov chain with a stationary law.
public enum DropoutSite: String, CaseIterable, Sendable, Codable {
  /// The state as the recurrent weights see it:
  ///   x = W (m ⊙ h)/(1 − p) + c,  h ← (1−γ) h + γ f(x)
  /// (the leak keeps the unmasked h; recurrent dropout).
  case state
  /// The input of f, after the weights:
  ///   x = W h + c,  h ← (1−γ) h + γ f(m ⊙ x/(1 − p)).
  case input

  /// As printed in tables and reports.
  public var label: String {
    switch self {
    case .state: return "dropout on the state"
    case .input: return "dropout on f's input"
    }
  }

  /// The variance of the inverted mask m/(1 − p): p/(1 − p).
  public static func maskVariance(rate p: Double) -> Double { p / (1 - p) }

  /// The largest rate accepted: at p = 0.95 a kept value is scaled by 20;
  /// beyond that the mask's variance p/(1 − p) > 19 swamps any signal and
  /// the chain's steps become too coarse to mean anything.
  public static let maximumRate = 0.95
}
