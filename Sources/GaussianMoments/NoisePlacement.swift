/// Where the noise enters the step (DESIGN.md, "The models"), for one
/// neuron and for a network alike.
///
/// The raw value is what files and flags say (`noise` metadata of a
/// checkpoint, `--noise`); `label` is what output prints. They are the same
/// words, but a report should not print a serialisation format: every
/// printed placement goes through `label`.
public enum NoisePlacement: String, CaseIterable, Sendable, Codable {
  /// x ← (1−γ)x + γ f(wx + b + σξ)
  case inside = "in"
  /// x ← (1−γ)x + γ (f(wx + b) + σξ)
  case outside = "out"

  /// "in" or "out", as printed in tables, captions, progress lines and
  /// reports ("noise-\(label)" where a compound name is wanted).
  public var label: String {
    switch self {
    case .inside: return "in"
    case .outside: return "out"
    }
  }
}
